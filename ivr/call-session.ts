/**
 * One caller in the IVR: the edge between the pure call flow, ARI and the routing core. It turns
 * ARI and routing events into flow events, runs the flow's effects, and owns everything the call
 * creates (playback, hold music, timers, ringing legs; the conversation with an agent through its
 * CallControl: bridge, agent leg, consultation) so that `end()` leaves nothing behind.
 */
import type { Logger } from 'pino';
import type { RoutingCore } from '../routing/core.ts';
import type { Offer, Priority } from '../routing/model.ts';
import { step, resume, type CallEvent, type CallState, type Effect, type MenuSettings, type PromptId } from './call-flow.ts';
import type { CallRecord, CallStore } from './call-store.ts';
import { CallRecorder, type CallRecords } from './call-recorder.ts';
import { CallControl, type AgentLeg, type SavedControl } from './call-control.ts';
import { bookCallback, type CallbackDesk } from './callback-booking.ts';
import type { CallNotice } from './call-notices.ts';
import { OfferRinger, type RingerDeps } from './offer-ringer.ts';
import { PromptPlayer } from './prompt-player.ts';
import { QueueWaiter, type QueueSettings } from './queue-waiter.ts';

export interface SessionDeps extends RingerDeps {
  store: CallStore;
  routing: RoutingCore;
  menu: MenuSettings;
  queues: Readonly<Record<string, QueueSettings>>;
  /** The caller's priority, from their number (premium customers first). */
  priorityOf: (callerNumber: string) => Promise<Priority>;
  /** Media URI of a prompt (`sound:/.../greeting`). */
  media: (prompt: PromptId) => string;
  now: () => Date;
  /** Records callbacks; absent when the configuration has none. */
  callbacks?: CallbackDesk;
  /** The customer records: who calls, and the call on their timeline; absent in some tests. */
  records?: CallRecords;
  /** Called when the session is over, so the app forgets it. */
  onEnded: (session: CallSession) => void;
  /** Tells the agents' consoles what becomes of their calls. */
  notify: (n: CallNotice) => void;
}

/** French ringback, played to the caller while an agent's phone rings. */
const RINGBACK = 'tone:ring;tonezone=fr';

export class CallSession {
  private state: CallState;
  private readonly prompt: PromptPlayer;
  private holding = false;
  private digitTimer: NodeJS.Timeout | undefined;
  private readonly queue: QueueWaiter;
  private readonly ringer: OfferRinger;
  private readonly recorder: CallRecorder;
  /** The conversation with an agent: hold, transfers, the agent's leg and the bridge. */
  readonly control: CallControl;
  private ended = false;
  private readonly log: Logger;

  constructor(
    private readonly deps: SessionDeps,
    private readonly record: Omit<CallRecord, 'state' | 'agent' | 'control'>,
    state: CallState,
    saved: { agent?: AgentLeg; control?: SavedControl } = {},
  ) {
    this.state = state;
    this.log = deps.log.child({ call: record.callId });
    this.recorder = new CallRecorder(deps.records, record.callId, record.callerNumber, this.log, deps.now);
    this.ringer = new OfferRinger(
      deps,
      record.callId,
      () => this.recorder.callerId(),
      (offerId, staffId, how) => this.agentDidNotAnswer(offerId, staffId, how),
    );
    this.prompt = new PromptPlayer(deps.ari, this.log);
    this.queue = new QueueWaiter({
      ...deps,
      log: this.log,
      callId: record.callId,
      callerNumber: record.callerNumber,
      isOver: () => this.ended,
      dispatch: (e) => this.dispatch(e),
      onOffer: (o) => this.onOffer(o),
    });
    const ringSeconds = (team: string) => deps.queues[team]?.offerSeconds ?? 20;
    this.control = new CallControl(
      { ...deps, ringSeconds },
      {
        callId: record.callId,
        callerNumber: record.callerNumber,
        team: () => ('team' in this.state ? this.state.team : deps.menu.defaultTeam),
        callerId: () => this.recorder.callerId(),
        agentChanged: (staffId) => this.recorder.connected(staffId),
        requeue: (to) => this.dispatch({ type: 'transferred', to }),
        hangup: () => this.end('agent hung up from the console'),
        persist: () => this.persist(),
      },
      saved,
    );
  }

  get callId(): string {
    return this.record.callId;
  }

  get agentChannelId(): string | undefined {
    return this.control.agent?.channelId;
  }

  /** A new call, already answered by the dialplan: the flow decides (greeting or closed message). */
  start(open: boolean): void {
    this.log.info({ step: 'start', caller: this.record.callerNumber, open }, 'call entered the IVR');
    this.recorder.started();
    this.dispatch({ type: 'start', open });
  }

  /** A call found in Stasis after a (re)connection: go on from where it was. */
  adopt(): void {
    this.clearTimers();
    this.prompt.stop();
    this.ringer.kill();
    this.log.info({ step: 'adopt', phase: this.state.phase }, 'call adopted');
    this.recorder.started();
    this.control.adopt();
    this.apply(resume(this.state.phase === 'talking' && !this.control.agent ? undefined : this.state, this.deps.menu));
  }

  onDigit(digit: string): void {
    this.log.info({ step: 'digit', digit, phase: this.state.phase }, 'digit received');
    this.dispatch({ type: 'digit', digit });
  }

  onPlaybackFinished(playbackId: string): void {
    if (this.prompt.finished(playbackId)) this.dispatch({ type: 'promptDone' });
  }

  /** The routing core offers this call to agents: ring their phones. */
  onOffer(offer: Offer): void {
    // A caller being offered a callback is still waiting, in their place.
    const s = this.state;
    const waiting = s.phase === 'queue' || (s.phase === 'callback' && s.step === 'offer' && s.origin !== 'closed');
    if (this.ended || !waiting) return;
    const team = this.deps.queues[s.team];
    this.log.info({ step: 'offer', agents: offer.agents }, 'ringing agents');
    this.ringer.ring(offer, team?.offerSeconds ?? 20);
    this.dispatch({ type: 'ringing' });
  }

  /** Those agents' offer is over (taken by another, missed, declined): stop their phones. */
  onOfferCancelled(offer: Offer, agents: readonly string[]): void {
    this.ringer.cancel(offer.id, agents);
    if (!this.ringer.ringing) this.dispatch({ type: 'notRinging' });
  }

  /** True when the channel is an agent leg of this call (ringing or answered), or a consulted colleague's. */
  ownsLeg(channelId: string): boolean {
    return this.control.owns(channelId) || this.ringer.owns(channelId);
  }

  /** An agent answered: the routing core decides whether they get the call (another may have been first). */
  async onAgentAnswered(channelId: string, staffId: string, offerId: string): Promise<void> {
    this.ringer.take(channelId);
    const accepted =
      !this.ended && this.state.phase === 'queue' && (await this.deps.routing.accept(this.callId, staffId, offerId).catch(() => false));
    if (accepted && (this.ended || this.state.phase !== 'queue')) {
      // The caller left (or the wait limit struck) while the routing core said yes: release the agent.
      await this.deps.routing.finish(this.callId).catch(() => undefined);
    }
    if (!accepted || this.ended || this.state.phase !== 'queue') {
      await this.deps.ari.hangup(channelId).catch(() => undefined);
      return;
    }
    this.ringer.kill();
    this.clearTimers();
    this.prompt.stop();
    this.stopHold();
    try {
      await this.control.connect(channelId, staffId);
    } catch (err) {
      return this.failed(err, 'bridge');
    }
    this.log.info({ step: 'connected', staff: staffId, agentChannel: channelId }, 'caller and agent connected');
    this.recorder.connected(staffId);
    this.dispatch({ type: 'agentConnected' });
  }

  /** A channel of this call is gone: the caller (end of everything), the agent, or a ringing leg. */
  onChannelGone(channelId: string, cause: number): void {
    if (channelId === this.callId) return this.end('caller hung up', { callerGone: true });
    // During a consultation the agent hanging up passes the call to the colleague.
    if (this.control.agent?.channelId === channelId)
      return void (this.control.agentGone(channelId) || this.end('agent hung up', { agentGone: true }));
    if (this.control.owns(channelId)) return this.control.legGone(channelId, cause);
    this.ringer.legGone(channelId, cause);
  }

  /**
   * Stops acting on the call without touching it: another Relais process owns it now and
   * adopts it from its saved state.
   */
  release(): void {
    this.ended = true;
    this.clearTimers();
    this.ringer.release();
    this.control.release();
  }

  /**
   * Ends the call and releases everything it holds, and tells the routing core (abandoned in the
   * queue, or finished with an agent). Idempotent. Channels known to be gone are not asked to hang
   * up again (a quarter of all requests under load, each a 404).
   */
  end(reason: string, gone: { callerGone?: boolean; agentGone?: boolean } = {}): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimers();
    if (gone.callerGone) this.prompt.forget();
    else this.prompt.stop();
    this.ringer.kill();
    const { ari, routing } = this.deps;
    const quietly = (p: Promise<unknown>) => p.catch((err) => this.log.warn({ err }, 'clean-up request failed'));
    if (!gone.callerGone) quietly(ari.hangup(this.callId));
    if (this.control.end(gone)) quietly(routing.finish(this.callId));
    else {
      // Still waiting (in the queue, or choosing a callback in their place): the caller abandons.
      // Nothing to do if the call never queued or already left: the core knows no such interaction.
      quietly(routing.abandon(this.callId));
    }
    void this.deps.store.remove(this.callId).catch((err) => this.log.warn({ err }, 'call record not removed'));
    this.recorder.ended(this.state);
    this.log.info({ step: 'end', reason, phase: this.state.phase }, 'call ended');
    this.deps.onEnded(this);
  }

  private dispatch(event: CallEvent): void {
    if (this.ended) return;
    const before = this.state.phase;
    const t = step(this.state, event, this.deps.menu);
    if (t.state.phase !== before) this.log.info({ step: t.state.phase, from: before, event: event.type }, 'call step');
    this.apply(t);
  }

  private apply(t: { state: CallState; effects: Effect[] }): void {
    this.state = t.state;
    this.recorder.observe(t.state);
    this.persist();
    for (const effect of t.effects) this.run(effect);
  }

  private run(effect: Effect): void {
    switch (effect.kind) {
      case 'play':
        return this.play(effect.prompts.map(this.deps.media));
      case 'ringback':
        return this.play([RINGBACK]);
      case 'stopPrompt':
        return this.prompt.stop();
      case 'hold':
        this.holding = true;
        this.deps.ari.startHold(this.callId).catch((err) => this.failed(err, 'hold'));
        return;
      case 'stopHold':
        return this.stopHold();
      case 'startDigitTimer':
        clearTimeout(this.digitTimer);
        this.digitTimer = setTimeout(() => this.dispatch({ type: 'silence' }), effect.seconds * 1000);
        return;
      case 'cancelDigitTimer':
        clearTimeout(this.digitTimer);
        return;
      case 'enqueue':
        this.queue.enter(effect.team, effect.keepWaiting ?? false).catch((err) => this.failed(err, 'enqueue'));
        return;
      case 'pauseQueue':
        return this.clearTimers();
      case 'announcePosition':
        return this.queue.announceNow();
      case 'requestCallback':
        bookCallback(
          {
            ...this.deps,
            log: this.log,
            callId: this.callId,
            callerNumber: this.record.callerNumber,
            isOver: () => this.ended,
            dispatch: (e) => this.dispatch(e),
          },
          effect,
        ).catch((err) => this.failed(err, 'callback'));
        return;
      case 'leaveQueue':
        this.clearTimers();
        this.ringer.kill();
        this.deps.routing.abandon(this.callId).catch((err) => this.log.warn({ err }, 'leaving the queue failed'));
        return;
      case 'hangup':
        return this.end('flow finished');
    }
  }

  private agentDidNotAnswer(offerId: string, staffId: string, how: 'missed' | 'declined'): void {
    this.log.info({ step: how, staff: staffId }, 'agent did not take the call');
    this.deps.routing.decline(this.callId, staffId, offerId, how).catch((err) => this.log.warn({ err }, 'decline not recorded'));
    if (!this.ringer.ringing) this.dispatch({ type: 'notRinging' });
  }

  private play(media: readonly string[]): void {
    this.prompt.play(this.callId, media, (err) => this.failed(err, 'play'));
  }

  private stopHold(): void {
    if (!this.holding) return;
    this.holding = false;
    this.deps.ari.stopHold(this.callId).catch((err) => this.log.warn({ err }, 'stop hold failed'));
  }

  private clearTimers(): void {
    clearTimeout(this.digitTimer);
    this.queue.pause();
  }

  /** Something on our side broke: the flow apologises; if even that fails, hang up. */
  private failed(err: unknown, what: string): void {
    if (this.ended) return;
    const code = (err as { code?: string }).code;
    if (code === 'ARI_ERR_NOT_FOUND') return this.end(`channel gone during ${what}`, { callerGone: true });
    this.log.error({ err, what }, 'call step failed');
    if (this.state.phase === 'farewell' && this.state.prompt === 'apology') return this.end(`${what} failed while apologising`);
    this.dispatch({ type: 'failure' });
  }

  private persist(): void {
    const agent = this.control.agent;
    const rec: CallRecord = { ...this.record, state: this.state, ...(agent ? { agent, control: this.control.saved() } : {}) };
    this.deps.store.save(rec).catch((err) => this.log.warn({ err }, 'call state not saved'));
  }
}
