/**
 * A caller arranging a callback, as a pure function (the session records it):
 *
 *   offered (nobody free, the wait limit, or closed) ─1─▶ which number? (closed only)
 *     │2: keep waiting (when someone is logged in)          │1: this one  │2: another
 *   in the queue, pressing 1 ──────────────▶ booking ◀──────┘             ▼
 *                                              │      ◀──── # ──── typing the number
 *                              refused: say so, type again       (* starts over)
 *                                              ▼ booked
 *                        "we will call you back at 06 12 ..., when your turn comes" ─▶ hang up
 *
 * Silence or an unknown digit replays the question at most twice, then the call ends politely.
 */
import { enterQueue } from './queue-flow.ts';
import {
  play,
  type CallEvent,
  type CallState,
  type CallbackState,
  type CallbackOrigin,
  type Effect,
  type MenuSettings,
  type PromptId,
  type Transition,
  whenOf,
} from './flow-types.ts';

/** Questions asked again after silence or an unknown digit, and numbers refused, before giving up. */
export const CALLBACK_REPLAYS = 2;
/** The longest number typed (international, with its 00 prefix). */
export const MAX_TYPED_DIGITS = 17;

/** Nobody can answer now (canWait: someone is logged in but busy), or the company is closed. */
export function offerCallback(team: string, origin: Exclude<CallbackOrigin, 'queue'>, canWait: boolean, before: Effect[]): Transition {
  const state: CallbackState = { phase: 'callback', step: 'offer', origin, team, canWait, attempt: 0, digits: '' };
  return { state, effects: [...before, play(offerPrompts(state), true)] };
}

/** The caller pressed 1 while waiting: the callback goes to the number they call from, in their place. */
export function callbackFromQueue(team: string): Transition {
  return {
    state: { phase: 'callback', step: 'booking', origin: 'queue', team, canWait: false, attempt: 0, digits: '' },
    effects: [
      { kind: 'stopPrompt' },
      { kind: 'stopHold' },
      { kind: 'pauseQueue' },
      { kind: 'requestCallback', team, origin: 'queue', number: 'caller' },
    ],
  };
}

export function callbackStep(state: CallbackState, event: CallEvent, menu: MenuSettings): Transition {
  const to = (next: Partial<CallbackState>, effects: Effect[]): Transition => ({ state: { ...state, ...next }, effects });
  const interrupt: Effect[] = [{ kind: 'stopPrompt' }, { kind: 'cancelDigitTimer' }];
  const waitDigit: Effect = { kind: 'startDigitTimer', seconds: menu.digitTimeoutSeconds };
  const stay: Transition = { state, effects: [] };
  /** Asks the current question again, or gives up after the replays. */
  const again = (prompts: PromptId[], before: Effect[] = []): Transition =>
    state.attempt >= CALLBACK_REPLAYS
      ? giveUp(state, before)
      : to({ attempt: state.attempt + 1, digits: '' }, [...before, play(prompts, true)]);
  const typing = (before: Effect[], prompts: PromptId[] = ['callback-type']): Transition =>
    to({ step: 'typing', attempt: 0, digits: '' }, [...before, play(prompts, true)]);
  const book = (number: 'caller' | { typed: string }): Transition =>
    to({ step: 'booking' }, [...interrupt, { kind: 'requestCallback', team: state.team, origin: state.origin, number }]);

  switch (state.step) {
    case 'offer':
      if (event.type === 'promptDone') return { state, effects: [waitDigit] };
      // An agent came free while the caller listened: connect them, as if they had waited.
      // Entering again (it keeps the place) brings back the announcements, should the agent not answer.
      if (event.type === 'ringing' && state.origin !== 'closed') {
        const effects: Effect[] = [...interrupt, { kind: 'ringback' }, { kind: 'enqueue', team: state.team, keepWaiting: true }];
        return { state: queueState(state.team, 'ringback', true), effects };
      }
      if (event.type === 'digit' && event.digit === '1')
        return state.origin === 'closed' ? to({ step: 'which', attempt: 0 }, [...interrupt, play('callback-which', true)]) : book('caller');
      if (event.type === 'digit' && event.digit === '2' && state.canWait) {
        const back = enterQueue(state.team, 'choice', { keepWaiting: true });
        return { state: back.state, effects: [...interrupt, ...back.effects] };
      }
      if (event.type === 'digit') return again(['invalid', ...offerPrompts(state)], interrupt);
      if (event.type === 'silence') return again(offerPrompts(state));
      return stay;

    case 'which':
      if (event.type === 'promptDone') return { state, effects: [waitDigit] };
      if (event.type === 'digit' && event.digit === '1') return book('caller');
      if (event.type === 'digit' && event.digit === '2') return typing(interrupt);
      if (event.type === 'digit') return again(['invalid', 'callback-which'], interrupt);
      if (event.type === 'silence') return again(['callback-which']);
      return stay;

    case 'typing':
      if (event.type === 'promptDone') return { state, effects: [waitDigit] };
      if (event.type === 'digit' && /^[0-9]$/.test(event.digit)) {
        const digits = (state.digits + event.digit).slice(0, MAX_TYPED_DIGITS);
        return to({ digits }, [...(state.digits ? [] : [{ kind: 'stopPrompt' } as const]), waitDigit]);
      }
      if (event.type === 'digit' && event.digit === '*') return typing(interrupt);
      if ((event.type === 'digit' && event.digit === '#') || event.type === 'silence') {
        if (state.digits) return book({ typed: state.digits });
        return again(['callback-type'], interrupt);
      }
      return stay;

    case 'booking':
      if (event.type === 'callbackBooked') {
        return to({ step: 'confirm', digits: event.digits }, [play(confirmPrompts(state.origin, event.digits), false)]);
      }
      if (event.type === 'callbackRefused') {
        if (state.attempt >= CALLBACK_REPLAYS) return giveUp(state, [], ['callback-bad-number', 'callback-cancelled']);
        return to({ step: 'typing', attempt: state.attempt + 1, digits: '' }, [play(['callback-bad-number', 'callback-type'], true)]);
      }
      return stay;

    case 'confirm':
      if (event.type === 'promptDone') return { state: { phase: 'ended' }, effects: [{ kind: 'hangup' }] };
      return stay;
  }
}

/** Where a callback being arranged goes on after a Relais restart: the question is asked again. */
export function resumeCallback(state: CallbackState): Transition {
  switch (state.step) {
    case 'offer':
      return { state, effects: [play(offerPrompts(state), true)] };
    case 'which':
      return { state, effects: [play('callback-which', true)] };
    case 'typing':
      return { state: { ...state, digits: '' }, effects: [play('callback-type', true)] };
    case 'booking':
      // Recording a callback twice merges it: asking again is safe.
      return {
        state,
        effects: [
          { kind: 'requestCallback', team: state.team, origin: state.origin, number: state.digits ? { typed: state.digits } : 'caller' },
        ],
      };
    case 'confirm':
      return { state, effects: [play(confirmPrompts(state.origin, state.digits), false)] };
  }
}

function offerPrompts(state: CallbackState): PromptId[] {
  if (state.origin === 'closed') return ['closed', 'callback-closed'];
  return [state.canWait ? 'callback-or-wait' : 'callback-no-agent'];
}

function confirmPrompts(origin: CallbackOrigin, digits: string): PromptId[] {
  return ['callback-confirm', `digits-${digits}`, whenOf(origin) === 'turn' ? 'callback-confirm-turn' : 'callback-confirm-opening'];
}

/** No callback: a closed company has already said goodbye; otherwise say nothing was recorded. */
function giveUp(state: CallbackState, before: Effect[], prompts: PromptId[] = ['callback-cancelled']): Transition {
  if (state.origin === 'closed' && state.step === 'offer') return { state: { phase: 'ended' }, effects: [...before, { kind: 'hangup' }] };
  const next: CallState = { phase: 'farewell', prompt: 'callback-cancelled' };
  return { state: next, effects: [...before, play(prompts, false)] };
}

function queueState(team: string, audio: 'hold' | 'ringback', ringing: boolean): CallState {
  return { phase: 'queue', team, via: 'choice', audio, ringing, offerCallback: true };
}
