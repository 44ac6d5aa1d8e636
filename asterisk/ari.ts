/**
 * The ARI connection: ari-client underneath, a typed event map and a connection that never gives
 * up. ari-client reconnects by itself for ~43 s and then stops for good (WebSocketMaxRetries);
 * here it is restarted with a capped backoff, and every (re)connection is announced so the IVR
 * re-reads live state and adopts the calls still in its Stasis application.
 */
import { EventEmitter } from 'node:events';
import ariClient, { type Client } from 'ari-client';
import type { Logger } from 'pino';
import type { AriEndpoint } from './supervisor.ts';

// swagger-client (under ari-client) prints "deprecated version of Swagger" to stdout on every
// connect, through a global `log` it defines when loaded: that line would break the JSON logs.
(globalThis as { log?: unknown }).log = () => undefined;

/** The parts of ARI's Channel model Relais reads. */
export interface ChannelData {
  id: string;
  name: string;
  state: string;
  caller: { name: string; number: string };
  dialplan?: { context: string; exten: string; app_name?: string; app_data?: string };
}

/** ARI events Relais listens to, as Asterisk sends them (JSON data, not ari-client objects). */
export interface AriEventMap {
  StasisStart: { args: string[]; channel: ChannelData; replace_channel?: ChannelData };
  StasisEnd: { channel: ChannelData };
  ChannelDtmfReceived: { digit: string; duration_ms: number; channel: ChannelData };
  ChannelHangupRequest: { channel: ChannelData; cause?: number };
  ChannelDestroyed: { channel: ChannelData; cause: number; cause_txt: string };
  PlaybackStarted: { playback: { id: string; target_uri: string; state: string } };
  PlaybackFinished: { playback: { id: string; target_uri: string; state: string } };
  RecordingStarted: { recording: { name: string; state: string } };
  RecordingFinished: { recording: { name: string; state: string; duration?: number } };
  RecordingFailed: { recording: { name: string; state: string; cause?: string } };
  ApplicationReplaced: { application: string };
}
export type AriEventName = keyof AriEventMap;
const EVENT_NAMES: readonly AriEventName[] = [
  'StasisStart', 'StasisEnd', 'ChannelDtmfReceived', 'ChannelHangupRequest', 'ChannelDestroyed',
  'PlaybackStarted', 'PlaybackFinished', 'RecordingStarted', 'RecordingFinished', 'RecordingFailed', 'ApplicationReplaced',
];

interface ConnectionEvents {
  /** The event WebSocket is up: first time (`reconnected` false) or after a drop. */
  connected: [reconnected: boolean];
  disconnected: [reason: string];
}

const RESTART_DELAY_MAX_MS = 10_000;

export class AriConnection {
  private readonly events = new EventEmitter();
  private readonly lifecycle = new EventEmitter<ConnectionEvents>();
  private isConnected = false;
  private everConnected = false;
  private closed = false;
  private paused = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartDelayMs = 1000;

  private constructor(
    /** ari-client's REST resources (channels, bridges, playbacks, ...). */
    readonly client: Client,
    readonly app: string,
    private readonly log: Logger,
  ) {
    this.events.setMaxListeners(0);
    for (const name of EVENT_NAMES) {
      client.on(name as never, ((event: unknown) => this.events.emit(name, event)) as never);
    }
    client.on('WebSocketConnected', () => this.markConnected());
    client.on('WebSocketReconnecting', (err: Error) => this.markDisconnected(err?.message ?? 'reconnecting'));
    // ari-client has given up; start it again, with a growing delay, until Asterisk is back.
    client.on('WebSocketMaxRetries', (err: Error) => {
      this.markDisconnected(err?.message ?? 'max retries');
      this.scheduleRestart();
    });
  }

  /**
   * Loads ARI's REST description. Listeners go on before `start()` opens the event WebSocket, so
   * no event (a call arriving at that instant) is emitted to nobody. Rejects if ARI is unreachable.
   */
  static async create(endpoint: AriEndpoint, app: string, log: Logger): Promise<AriConnection> {
    const client = await ariClient.connect(endpoint.url, endpoint.username, endpoint.password);
    return new AriConnection(client, app, log);
  }

  /** Opens the event WebSocket for the application; resolves once connected. */
  async start(): Promise<void> {
    this.paused = false;
    await this.client.start(this.app);
  }

  /** Closes the event WebSocket until the next `start()` (another process owns the application). */
  pause(): void {
    this.paused = true;
    clearTimeout(this.restartTimer);
    this.markDisconnected('paused');
    try {
      this.client.stop();
    } catch {
      // not connected
    }
  }

  get connected(): boolean {
    return this.isConnected;
  }

  on<K extends AriEventName>(name: K, listener: (event: AriEventMap[K]) => void): () => void {
    const wrapped = (e: AriEventMap[K]) => {
      try {
        listener(e);
      } catch (err) {
        this.log.error({ err, event: name }, 'ARI event handler failed');
      }
    };
    this.events.on(name, wrapped);
    return () => this.events.off(name, wrapped);
  }

  onLifecycle<K extends keyof ConnectionEvents>(name: K, listener: (...args: ConnectionEvents[K]) => void): void {
    this.lifecycle.on(name, listener as never);
  }

  /** Closes the event WebSocket. Calls stay in Asterisk, in the Stasis application, for the next Relais. */
  close(): void {
    this.closed = true;
    clearTimeout(this.restartTimer);
    (this.client as unknown as EventEmitter).removeAllListeners();
    try {
      this.client.stop();
    } catch {
      // already closed
    }
  }

  private markConnected(): void {
    const reconnected = this.everConnected;
    this.everConnected = true;
    this.isConnected = true;
    this.restartDelayMs = 1000;
    this.log.info({ app: this.app, reconnected }, 'ARI connected');
    this.lifecycle.emit('connected', reconnected);
  }

  private markDisconnected(reason: string): void {
    if (!this.isConnected) return;
    this.isConnected = false;
    this.log.warn({ reason }, 'ARI disconnected');
    this.lifecycle.emit('disconnected', reason);
  }

  private scheduleRestart(): void {
    if (this.closed || this.paused) return;
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(delay * 2, RESTART_DELAY_MAX_MS);
    this.log.warn({ retryInMs: delay }, 'ARI unreachable, will retry');
    // A failed start ends in WebSocketMaxRetries again, which schedules the next try.
    this.restartTimer = setTimeout(() => this.client.start(this.app).catch(() => undefined), delay);
  }
}
