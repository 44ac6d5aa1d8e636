/**
 * What the agent who has a call can do with it, as a pure function: (state, command or line event)
 * → a refusal, or the next state and the steps to take, in order. No ARI, no routing: the control
 * (call-control.ts) runs the steps. A step the routing core may refuse always comes first, so a
 * refusal leaves the call as it was.
 *
 *   talking ─hold─▶ held ─resume─▶ talking
 *   talking | held ─transfer blind─▶ released: the caller waits for the colleague, or in the team's queue
 *   talking | held ─transfer attended (a colleague)─▶ consulting: the caller on hold music, the colleague's
 *                   phones ring, then the agent and the colleague talk
 *     consulting ─complete (answered)─▶ talking, the colleague has the call, the agent is released
 *     consulting ─cancel─▶ talking, with the caller again
 *     consulting ─the colleague hangs up or does not answer─▶ held (the agent resumes when ready)
 *     consulting ─the agent hangs up after the colleague answered─▶ completed, as with a desk phone
 *   any ─hangup─▶ ended
 */
import type { TransferTarget } from '../routing/model.ts';
import type { CallControlErrorCode } from './call-control-errors.ts';

export type ControlState = { step: 'talking' } | { step: 'held' } | { step: 'consulting'; colleague: string; answered: boolean };

export type ControlCommand =
  | { op: 'hold' }
  | { op: 'resume' }
  | { op: 'hangup' }
  | { op: 'transfer'; to: TransferTarget; mode: 'blind' | 'attended' }
  | { op: 'complete' }
  | { op: 'cancel' };

/** What happens on the lines, beside the agent's commands. */
export type LineEvent =
  | { type: 'colleagueAnswered' }
  | { type: 'colleagueGone'; why: 'no-answer' | 'colleague-hung-up' }
  /** The agent's own leg hung up (their phone). */
  | { type: 'agentGone' };

export type ControlStep =
  /** Routing: the call is passed on (refusable). */
  | { kind: 'transfer'; to: TransferTarget }
  /** Routing: the colleague's slot is held for the consultation (refusable). */
  | { kind: 'consult'; agent: string }
  /** Routing: the consultation is over, the colleague free. */
  | { kind: 'endConsult' }
  /** The caller leaves the bridge and hears hold music; the agent hears silence. */
  | { kind: 'callerOut' }
  /** The music stops and the caller is back in the bridge. */
  | { kind: 'callerIn' }
  | { kind: 'musicOff' }
  | { kind: 'ringColleague'; agent: string }
  /** The agent and the colleague who answered meet in the bridge. */
  | { kind: 'colleagueIn' }
  /** Whatever of the colleague's is still up (ringing phones, their answered leg) hangs up. */
  | { kind: 'hangupColleague' }
  /** The consulted colleague is the call's agent now; the first agent's leg hangs up. */
  | { kind: 'colleagueTakesOver' }
  /**
   * The caller leaves the agent's bridge before it goes. Asterisk answers this request once the
   * caller is out; a prompt asked for while the bridge is still dissolving is queued into it and
   * never played, nor reported finished (the caller would wait in silence).
   */
  | { kind: 'callerLeaves' }
  /** The agent's leg hangs up and the bridge goes: nobody has the call now. */
  | { kind: 'releaseAgent' }
  /** The caller waits again: for the colleague (their phones ring), or in the team's queue. */
  | { kind: 'requeue'; to: TransferTarget }
  | { kind: 'endCall' };

/** What the consoles are told once the steps are done. */
export type ControlNotice =
  | { type: 'held' }
  | { type: 'resumed' }
  | { type: 'consulting' }
  | { type: 'consultEnded'; reason: 'cancelled' | 'no-answer' | 'colleague-hung-up' }
  | { type: 'transferring'; to: TransferTarget }
  | { type: 'transferred'; mode: 'attended' };

export type ControlOutcome =
  | { refused: CallControlErrorCode }
  /** `released`: the agent let the call go (blind transfer); `ended`: the call is over. */
  | { next: ControlState | 'released' | 'ended'; steps: ControlStep[]; notice?: ControlNotice };

const TALKING: ControlState = { step: 'talking' };
const HELD: ControlState = { step: 'held' };

/** The agent's command. Hold and resume are idempotent: a second click changes nothing. */
export function decide(state: ControlState, cmd: ControlCommand): ControlOutcome {
  if (cmd.op === 'hangup') return { next: 'ended', steps: [{ kind: 'endCall' }] };
  if (state.step === 'consulting') {
    if (cmd.op === 'complete') {
      if (!state.answered) return { refused: 'CALL_ERR_NOT_ANSWERED' };
      return completed(state.colleague);
    }
    if (cmd.op === 'cancel')
      return {
        next: TALKING,
        steps: [{ kind: 'hangupColleague' }, { kind: 'endConsult' }, { kind: 'callerIn' }],
        notice: { type: 'consultEnded', reason: 'cancelled' },
      };
    return { refused: 'CALL_ERR_CONSULTING' };
  }
  const held = state.step === 'held';
  switch (cmd.op) {
    case 'hold':
      return held ? { next: state, steps: [] } : { next: HELD, steps: [{ kind: 'callerOut' }], notice: { type: 'held' } };
    case 'resume':
      return held ? { next: TALKING, steps: [{ kind: 'callerIn' }], notice: { type: 'resumed' } } : { next: state, steps: [] };
    case 'complete':
    case 'cancel':
      return { refused: 'CALL_ERR_NOT_CONSULTING' };
    case 'transfer': {
      if (cmd.mode === 'blind')
        return {
          next: 'released',
          steps: [
            { kind: 'transfer', to: cmd.to },
            // Held, the caller is out of the bridge already.
            held ? ({ kind: 'musicOff' } as const) : ({ kind: 'callerLeaves' } as const),
            { kind: 'releaseAgent' },
            { kind: 'requeue', to: cmd.to },
          ],
          notice: { type: 'transferring', to: cmd.to },
        };
      if (!('agent' in cmd.to)) return { refused: 'CALL_ERR_ATTENDED_TO_TEAM' };
      const colleague = cmd.to.agent;
      return {
        next: { step: 'consulting', colleague, answered: false },
        steps: [
          { kind: 'consult', agent: colleague },
          ...(held ? [] : [{ kind: 'callerOut' } as const]),
          { kind: 'ringColleague', agent: colleague },
        ],
        notice: { type: 'consulting' },
      };
    }
  }
}

/** What the lines did; undefined when it changes nothing here. */
export function react(state: ControlState, event: LineEvent): ControlOutcome | undefined {
  if (event.type === 'agentGone') {
    // Hanging up after the colleague answered passes them the call, as a desk phone's transfer key does.
    if (state.step === 'consulting' && state.answered) return completed(state.colleague);
    return { next: 'ended', steps: [{ kind: 'endCall' }] };
  }
  if (state.step !== 'consulting') return undefined;
  if (event.type === 'colleagueAnswered')
    return state.answered
      ? undefined
      : { next: { ...state, answered: true }, steps: [{ kind: 'colleagueIn' }], notice: { type: 'consulting' } };
  return {
    next: HELD,
    steps: [{ kind: 'hangupColleague' }, { kind: 'endConsult' }],
    notice: { type: 'consultEnded', reason: event.why },
  };
}

function completed(colleague: string): ControlOutcome {
  return {
    next: TALKING,
    steps: [{ kind: 'transfer', to: { agent: colleague } }, { kind: 'colleagueTakesOver' }, { kind: 'callerIn' }],
    notice: { type: 'transferred', mode: 'attended' },
  };
}
