/**
 * Hold, resume and hang-up for a conversation Relais bridged between an agent and a customer it
 * called (a callback attempt), with the same decisions as a call's (control-flow.ts): held, the
 * customer leaves the bridge for hold music and the agent hears silence. Transfers are refused for
 * now: a callback's routing interaction is one attempt, which the callback service accounts for.
 */
import type { Logger } from 'pino';
import type { AriActions } from '../asterisk/ari-actions.ts';
import { CallControlError } from './call-control-errors.ts';
import type { AgentCall, CallNotice, ControllableCall } from './call-notices.ts';
import { decide, type ControlCommand, type ControlState } from './control-flow.ts';

export interface TwoPartyDeps {
  ari: AriActions;
  log: Logger;
  notify: (n: CallNotice) => void;
  now: () => Date;
}

/** What the control needs of the call it controls. */
export interface TwoPartyCall {
  readonly id: string;
  readonly team: string;
  /** The customer's number, as called. */
  readonly number: string;
  readonly bridgeId: string;
  /** The agent, while agent and customer talk. */
  agent(): string | undefined;
  customerChannel(): string | undefined;
  hangup(): void;
}

export class TwoPartyControl implements ControllableCall {
  private state: ControlState = { step: 'talking' };
  private since = 0;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: TwoPartyDeps,
    private readonly call: TwoPartyCall,
  ) {}

  view(): AgentCall | undefined {
    const agent = this.call.agent();
    if (!agent || !this.call.customerChannel()) return undefined;
    const step = this.state.step === 'held' ? 'held' : 'talking';
    const since = new Date(this.since || this.deps.now().getTime()).toISOString();
    return {
      id: this.call.id,
      channel: 'callback',
      agent,
      team: this.call.team,
      customer: { number: this.call.number },
      state: step,
      since,
    };
  }

  /** Agent and customer are bridged: the agent's console shows the call. */
  connected(): void {
    this.state = { step: 'talking' };
    this.since = this.deps.now().getTime();
    const call = this.view();
    if (call) this.deps.notify({ type: 'connected', call });
  }

  /** The attempt is over: the console forgets it. */
  ended(agent: string | undefined): void {
    if (agent && this.since) this.deps.notify({ type: 'ended', callId: this.call.id, agent });
  }

  command(cmd: ControlCommand, actingAgent: string): Promise<AgentCall | undefined> {
    const run = this.turn.then(async () => {
      const agent = this.call.agent();
      const customer = this.call.customerChannel();
      if (!agent || !customer) throw new CallControlError('CALL_ERR_NOT_CONNECTED');
      if (agent !== actingAgent) throw new CallControlError('CALL_ERR_NOT_YOURS');
      if (cmd.op === 'transfer') throw new CallControlError('CALL_ERR_UNSUPPORTED');
      const outcome = decide(this.state, cmd);
      if ('refused' in outcome) throw new CallControlError(outcome.refused);
      const { ari } = this.deps;
      try {
        for (const step of outcome.steps) {
          if (step.kind === 'callerOut') {
            await ari.removeFromBridge(this.call.bridgeId, [customer]);
            await ari.startHold(customer);
          } else if (step.kind === 'callerIn') {
            await ari.stopHold(customer);
            await ari.addToBridge(this.call.bridgeId, [customer]);
          } else if (step.kind === 'endCall') this.call.hangup();
        }
      } catch (err) {
        this.deps.log.error({ err, callback: this.call.id, op: cmd.op }, 'callback control failed');
        throw new CallControlError('CALL_ERR_FAILED', (err as Error).message);
      }
      if (outcome.next === 'ended' || outcome.next === 'released') return undefined;
      this.state = outcome.next;
      this.since = this.deps.now().getTime();
      const call = this.view();
      if (call && (outcome.notice?.type === 'held' || outcome.notice?.type === 'resumed'))
        this.deps.notify({ type: outcome.notice.type, call });
      return call;
    });
    this.turn = run.catch(() => undefined);
    return run;
  }
}
