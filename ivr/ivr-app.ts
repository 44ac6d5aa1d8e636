/**
 * The Stasis application: routes ARI events to call sessions, and on every (re)connection to
 * Asterisk re-reads live state: calls still in the application are adopted where they were, and
 * what belongs to calls that ended meanwhile is cleaned up.
 */
import type { Logger } from 'pino';
import type { AriConnection } from '../asterisk/ari.ts';
import type { AriActions } from '../asterisk/ari-actions.ts';
import { FEATURE_CODES, STASIS_ARG_FEATURE, STASIS_ARG_INBOUND, type FeatureAction } from '../dialplan/render.ts';
import { CallbackCall, STASIS_ARG_CUSTOMER, type CallbackCallDeps } from '../callback/callback-call.ts';
import type { CallbackService } from '../callback/service.ts';
import type { RoutingCore } from '../routing/core.ts';
import type { RoutingEvent } from '../routing/events.ts';
import type { Interaction, Offer, Priority } from '../routing/model.ts';
import type { CallState, MenuSettings, PromptId } from './call-flow.ts';
import { initialState } from './call-flow.ts';
import { CallSession, type SessionDeps } from './call-session.ts';
import type { QueueSettings } from './queue-waiter.ts';
import type { CallStore } from './call-store.ts';
import type { CallRecords } from './call-recorder.ts';
import { FeatureCall } from './feature-call.ts';
import { STASIS_ARG_AGENT } from './offer-ringer.ts';
import type { AgentLeg, SavedControl } from './call-control.ts';
import { STASIS_ARG_CONSULT } from './consultation.ts';
import { CallControlError } from './call-control-errors.ts';
import type { AgentCall, ControllableCall, NoticeHandler } from './call-notices.ts';
import type { ControlCommand } from './control-flow.ts';

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
  /** Callbacks, when configured. */
  callbacks?: CallbackEdge;
  /** Customer records: who calls, and each call on their timeline. */
  records?: CallRecords;
  /** Tells the agents' consoles what becomes of their calls. */
  notify: NoticeHandler;
}

export interface CallbackEdge extends Pick<CallbackCallDeps, 'callerId' | 'dial' | 'ringSeconds'> {
  service: CallbackService;
  /** The digits read back to a caller for a recorded number. */
  digitsToSay: (e164: string) => string;
}

/** Channel ids of a callback attempt: `<interaction>-customer`, `<interaction>-<8 hex>` (agent legs). */
const CALLBACK_LEG = /^(cb-([0-9a-f-]{36})-\d+)-(customer|[0-9a-f]{8})$/;

export class IvrApp {
  /** Live sessions by caller channel id. */
  private readonly sessions = new Map<string, CallSession>();
  /** Staff phones dialling a feature code, by channel id. */
  private readonly features = new Map<string, FeatureCall>();
  /** Callback attempts, by routing interaction id. */
  private readonly callbackCalls = new Map<string, CallbackCall>();
  private readonly sessionDeps: SessionDeps;
  private readonly callbackDeps: CallbackCallDeps | undefined;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: IvrDeps) {
    this.sessionDeps = {
      ari: deps.ari,
      app: deps.conn.app,
      store: deps.store,
      routing: deps.routing,
      priorityOf: deps.priorityOf,
      records: deps.records,
      log: deps.log,
      menu: deps.menu,
      queues: deps.queues,
      media: deps.media,
      now: deps.now,
      onEnded: (s) => this.sessions.delete(s.callId),
      notify: deps.notify,
      callbacks: deps.callbacks && {
        request: (req) => deps.callbacks!.service.request(req),
        digitsToSay: deps.callbacks.digitsToSay,
      },
    };
    const cb = deps.callbacks;
    this.callbackDeps = cb && {
      ari: deps.ari,
      app: deps.conn.app,
      log: deps.log,
      routing: deps.routing,
      service: cb.service,
      media: deps.media,
      callerId: cb.callerId,
      dial: cb.dial,
      ringSeconds: cb.ringSeconds,
      offerSeconds: (team) => deps.queues[team]?.offerSeconds ?? 20,
      notify: deps.notify,
      now: deps.now,
      onEnded: (c) => {
        if (this.callbackCalls.get(c.id) === c) this.callbackCalls.delete(c.id);
      },
    };
    const { conn } = deps;
    this.unsubscribe.push(
      conn.on('StasisStart', (e) => this.onStasisStart(e.channel.id, e.channel.name, e.channel.caller.number, e.args)),
      conn.on('ChannelDtmfReceived', (e) => this.sessions.get(e.channel.id)?.onDigit(e.digit)),
      conn.on('PlaybackFinished', (e) => {
        const channelId = e.playback.target_uri.replace(/^channel:/, '');
        (this.sessions.get(channelId) ?? this.features.get(channelId) ?? this.callbackOf(channelId))?.onPlaybackFinished(e.playback.id);
      }),
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
    if (e.type === 'offer' && e.interaction.channel === 'callback') this.onCallbackOffer(e.interaction, e.offer);
    if (e.type === 'offerCancelled') {
      (this.sessions.get(e.offer.interactionId) ?? this.callbackCalls.get(e.offer.interactionId))?.onOfferCancelled(e.offer, e.agents);
    }
  }

  /** A callback's turn came: the process that owns the application rings the agents. */
  private onCallbackOffer(ix: Interaction, offer: Offer): void {
    if (!this.callbackDeps || !this.deps.conn.connected) return;
    let call = this.callbackCalls.get(ix.id);
    if (!call) {
      call = new CallbackCall(this.callbackDeps, ix);
      this.callbackCalls.set(ix.id, call);
    }
    call.onOffer(offer);
  }

  private callbackOf(channelId: string): CallbackCall | undefined {
    for (const c of this.callbackCalls.values()) if (c.owns(channelId)) return c;
    return undefined;
  }

  /** The calls this agent has, or is consulted about (this process must own the application). */
  callsOf(agent: string): AgentCall[] {
    const calls = [...this.sessions.values()].filter((s) => s.control.concerns(agent)).map((s) => s.control.view());
    const callbacks = [...this.callbackCalls.values()].map((c) => c.control.view()).filter((v) => v?.agent === agent);
    return [...calls, ...callbacks].filter((v): v is AgentCall => v !== undefined);
  }

  /** The agent's command on a call of theirs; refusals are CallControlErrors. */
  command(callId: string, agent: string, cmd: ControlCommand): Promise<AgentCall | undefined> {
    const call: ControllableCall | undefined = this.sessions.get(callId)?.control ?? this.callbackCalls.get(callId)?.control;
    if (!call) return Promise.reject(new CallControlError('CALL_ERR_NOT_FOUND'));
    return call.command(cmd, agent);
  }

  /** How many calls this process is handling. */
  get activeCalls(): number {
    return this.sessions.size;
  }

  /** Lets go of every call, untouched, for the process that owns the application now. */
  releaseCalls(): void {
    for (const s of this.sessions.values()) s.release();
    this.sessions.clear();
    for (const c of this.callbackCalls.values()) c.release();
    this.callbackCalls.clear();
  }

  /** Stops listening. Calls stay in Asterisk for the next Relais to adopt. */
  detach(): void {
    for (const off of this.unsubscribe) off();
    this.releaseCalls();
  }

  private onStasisStart(channelId: string, channelName: string, callerNumber: string, args: readonly string[]): void {
    const [kind, callId, staffId, offerId] = args;
    if (kind === STASIS_ARG_AGENT && callId && staffId && offerId) {
      const session = this.sessions.get(callId) ?? this.callbackCalls.get(callId);
      if (session) void session.onAgentAnswered(channelId, staffId, offerId);
      else void this.deps.ari.hangup(channelId).catch(() => undefined); // its caller is gone
      return;
    }
    if (kind === STASIS_ARG_CONSULT && callId && staffId && offerId) {
      // A consulted colleague answered; too late (cancelled, caller gone): they hang up.
      if (!this.sessions.get(callId)?.control.colleagueAnswered(channelId, staffId, offerId))
        void this.deps.ari.hangup(channelId).catch(() => undefined);
      return;
    }
    if (kind === STASIS_ARG_CUSTOMER && callId) {
      const call = this.callbackCalls.get(callId);
      if (call) void call.onCustomerAnswered(channelId);
      else void this.deps.ari.hangup(channelId).catch(() => undefined);
      return;
    }
    if (kind === STASIS_ARG_FEATURE && isFeature(callId)) {
      const feature = new FeatureCall(
        { ari: this.deps.ari, routing: this.deps.routing, media: this.deps.media, log: this.deps.log },
        channelId,
      );
      this.features.set(channelId, feature);
      void feature.run(channelName, callId);
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
    saved: { agent?: AgentLeg; control?: SavedControl } = {},
  ): CallSession {
    const session = new CallSession(this.sessionDeps, { callId, callerNumber, startedAt: startedAt.toISOString() }, state, saved);
    this.sessions.set(callId, session);
    return session;
  }

  private channelGone(channelId: string, cause: number): void {
    if (this.features.delete(channelId)) return;
    const own = this.sessions.get(channelId);
    if (own) return own.onChannelGone(channelId, cause);
    for (const s of this.sessions.values()) {
      if (s.ownsLeg(channelId)) return s.onChannelGone(channelId, cause);
    }
    this.callbackOf(channelId)?.onChannelGone(channelId, cause);
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
      const session = this.newSession(c.id, c.caller.number, rec ? new Date(rec.startedAt) : this.deps.now(), state, {
        agent: rec?.agent,
        control: rec?.control,
      });
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
    await this.adoptCallbacks(channels);
  }

  /**
   * Callback attempts after a (re)connection: an agent and a customer still talking in their
   * bridge are adopted; any other leg is hung up and its attempt, interrupted on our side, goes
   * back to its place without using one of the customer's attempts.
   */
  private async adoptCallbacks(channels: readonly { id: string }[]): Promise<void> {
    const deps = this.callbackDeps;
    const service = this.deps.callbacks?.service;
    if (!deps || !service) return;
    const legs = new Map<string, { callbackId: string; ids: string[] }>();
    for (const ch of channels) {
      const m = CALLBACK_LEG.exec(ch.id);
      if (!m || this.callbackCalls.has(m[1]!)) continue;
      const group = legs.get(m[1]!) ?? { callbackId: m[2]!, ids: [] };
      group.ids.push(ch.id);
      legs.set(m[1]!, group);
    }
    const bridges = legs.size ? await this.deps.ari.listBridges() : [];
    for (const [interactionId, { ids }] of legs) {
      const bridge = bridges.find((b) => b.id === `${interactionId}-bridge`);
      const customer = `${interactionId}-customer`;
      const agent = bridge?.channels.find((id) => id !== customer && ids.includes(id));
      if (bridge && agent && bridge.channels.includes(customer)) {
        // Who talks, for the agent's console: the routing core knows (if Redis kept it).
        const ix = (await this.deps.routing.interaction(interactionId).catch(() => undefined)) ?? { id: interactionId, team: '', meta: {} };
        this.callbackCalls.set(interactionId, CallbackCall.adoptTalking(deps, ix, agent, customer));
        continue;
      }
      for (const id of ids) await this.deps.ari.hangup(id).catch(() => undefined);
      await this.deps.ari.destroyBridge(`${interactionId}-bridge`).catch(() => undefined);
    }
    // Attempts that were calling with nobody left on the line (Relais or Asterisk restarted).
    for (const cb of await service.calling()) {
      if (cb.interactionId && this.callbackCalls.has(cb.interactionId)) continue;
      if (cb.interactionId) await this.deps.routing.finish(cb.interactionId).catch(() => undefined);
      await service.attemptEnded(cb.id, 'interrupted');
    }
  }
}

const isFeature = (action: string | undefined): action is FeatureAction => Object.values(FEATURE_CODES).includes(action as FeatureAction);
