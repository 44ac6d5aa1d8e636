/**
 * The IVR's call flow as a pure state machine: (state, event) → (state, effects). No timers, no
 * ARI: the session (call-session.ts) turns effects into ARI and routing requests, and ARI and
 * routing events into events.
 *
 *   open?  ──no──▶ closed message ─▶ hang up
 *     │yes
 *   greeting (never cut; a valid digit pressed during it is kept and skips the menu)
 *     ▼
 *   menu (barge-in) ─digit─▶ queue ─an agent answers─▶ talking
 *     │ unknown digit / silence: replay, at most `replays` times, then the default team
 *   queue: hold music, position and estimated wait announced on entry and periodically,
 *          ringback while an agent's phone rings (queue-flow.ts)
 *     └─ nobody logged in, or the wait over the team's limit ─▶ no-answer message ─▶ hang up
 */
import { callbackFromQueue, callbackStep, offerCallback, resumeCallback } from './callback-flow.ts';
import { afterTransfer, enterQueue, queueStep } from './queue-flow.ts';
import {
  play,
  type CallEvent,
  type CallState,
  type Effect,
  type FarewellPrompt,
  type MenuSettings,
  type PromptId,
  type Transition,
} from './flow-types.ts';

export * from './flow-types.ts';

const stay = (state: CallState): Transition => ({ state, effects: [] });

export function initialState(): CallState {
  return { phase: 'greeting' };
}

export function step(state: CallState, event: CallEvent, menu: MenuSettings): Transition {
  if (event.type === 'failure') {
    // A live conversation is never cut for a fault of ours: the caller and agent talk on.
    if (state.phase === 'ended' || state.phase === 'talking' || (state.phase === 'farewell' && state.prompt === 'apology'))
      return stay(state);
    return farewell('apology', [{ kind: 'cancelDigitTimer' }, ...(state.phase === 'queue' ? leave() : []), { kind: 'stopPrompt' }]);
  }

  switch (state.phase) {
    case 'greeting':
      if (event.type === 'start') {
        if (event.open) return { state, effects: [play('greeting', false)] };
        return menu.callbacks ? offerCallback(menu.defaultTeam, 'closed', false, []) : farewell('closed');
      }
      if (event.type === 'digit') {
        return menu.options[event.digit] ? stay({ phase: 'greeting', typeahead: event.digit }) : stay(state);
      }
      if (event.type === 'promptDone') {
        const team = state.typeahead && menu.options[state.typeahead];
        return team ? toQueue(team, 'choice', [], menu) : { state: { phase: 'menu', attempt: 0 }, effects: [play('menu', true)] };
      }
      return stay(state);

    case 'menu':
      if (event.type === 'promptDone') return { state, effects: [{ kind: 'startDigitTimer', seconds: menu.digitTimeoutSeconds }] };
      if (event.type === 'digit') {
        const team = menu.options[event.digit];
        const interrupt: Effect[] = [{ kind: 'stopPrompt' }, { kind: 'cancelDigitTimer' }];
        if (team) return toQueue(team, 'choice', interrupt, menu);
        return retry(state.attempt, menu, interrupt, ['invalid', 'menu']);
      }
      if (event.type === 'silence') return retry(state.attempt, menu, [], ['menu']);
      return stay(state);

    case 'queue': {
      if (event.type === 'agentConnected') {
        return { state: { phase: 'talking', team: state.team }, effects: [{ kind: 'stopPrompt' }, { kind: 'stopHold' }] };
      }
      if (event.type === 'noAgent') {
        // Offered a callback, the caller keeps their place until they choose.
        if (menu.callbacks)
          return offerCallback(state.team, 'no-agent', event.canWait ?? false, [
            { kind: 'stopPrompt' },
            { kind: 'stopHold' },
            { kind: 'pauseQueue' },
          ]);
        return farewell('noAnswer', [...leave(), { kind: 'stopPrompt' }]);
      }
      if (event.type === 'digit' && event.digit === '1' && state.offerCallback) return callbackFromQueue(state.team);
      const t = queueStep(state, event);
      return t ?? stay(state);
    }

    case 'callback':
      return callbackStep(state, event, menu);

    case 'farewell':
      if (event.type === 'promptDone') return { state: { phase: 'ended' }, effects: [{ kind: 'hangup' }] };
      return stay(state);

    case 'talking':
      if (event.type === 'transferred') return afterTransfer(state.team, event.to, menu.callbacks);
      return stay(state);

    case 'ended':
      return stay(state);
  }
}

function leave(): Effect[] {
  return [{ kind: 'stopHold' }, { kind: 'leaveQueue' }];
}

function farewell(prompt: FarewellPrompt, before: Effect[] = []): Transition {
  return { state: { phase: 'farewell', prompt }, effects: [...before, play(prompt, false)] };
}

function retry(attempt: number, menu: MenuSettings, before: Effect[], prompts: PromptId[]): Transition {
  if (attempt >= menu.replays) return toQueue(menu.defaultTeam, 'default', before, menu);
  return { state: { phase: 'menu', attempt: attempt + 1 }, effects: [...before, play(prompts, true)] };
}

/**
 * Where a call picked up after a Relais restart goes on. The caller may have been anywhere in a
 * prompt, so prompts start again; a caller in a queue is put back in it (entering is idempotent:
 * the place is kept); a call already talking to an agent is left as it is.
 */
export function resume(state: CallState | undefined, menu: MenuSettings): Transition {
  if (!state) return { state: { phase: 'farewell', prompt: 'apology' }, effects: [play('apology', false)] };
  switch (state.phase) {
    case 'greeting': {
      // A choice typed ahead during the greeting is kept.
      const team = state.typeahead && menu.options[state.typeahead];
      return team ? toQueue(team, 'choice', [], menu) : { state: { phase: 'menu', attempt: 0 }, effects: [play('menu', true)] };
    }
    case 'menu':
      return { state: { phase: 'menu', attempt: state.attempt }, effects: [play('menu', true)] };
    case 'queue':
      return {
        state: { ...state, audio: 'hold', ringing: false, pending: undefined },
        // A caller passed on by an agent was answered once: no wait limit for them.
        effects: [{ kind: 'hold' }, { kind: 'enqueue', team: state.team, ...(state.via === 'transfer' ? { keepWaiting: true } : {}) }],
      };
    case 'callback':
      return resumeCallback(state);
    case 'farewell':
      return { state, effects: [play(state.prompt, false)] };
    case 'talking':
      return stay(state);
    case 'ended':
      return { state, effects: [{ kind: 'hangup' }] };
  }
}

function toQueue(team: string, via: 'choice' | 'default', before: Effect[], menu: MenuSettings): Transition {
  return enterQueue(team, via, { offerCallback: menu.callbacks, before });
}
