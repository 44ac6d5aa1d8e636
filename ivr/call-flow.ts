/**
 * The IVR's call flow as a pure state machine: (state, event) → (state, effects). No timers, no
 * ARI: the session (call-session.ts) turns effects into ARI requests and ARI events into events.
 *
 *   open?  ──no──▶ closed message ─▶ hang up
 *     │yes
 *   greeting (never cut; a valid digit pressed during it is kept and skips the menu)
 *     ▼
 *   menu (barge-in) ─digit─▶ team ─agent answers─▶ talking
 *     │ unknown digit / silence: replay, at most `replays` times, then the default team
 *   team ─nobody answers in time─▶ no-answer message ─▶ hang up
 */

export type PromptId = 'greeting' | 'menu' | 'invalid' | 'closed' | 'noAnswer' | 'apology' | `connecting-${string}`;

export const connectingPrompt = (team: string): PromptId => `connecting-${team}`;

export interface MenuSettings {
  /** Digit → team id. */
  readonly options: Readonly<Record<string, string>>;
  readonly defaultTeam: string;
  readonly replays: number;
  readonly digitTimeoutSeconds: number;
}

export type CallState =
  | { phase: 'greeting'; typeahead?: string }
  | { phase: 'menu'; attempt: number }
  | { phase: 'team'; team: string; via: 'choice' | 'default' }
  | { phase: 'talking'; team: string }
  /** A last message, then the call ends. */
  | { phase: 'farewell'; prompt: 'closed' | 'noAnswer' | 'apology' }
  | { phase: 'ended' };

export type CallEvent =
  | { type: 'start'; open: boolean }
  | { type: 'promptDone' }
  | { type: 'digit'; digit: string }
  /** The digit timer after the menu expired. */
  | { type: 'silence' }
  | { type: 'agentConnected' }
  | { type: 'teamUnanswered' }
  /** Something broke on our side: apologise rather than leave the caller in silence. */
  | { type: 'failure' };

export type Effect =
  | { kind: 'play'; prompts: readonly PromptId[]; bargeIn: boolean }
  | { kind: 'stopPrompt' }
  | { kind: 'startDigitTimer'; seconds: number }
  | { kind: 'cancelDigitTimer' }
  | { kind: 'ringback' }
  | { kind: 'dialTeam'; team: string }
  | { kind: 'stopDialing' }
  | { kind: 'hangup' };

export interface Transition {
  state: CallState;
  effects: Effect[];
}

const stay = (state: CallState): Transition => ({ state, effects: [] });

export function initialState(): CallState {
  return { phase: 'greeting' };
}

export function step(state: CallState, event: CallEvent, menu: MenuSettings): Transition {
  if (event.type === 'failure') {
    // A live conversation is never cut for a fault of ours: the caller and agent talk on.
    if (state.phase === 'ended' || state.phase === 'talking' || (state.phase === 'farewell' && state.prompt === 'apology'))
      return stay(state);
    return {
      state: { phase: 'farewell', prompt: 'apology' },
      effects: [{ kind: 'cancelDigitTimer' }, { kind: 'stopDialing' }, { kind: 'stopPrompt' }, play('apology', false)],
    };
  }

  switch (state.phase) {
    case 'greeting':
      if (event.type === 'start') {
        return event.open ? { state, effects: [play('greeting', false)] } : farewell('closed');
      }
      if (event.type === 'digit') {
        return menu.options[event.digit] ? stay({ phase: 'greeting', typeahead: event.digit }) : stay(state);
      }
      if (event.type === 'promptDone') {
        const team = state.typeahead && menu.options[state.typeahead];
        return team ? toTeam(team, 'choice', []) : { state: { phase: 'menu', attempt: 0 }, effects: [play('menu', true)] };
      }
      return stay(state);

    case 'menu':
      if (event.type === 'promptDone') return { state, effects: [{ kind: 'startDigitTimer', seconds: menu.digitTimeoutSeconds }] };
      if (event.type === 'digit') {
        const team = menu.options[event.digit];
        const interrupt: Effect[] = [{ kind: 'stopPrompt' }, { kind: 'cancelDigitTimer' }];
        if (team) return toTeam(team, 'choice', interrupt);
        return retry(state.attempt, menu, interrupt, ['invalid', 'menu']);
      }
      if (event.type === 'silence') return retry(state.attempt, menu, [], ['menu']);
      return stay(state);

    case 'team':
      if (event.type === 'promptDone') return { state, effects: [{ kind: 'ringback' }] };
      if (event.type === 'agentConnected') {
        return { state: { phase: 'talking', team: state.team }, effects: [{ kind: 'stopPrompt' }] };
      }
      if (event.type === 'teamUnanswered') return farewell('noAnswer', [{ kind: 'stopPrompt' }]);
      return stay(state);

    case 'farewell':
      if (event.type === 'promptDone') return { state: { phase: 'ended' }, effects: [{ kind: 'hangup' }] };
      return stay(state);

    case 'talking':
    case 'ended':
      return stay(state);
  }
}

function play(prompt: PromptId | readonly PromptId[], bargeIn: boolean): Effect {
  return { kind: 'play', prompts: typeof prompt === 'string' ? [prompt] : prompt, bargeIn };
}

function farewell(prompt: 'closed' | 'noAnswer' | 'apology', before: Effect[] = []): Transition {
  return { state: { phase: 'farewell', prompt }, effects: [...before, play(prompt, false)] };
}

/** Dialling starts at once; the caller hears the "connecting" message, then ringback. */
function toTeam(team: string, via: 'choice' | 'default', before: Effect[]): Transition {
  return {
    state: { phase: 'team', team, via },
    effects: [...before, play(connectingPrompt(team), false), { kind: 'dialTeam', team }],
  };
}

function retry(attempt: number, menu: MenuSettings, before: Effect[], prompts: PromptId[]): Transition {
  if (attempt >= menu.replays) return toTeam(menu.defaultTeam, 'default', before);
  return { state: { phase: 'menu', attempt: attempt + 1 }, effects: [...before, play(prompts, true)] };
}

/**
 * Where a call picked up after a Relais restart goes on. The caller may have been anywhere in a
 * prompt, so prompts start again; a call already talking to an agent is left as it is.
 */
export function resume(state: CallState | undefined, menu: MenuSettings): Transition {
  if (!state) return { state: { phase: 'farewell', prompt: 'apology' }, effects: [play('apology', false)] };
  switch (state.phase) {
    case 'greeting': {
      // A choice typed ahead during the greeting is kept.
      const team = state.typeahead && menu.options[state.typeahead];
      return team ? toTeam(team, 'choice', []) : { state: { phase: 'menu', attempt: 0 }, effects: [play('menu', true)] };
    }
    case 'menu':
      return { state: { phase: 'menu', attempt: state.attempt }, effects: [play('menu', true)] };
    case 'team':
      return { state, effects: [{ kind: 'ringback' }, { kind: 'dialTeam', team: state.team }] };
    case 'farewell':
      return { state, effects: [play(state.prompt, false)] };
    case 'talking':
      return stay(state);
    case 'ended':
      return { state, effects: [{ kind: 'hangup' }] };
  }
}
