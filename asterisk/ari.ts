/**
 * The ARI connection: REST requests (ari-http.ts) and the event WebSocket of one Stasis
 * application, with a typed event map. Events are validated where they enter; the WebSocket is
 * kept alive with pings and reconnected with a capped backoff, forever, and every (re)connection
 * is announced so the IVR re-reads live state and adopts the calls still in its application.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { z } from 'zod';
import { AriHttp, type AriEndpoint } from './ari-http.ts';

const channel = z.object({
  id: z.string(),
  name: z.string(),
  state: z.string(),
  caller: z.object({ name: z.string(), number: z.string() }),
  dialplan: z
    .object({ context: z.string(), exten: z.string(), app_name: z.string().optional(), app_data: z.string().optional() })
    .optional(),
});
const playback = z.object({ playback: z.object({ id: z.string(), target_uri: z.string(), state: z.string() }) });
const recording = z.object({
  recording: z.object({ name: z.string(), state: z.string(), duration: z.number().optional(), cause: z.string().optional() }),
});

/** The ARI events Relais reads, and the parts of them it reads. */
const eventSchemas = {
  StasisStart: z.object({ args: z.array(z.string()), channel }),
  StasisEnd: z.object({ channel }),
  ChannelDtmfReceived: z.object({ digit: z.string(), duration_ms: z.number(), channel }),
  ChannelHangupRequest: z.object({ channel, cause: z.number().optional() }),
  ChannelDestroyed: z.object({ channel, cause: z.number(), cause_txt: z.string() }),
  PlaybackStarted: playback,
  PlaybackFinished: playback,
  RecordingStarted: recording,
  RecordingFinished: recording,
  RecordingFailed: recording,
  ApplicationReplaced: z.object({ application: z.string() }),
};

export type ChannelData = z.infer<typeof channel>;
export type AriEventMap = { [K in keyof typeof eventSchemas]: z.infer<(typeof eventSchemas)[K]> };
export type AriEventName = keyof AriEventMap;

interface ConnectionEvents {
  /** The event WebSocket is up: first time (`reconnected` false) or after a drop. */
  connected: [reconnected: boolean];
  disconnected: [reason: string];
}

const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 10_000;
/** A WebSocket that does not answer a ping within this is dead (half-open TCP), even if not closed. */
const PING_EVERY_MS = 10_000;

export class AriConnection {
  /** ARI's REST requests. */
  readonly http: AriHttp;
  private readonly events = new EventEmitter();
  private readonly lifecycle = new EventEmitter<ConnectionEvents>();
  private ws: WebSocket | undefined;
  private isConnected = false;
  private everConnected = false;
  /** Set by pause()/close(): the socket stays down until start(). */
  private stopped = true;
  private reconnectDelay = RECONNECT_FIRST_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private opened: (() => void) | undefined;

  constructor(
    private readonly endpoint: AriEndpoint,
    readonly app: string,
    private readonly log: Logger,
  ) {
    this.http = new AriHttp(endpoint);
    this.events.setMaxListeners(0);
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Opens the event WebSocket for the application; resolves once connected (retrying meanwhile). */
  start(): Promise<void> {
    this.stopped = false;
    const up = new Promise<void>((resolve) => (this.opened = resolve));
    this.connect();
    return up;
  }

  /** Closes the event WebSocket until the next `start()` (another process owns the application). */
  pause(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.ws?.terminate();
    this.markDisconnected('paused');
  }

  /** Closes everything. Calls stay in Asterisk, in the Stasis application, for the next Relais. */
  close(): void {
    this.pause();
    this.events.removeAllListeners();
    this.http.close();
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

  private connect(): void {
    const url = new URL('/ari/events', this.endpoint.url.replace(/^http/, 'ws'));
    url.searchParams.set('app', this.app);
    const auth = Buffer.from(`${this.endpoint.username}:${this.endpoint.password}`).toString('base64');
    const ws = new WebSocket(url, { headers: { authorization: `Basic ${auth}` }, handshakeTimeout: 5000 });
    this.ws = ws;
    let alive = true;
    ws.on('open', () => {
      this.reconnectDelay = RECONNECT_FIRST_MS;
      this.pingTimer = setInterval(() => {
        if (!alive) return ws.terminate();
        alive = false;
        ws.ping();
      }, PING_EVERY_MS);
      this.markConnected();
    });
    ws.on('pong', () => (alive = true));
    ws.on('message', (data) => this.dispatch(data.toString()));
    ws.on('error', (err) => this.log.debug({ err: err.message }, 'ARI WebSocket error'));
    ws.on('close', (code) => {
      clearInterval(this.pingTimer);
      if (this.ws !== ws) return;
      this.markDisconnected(`closed (${code})`);
      if (this.stopped) return;
      const delay = this.reconnectDelay;
      this.reconnectDelay = Math.min(delay * 2, RECONNECT_MAX_MS);
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }

  /** Validates an event at the edge; events Relais does not read are skipped unparsed. */
  private dispatch(text: string): void {
    let raw: { type?: unknown };
    try {
      raw = JSON.parse(text) as { type?: unknown };
    } catch {
      this.log.warn({ text: text.slice(0, 200) }, 'ARI sent an event that is not JSON');
      return;
    }
    const type = raw.type as AriEventName;
    const schema = eventSchemas[type];
    if (!schema) return;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      this.log.warn({ type, issues: parsed.error.issues.slice(0, 3) }, 'ARI event of an unexpected shape: skipped');
      return;
    }
    if (type === 'ApplicationReplaced')
      this.log.error({ app: this.app }, 'another process took the Stasis application: check the ARI lease');
    this.events.emit(type, parsed.data);
  }

  private markConnected(): void {
    const reconnected = this.everConnected;
    this.everConnected = true;
    this.isConnected = true;
    this.log.info({ app: this.app, reconnected }, 'ARI connected');
    this.lifecycle.emit('connected', reconnected);
    this.opened?.();
    this.opened = undefined;
  }

  private markDisconnected(reason: string): void {
    if (!this.isConnected) return;
    this.isConnected = false;
    this.log.warn({ reason }, 'ARI disconnected');
    this.lifecycle.emit('disconnected', reason);
  }
}
