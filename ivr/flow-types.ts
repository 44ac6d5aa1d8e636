/** The IVR flow's vocabulary: its states, the events it reacts to, the effects it asks for. */

export type PromptId =
  | 'greeting'
  | 'menu'
  | 'invalid'
  | 'closed'
  | 'noAnswer'
  | 'apology'
  | `connecting-${string}`
  | `position-${number | 'many'}`
  | `wait-${number | 'many'}`;

export const connectingPrompt = (team: string): PromptId => `connecting-${team}`;

export interface MenuSettings {
  /** Digit → team id. */
  readonly options: Readonly<Record<string, string>>;
  readonly defaultTeam: string;
  readonly replays: number;
  readonly digitTimeoutSeconds: number;
}

export type FarewellPrompt = 'closed' | 'noAnswer' | 'apology';

export type CallState =
  | { phase: 'greeting'; typeahead?: string }
  | { phase: 'menu'; attempt: number }
  | QueueState
  | { phase: 'talking'; team: string }
  /** A last message, then the call ends. */
  | { phase: 'farewell'; prompt: FarewellPrompt }
  | { phase: 'ended' };

export type CallEvent =
  | { type: 'start'; open: boolean }
  | { type: 'promptDone' }
  | { type: 'digit'; digit: string }
  /** The digit timer after the menu expired. */
  | { type: 'silence' }
  /** Where the caller stands in the queue (on entry, and when an announcement is due). */
  | { type: 'position'; position: number; minutes: number }
  /** An agent's phone rings for this caller / stopped ringing (missed, declined). */
  | { type: 'ringing' }
  | { type: 'notRinging' }
  | { type: 'agentConnected' }
  /** Nobody of the team is logged in, or the caller waited the team's limit. */
  | { type: 'noAgent' }
  /** Something broke on our side: apologise rather than leave the caller in silence. */
  | { type: 'failure' };

export type Effect =
  | { kind: 'play'; prompts: readonly PromptId[]; bargeIn: boolean }
  | { kind: 'stopPrompt' }
  | { kind: 'startDigitTimer'; seconds: number }
  | { kind: 'cancelDigitTimer' }
  | { kind: 'ringback' }
  /** Hold music, until stopped. */
  | { kind: 'hold' }
  | { kind: 'stopHold' }
  /** Enter the team's queue (routing core), and announce the position periodically. */
  | { kind: 'enqueue'; team: string }
  /** Leave the queue: nobody will take this call. */
  | { kind: 'leaveQueue' }
  | { kind: 'hangup' };

export interface Transition {
  state: CallState;
  effects: Effect[];
}

/** Waiting in a team's queue: what the caller hears now, and whether an agent's phone rings. */
export interface QueueState {
  phase: 'queue';
  team: string;
  via: 'choice' | 'default';
  audio: 'prompt' | 'hold' | 'ringback';
  ringing: boolean;
  /** A position to announce once the prompt playing now is over. */
  pending?: { position: number; minutes: number };
}

export function play(prompt: PromptId | readonly PromptId[], bargeIn: boolean): Effect {
  return { kind: 'play', prompts: typeof prompt === 'string' ? [prompt] : prompt, bargeIn };
}
