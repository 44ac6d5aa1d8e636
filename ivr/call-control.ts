/**
 * The conversation side of a call. Once an agent answers, the caller and the agent meet in the
 * call's bridge; the agent's console can then hold the caller (out of the bridge, on hold music:
 * the agent hears silence), resume, hang up, and transfer the call: blind (the agent is released,
 * the caller waits again, at their place, for a colleague or in a team's queue) or attended (a
 * colleague's phones ring while the caller holds; they join the agent in the same bridge; then
 * complete or cancel). Decisions come from control-flow.ts; this runs them on ARI and the routing
 * core, one at a time per call, and owns the agent's leg, the colleague's legs and the bridge, so
 * `end()` leaves nothing behind.
 */
import type { Logger } from 'pino';
import type { RoutingCore } from '../routing/core.ts';
import { RoutingError } from '../routing/errors.ts';
import type { TransferTarget } from '../routing/model.ts';
import { CallControlError, fromRouting } from './call-control-errors.ts';
import type { AgentCall, CallNotice, ControllableCall } from './call-notices.ts';
import {
  decide,
  react,
  type ControlCommand,
  type ControlNotice,
  type ControlOutcome,
  type ControlState,
  type ControlStep,
  type LineEvent,
} from './control-flow.ts';
import { Consultation } from './consultation.ts';
import type { RingerDeps } from './offer-ringer.ts';

/** The agent who has the call: their leg, who they are, and the bridge they share with the caller. */
export interface AgentLeg {
  channelId: string;
  staffId: string;
  bridgeId: string;
}

/** Kept with the call's record, so a Relais that adopts the call knows where its control stood. */
export interface SavedControl {
  state: ControlState;
  /** Epoch ms the state began. */
  since: number;
  /** The consulted colleague's answered leg. */
  colleagueChannel?: string;
  /** The agent who let the call go blind, until another agent has it. */
  passedOnBy?: string;
}

export interface ControlDeps extends RingerDeps {
  routing: RoutingCore;
  /** How long a colleague's phones ring for a consultation: the team's ring time. */
  ringSeconds: (team: string) => number;
  notify: (n: CallNotice) => void;
  now: () => Date;
}

/** What the control needs of its call session. */
export interface ControlHost {
  readonly callId: string;
  readonly callerNumber: string;
  /** The team the call came through. */
  team(): string;
  /** Shown on a colleague's phone: who calls. */
  callerId(): string;
  /** Another agent has the call now (the customer's timeline follows). */
  agentChanged(staffId: string): void;
  /** The agent let the call go blind: the caller waits again. */
  requeue(to: TransferTarget): void;
  /** The agent hung up from the console. */
  hangup(): void;
  persist(): void;
}

const TALKING: ControlState = { step: 'talking' };

export class CallControl implements ControllableCall {
  private leg: AgentLeg | undefined;
  private state: ControlState;
  private since: number;
  /** The colleague consulted, their phones and leg (attended transfer). */
  private readonly consultation: Consultation;
  private passedOnBy: string | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private over = false;
  private readonly log: Logger;

  constructor(
    private readonly deps: ControlDeps,
    private readonly host: ControlHost,
    saved: { agent?: AgentLeg; control?: SavedControl } = {},
  ) {
    this.log = deps.log.child({ call: host.callId });
    this.leg = saved.agent;
    this.state = saved.control?.state ?? TALKING;
    this.since = saved.control?.since ?? deps.now().getTime();
    this.passedOnBy = saved.control?.passedOnBy;
    this.consultation = new Consultation(
      deps,
      host.callId,
      () => host.callerId(),
      () => this.onLine({ type: 'colleagueGone', why: 'no-answer' }),
      this.state.step === 'consulting' ? { staffId: this.state.colleague, channelId: saved.control?.colleagueChannel } : undefined,
    );
  }

  get agent(): AgentLeg | undefined {
    return this.leg;
  }

  saved(): SavedControl {
    return { state: this.state, since: this.since, colleagueChannel: this.consultation.channelId, passedOnBy: this.passedOnBy };
  }

  owns(channelId: string): boolean {
    return this.leg?.channelId === channelId || this.consultation.owns(channelId);
  }

  view(): AgentCall | undefined {
    const leg = this.leg;
    if (!leg || this.over) return undefined;
    const s = this.state;
    return {
      id: this.host.callId,
      channel: 'call',
      agent: leg.staffId,
      team: this.host.team(),
      customer: { number: this.host.callerNumber },
      state: s.step,
      since: new Date(this.since).toISOString(),
      ...(s.step === 'consulting' ? { colleague: { agent: s.colleague, answered: s.answered } } : {}),
    };
  }

  /** Whether this agent has the call or is consulted about it. */
  concerns(staffId: string): boolean {
    return this.leg?.staffId === staffId || this.consultation.colleague === staffId;
  }

  /** An agent answered from the queue: caller and agent meet in the call's bridge. Throws if Asterisk could not join them. */
  async connect(channelId: string, staffId: string): Promise<void> {
    const bridgeId = `${this.host.callId}-bridge`;
    this.leg = { channelId, staffId, bridgeId };
    this.state = TALKING;
    this.since = this.deps.now().getTime();
    await this.deps.ari.createBridge(bridgeId);
    await this.deps.ari.addToBridge(bridgeId, [this.host.callId, channelId]);
    const from = this.passedOnBy;
    this.passedOnBy = undefined;
    const call = this.view()!;
    this.deps.notify(from ? { type: 'transferred', call, from, mode: 'blind' } : { type: 'connected', call });
  }

  command(cmd: ControlCommand, actingAgent: string): Promise<AgentCall | undefined> {
    return this.serialised(async () => {
      const leg = this.leg;
      if (this.over) throw new CallControlError('CALL_ERR_NOT_FOUND');
      if (!leg) throw new CallControlError('CALL_ERR_NOT_CONNECTED');
      if (leg.staffId !== actingAgent) throw new CallControlError('CALL_ERR_NOT_YOURS');
      this.log.info(
        { step: 'control', op: cmd.op, state: this.state.step, ...('to' in cmd ? { to: cmd.to, mode: cmd.mode } : {}) },
        'call control',
      );
      await this.run(decide(this.state, cmd), leg);
      const after = this.view();
      return after?.agent === actingAgent ? after : undefined;
    });
  }

  /** A consulted colleague answered on `channelId`: false when it is not (or no longer) wanted, and should hang up. */
  colleagueAnswered(channelId: string, staffId: string, ringId: string): boolean {
    if (this.over || !this.consultation.answered(channelId, staffId, ringId)) return false;
    this.onLine({ type: 'colleagueAnswered' });
    return true;
  }

  /** A colleague's leg ended: a phone that stopped ringing, or the colleague hanging up. */
  legGone(channelId: string, cause: number): void {
    if (this.consultation.legGone(channelId, cause)) this.onLine({ type: 'colleagueGone', why: 'colleague-hung-up' });
  }

  /**
   * The agent's own phone hung up (`channelId`: their leg). True when that passes the call to the
   * colleague consulted; false: the call ends. Asterisk tells it twice (StasisEnd, then
   * ChannelDestroyed): the second finds the call passed on already.
   */
  agentGone(channelId: string): boolean {
    if (this.state.step !== 'consulting' || !this.state.answered) return false;
    this.serialised(async () => {
      const outcome = this.leg?.channelId === channelId && !this.over ? react(this.state, { type: 'agentGone' }) : undefined;
      if (outcome) await this.run(outcome, this.leg!);
    }).catch((err) => this.log.warn({ err }, 'passing the call on after the agent hung up failed'));
    return true;
  }

  /**
   * After a Relais restart: a consultation's ringing phones are unknown now, so it ends (the
   * colleague's leg hangs up, the caller stays on hold music for the agent to resume).
   */
  adopt(): void {
    if (this.state.step === 'consulting') this.onLine({ type: 'colleagueGone', why: 'colleague-hung-up' });
  }

  /**
   * The call is over: hangs up what the control holds (the agent's leg unless it is gone, the
   * colleague's, the bridge). True when an agent had the call (the routing core finishes it then).
   */
  end(gone: { agentGone?: boolean } = {}): boolean {
    if (this.over) return false;
    this.over = true;
    const quietly = (p: Promise<unknown>) => p.catch((err) => this.log.warn({ err }, 'clean-up request failed'));
    const colleague = this.consultation.colleague;
    void this.consultation.hangup();
    const leg = this.leg;
    if (!leg) return false;
    if (!gone.agentGone) quietly(this.deps.ari.hangup(leg.channelId));
    quietly(this.deps.ari.destroyBridge(leg.bridgeId));
    this.deps.notify({
      type: 'ended',
      callId: this.host.callId,
      agent: leg.staffId,
      ...(colleague ? { colleague } : {}),
    });
    return true;
  }

  /** Forgets everything without touching it: another Relais process owns the call now. */
  release(): void {
    this.over = true;
    this.consultation.release();
  }

  private onLine(e: LineEvent): void {
    this.log.info({ step: 'control-event', event: e.type, state: this.state.step }, 'call control: on the line');
    this.serialised(async () => {
      const outcome = this.over ? undefined : react(this.state, e);
      if (outcome && this.leg) await this.run(outcome, this.leg);
    }).catch((err) => this.log.warn({ err, event: e.type }, 'call control after a line event failed'));
  }

  /** One command or line event at a time per call: each sees the state the previous one left. */
  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async run(outcome: ControlOutcome, leg: AgentLeg): Promise<void> {
    if ('refused' in outcome) throw new CallControlError(outcome.refused);
    for (const step of outcome.steps) {
      try {
        await this.step(step, leg);
      } catch (err) {
        // Only a first step asks the routing core: a refusal there has changed nothing.
        if (err instanceof RoutingError) throw fromRouting(err);
        this.log.error({ err, step: step.kind }, 'call control step failed');
        // A consultation half begun: its colleague is free again.
        if (outcome.next !== 'ended' && outcome.next !== 'released' && outcome.next.step === 'consulting') {
          await this.consultation.hangup();
          await this.deps.routing.endConsult(this.host.callId).catch(() => undefined);
        }
        throw new CallControlError('CALL_ERR_FAILED', `${step.kind}: ${(err as Error).message}`);
      }
    }
    if (outcome.next === 'ended') return;
    this.state = outcome.next === 'released' ? TALKING : outcome.next;
    this.since = this.deps.now().getTime();
    this.host.persist();
    if (outcome.notice) this.announce(outcome.notice, leg.staffId);
  }

  private announce(n: ControlNotice, from: string): void {
    const call = this.view();
    if (n.type === 'transferring') return this.deps.notify({ type: 'transferring', callId: this.host.callId, from, to: n.to });
    if (!call) return;
    if (n.type === 'transferred') return this.deps.notify({ type: 'transferred', call, from, mode: n.mode });
    if (n.type === 'consultEnded') return this.deps.notify({ type: 'consultEnded', call, reason: n.reason });
    this.deps.notify({ type: n.type, call });
  }

  private async step(s: ControlStep, leg: AgentLeg): Promise<void> {
    const { ari, routing } = this.deps;
    const callId = this.host.callId;
    const quietly = (p: Promise<unknown>) => p.catch((err) => this.log.warn({ err, step: s.kind }, 'clean-up request failed'));
    switch (s.kind) {
      case 'transfer':
        await routing.transfer(callId, leg.staffId, s.to);
        return;
      case 'consult':
        await routing.consult(callId, leg.staffId, s.agent);
        return;
      case 'endConsult':
        this.consultation.forget();
        await routing.endConsult(callId);
        return;
      case 'callerOut':
        await ari.removeFromBridge(leg.bridgeId, [callId]);
        await ari.startHold(callId);
        return;
      case 'callerIn':
        await ari.stopHold(callId);
        await ari.addToBridge(this.leg!.bridgeId, [callId]);
        return;
      case 'musicOff':
        await quietly(ari.stopHold(callId));
        return;
      case 'callerLeaves':
        // Quietly: a caller who hung up meanwhile is gone from it too, and the transfer goes on.
        await quietly(ari.removeFromBridge(leg.bridgeId, [callId]));
        return;
      case 'ringColleague':
        return this.consultation.ring(callId, s.agent, this.deps.ringSeconds(this.host.team()));
      case 'colleagueIn':
        // Agent and colleague enter the bridge together. Had the colleague joined the agent's leg
        // left alone there, Asterisk 22 would write none of the colleague's audio to a browser
        // agent (WebRTC, opus): the colleague heard the agent, the agent heard nothing.
        await ari.removeFromBridge(leg.bridgeId, [leg.channelId]);
        await ari.addToBridge(leg.bridgeId, [leg.channelId, this.consultation.channelId!]);
        return;
      case 'hangupColleague':
        return this.consultation.hangup();
      case 'colleagueTakesOver': {
        const c = this.consultation.takeOver();
        // The new leg first: the first agent's leg ending must not look like the agent hanging up.
        this.leg = { channelId: c.channelId, staffId: c.staffId, bridgeId: leg.bridgeId };
        // The call changes hands here: it is the colleague's to talk on, never seen as theirs
        // "consulting" themselves while the remaining steps run.
        this.state = TALKING;
        this.since = this.deps.now().getTime();
        this.host.agentChanged(c.staffId);
        await quietly(ari.hangup(leg.channelId));
        return;
      }
      case 'releaseAgent':
        this.leg = undefined;
        this.passedOnBy = leg.staffId;
        await quietly(ari.destroyBridge(leg.bridgeId));
        await quietly(ari.hangup(leg.channelId));
        return;
      case 'requeue':
        return this.host.requeue(s.to);
      case 'endCall':
        return this.host.hangup();
    }
  }
}
