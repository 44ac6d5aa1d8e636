/**
 * The Stasis application: routes ARI events to call sessions, and on every (re)connection to
 * Asterisk re-reads live state: calls still in the application are adopted where they were, and
 * what belongs to calls that ended meanwhile is cleaned up.
 */
import type { Logger } from 'pino';
import type { AriConnection } from '../asterisk/ari.ts';
import type { AriActions } from '../asterisk/ari-actions.ts';
import { STASIS_ARG_INBOUND } from '../dialplan/render.ts';
import type { RoutingCore } from '../routing/core.ts';
import type { RoutingEvent } from '../routing/events.ts';
import type { Priority } from '../routing/model.ts';
import type { CallState, MenuSettings, PromptId } from './call-flow.ts';
import { initialState } from './call-flow.ts';
import { CallSession, type QueueSettings, type SessionDeps } from './call-session.ts';
import type { CallStore } from './call-store.ts';
import { STASIS_ARG_AGENT } from './offer-ringer.ts';

export interface IvrDeps {
  conn: AriConnection;
  ari: AriActions;
  store: CallStore;
  routing: RoutingCore;
  log: Logger;
  menu: MenuSettings;
  queues: Readonly<Record<string, QueueSettings>>;
  priorityOf: (callerNumber: string) => Promise<Priority>;
  media: (prompt: PromptId) => string;
  now: () => Date;
  /** Whether the company is open at this instant. */
  isOpen: (at: Date) => boolean;
}

export class IvrApp {
  /** Live sessions by caller channel id. */
  private readonly sessions = new Map<string, CallSession>();
  private readonly sessionDeps: SessionDeps;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: IvrDeps) {
    this.sessionDeps = {
      ari: deps.ari,
      app: deps.conn.app,
      store: deps.store,
      routing: deps.routing,
      priorityOf: deps.priorityOf,
      log: deps.log,
      menu: deps.menu,
      queues: deps.queues,
      media: deps.media,
      now: deps.now,
      onEnded: (s) => this.sessions.delete(s.callId),
    };
    const { conn } = deps;
    this.unsubscribe.push(
      conn.on('StasisStart', (e) => this.onStasisStart(e.channel.id, e.channel.caller.number, e.args)),
      conn.on('ChannelDtmfReceived', (e) => this.sessions.get(e.channel.id)?.onDigit(e.digit)),
      conn.on('PlaybackFinished', (e) => this.sessionOfTarget(e.playback.target_uri)?.onPlaybackFinished(e.playback.id)),
      conn.on('StasisEnd', (e) => this.channelGone(e.channel.id, 16)),
      conn.on('ChannelDestroyed', (e) => this.channelGone(e.channel.id, e.cause)),
    );
    conn.onLifecycle('connected', () => {
      this.adoptLiveCalls().catch((err) => deps.log.error({ err }, 'adopting live calls failed'));
    });
  }

  /** The routing core's decisions about calls (heard from Redis: any process may have made them). */
  onRoutingEvent(e: RoutingEvent): void {
    if (e.type === 'offer' && e.interaction.channel === 'call') this.sessions.get(e.interaction.id)?.onOffer(e.offer);
    if (e.type === 'offerCancelled') this.sessions.get(e.offer.interactionId)?.onOfferCancelled(e.offer, e.agents);
  }

  /** How many calls this process is handling. */
  get activeCalls(): number {
    return this.sessions.size;
  }

  /** Lets go of every call, untouched, for the process that owns the application now. */
  releaseCalls(): void {
    for (const s of this.sessions.values()) s.release();
    this.sessions.clear();
  }

  /** Stops listening. Calls stay in Asterisk for the next Relais to adopt. */
  detach(): void {
    for (const off of this.unsubscribe) off();
    this.releaseCalls();
  }

  private onStasisStart(channelId: string, callerNumber: string, args: readonly string[]): void {
    const [kind, callId, staffId, offerId] = args;
    if (kind === STASIS_ARG_AGENT && callId && staffId && offerId) {
      const session = this.sessions.get(callId);
      if (session) void session.onAgentAnswered(channelId, staffId, offerId);
      else void this.deps.ari.hangup(channelId).catch(() => undefined); // its caller is gone
      return;
    }
    if (kind !== STASIS_ARG_INBOUND) {
      this.deps.log.warn({ channelId, args }, 'unexpected channel in the Stasis application: hanging up');
      void this.deps.ari.hangup(channelId).catch(() => undefined);
      return;
    }
    const now = this.deps.now();
    const session = this.newSession(channelId, callerNumber, now, initialState());
    session.start(this.deps.isOpen(now));
  }

  private newSession(
    callId: string,
    callerNumber: string,
    startedAt: Date,
    state: CallState,
    agent?: { channelId: string; staffId: string; bridgeId: string },
  ): CallSession {
    const session = new CallSession(this.sessionDeps, { callId, callerNumber, startedAt: startedAt.toISOString() }, state, agent);
    this.sessions.set(callId, session);
    return session;
  }

  private sessionOfTarget(targetUri: string): CallSession | undefined {
    return targetUri.startsWith('channel:') ? this.sessions.get(targetUri.slice('channel:'.length)) : undefined;
  }

  private channelGone(channelId: string, cause: number): void {
    const own = this.sessions.get(channelId);
    if (own) return own.onChannelGone(channelId, cause);
    for (const s of this.sessions.values()) {
      if (s.ownsLeg(channelId)) return s.onChannelGone(channelId, cause);
    }
  }

  /**
   * After a (re)connection, events may have been missed. Every caller still in the application
   * gets a session resumed from its saved state; sessions and records whose caller is gone are
   * ended, which also hangs up their agent leg and destroys their bridge.
   */
  private async adoptLiveCalls(): Promise<void> {
    const { ari, store, log } = this.deps;
    const channels = await ari.listChannels();
    const live = new Map(channels.map((c) => [c.id, c]));
    const callers = channels.filter(
      (c) => c.dialplan?.app_name === 'Stasis' && c.dialplan.app_data?.startsWith(`${this.deps.conn.app},${STASIS_ARG_INBOUND}`),
    );

    for (const s of [...this.sessions.values()]) {
      if (!live.has(s.callId)) s.end('caller gone while disconnected', { callerGone: true });
    }
    for (const c of callers) {
      const existing = this.sessions.get(c.id);
      if (existing) {
        if (existing.agentChannelId && !live.has(existing.agentChannelId)) existing.end('agent gone while disconnected');
        else existing.adopt();
        continue;
      }
      const rec = await store.load(c.id);
      // Nothing known about this call (its record was lost with Redis): apologise and end it.
      const state: CallState = rec?.state ?? { phase: 'farewell', prompt: 'apology' };
      const session = this.newSession(c.id, c.caller.number, rec ? new Date(rec.startedAt) : this.deps.now(), state, rec?.agent);
      if (rec?.agent && !live.has(rec.agent.channelId)) session.end('agent gone while Relais was away');
      else session.adopt();
    }
    // Records of calls that ended while nobody listened: release their agent leg and bridge.
    for (const callId of await store.callIds()) {
      if (live.has(callId) || this.sessions.has(callId)) continue;
      const rec = await store.load(callId);
      if (rec?.agent) {
        await ari.hangup(rec.agent.channelId).catch(() => undefined);
        await ari.destroyBridge(rec.agent.bridgeId).catch(() => undefined);
      }
      await store.remove(callId);
    }
    if (callers.length) log.info({ adopted: callers.length }, 'live calls adopted');
  }
}
