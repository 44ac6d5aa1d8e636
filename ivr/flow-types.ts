/** The IVR flow's vocabulary: its states, the events it reacts to, the effects it asks for. */
import type { FeatureAction } from '../dialplan/render.ts';
import type { TransferTarget } from '../routing/model.ts';

export type PromptId =
  | 'greeting'
  | 'menu'
  | 'invalid'
  | 'closed'
  | 'noAnswer'
  | 'apology'
  | `connecting-${string}`
  | `position-${number | 'many'}`
  | `wait-${number | 'many'}`
  | `feature-${FeatureAction}`
  | CallbackPrompt
  /** A number read back digit by digit (Asterisk's own French digits). */
  | `digits-${string}`;

export const callbackPrompts = [
  'callback-offer',
  'callback-no-agent',
  'callback-or-wait',
  'callback-closed',
  'callback-which',
  'callback-type',
  'callback-bad-number',
  'callback-confirm',
  'callback-confirm-turn',
  'callback-confirm-opening',
  'callback-cancelled',
  'callback-intro',
  'callback-retry',
  'callback-failed',
] as const;
export type CallbackPrompt = (typeof callbackPrompts)[number];

export const connectingPrompt = (team: string): PromptId => `connecting-${team}`;

export interface MenuSettings {
  /** Digit → team id. */
  readonly options: Readonly<Record<string, string>>;
  readonly defaultTeam: string;
  readonly replays: number;
  readonly digitTimeoutSeconds: number;
  /** Whether callers are offered a callback (the configuration has a `callbacks` section). */
  readonly callbacks?: boolean;
}

export type FarewellPrompt = 'closed' | 'noAnswer' | 'apology' | 'callback-cancelled';

export type CallState =
  | { phase: 'greeting'; typeahead?: string }
  | { phase: 'menu'; attempt: number }
  | QueueState
  | CallbackState
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
  /** The agent passed the call on blind (call-control.ts): the caller waits again, for a colleague or a team. */
  | { type: 'transferred'; to: TransferTarget }
  /** Nobody of the team is logged in (canWait false), or the caller waited the team's limit. */
  | { type: 'noAgent'; canWait?: boolean }
  /** The callback is recorded; `digits` is the number that will be called, to read back. */
  | { type: 'callbackBooked'; digits: string }
  /** The number cannot be called back (anonymous, invalid, premium rate, another country). */
  | { type: 'callbackRefused' }
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
  | { kind: 'enqueue'; team: string; keepWaiting?: boolean }
  /** Leave the queue: nobody will take this call. */
  | { kind: 'leaveQueue' }
  /** Stop the queue's announcements and wait limit (the caller is choosing a callback). */
  | { kind: 'pauseQueue' }
  /** Tell the caller their place now, not at the next periodic announcement. */
  | { kind: 'announcePosition' }
  /**
   * Record a callback on the caller's number or on typed digits; the session answers with
   * callbackBooked or callbackRefused, and takes a waiting caller out of the queue (keeping the place).
   */
  | { kind: 'requestCallback'; team: string; origin: CallbackOrigin; number: 'caller' | { typed: string } }
  | { kind: 'hangup' };

export interface Transition {
  state: CallState;
  effects: Effect[];
}

/** Waiting in a team's queue: what the caller hears now, and whether an agent's phone rings. */
export interface QueueState {
  phase: 'queue';
  team: string;
  /** How the caller came to wait: a menu choice, the default team, or passed on by an agent. */
  via: 'choice' | 'default' | 'transfer';
  audio: 'prompt' | 'hold' | 'ringback';
  ringing: boolean;
  /** A position to announce once the prompt playing now is over. */
  pending?: { position: number; minutes: number };
  /** Announcements end with "press 1 to be called back". */
  offerCallback?: boolean;
}

/**
 * Why the caller is being called back: they pressed 1 while waiting, nobody could answer, or the
 * company is closed. The first two are called back when their turn comes (they keep their place),
 * the last when the company opens.
 */
export type CallbackOrigin = 'queue' | 'no-agent' | 'closed';
export const whenOf = (origin: CallbackOrigin): 'turn' | 'opening' => (origin === 'closed' ? 'opening' : 'turn');

/** A caller arranging a callback: offered it, choosing the number, typing it, recording it, hearing it confirmed. */
export interface CallbackState {
  phase: 'callback';
  step: 'offer' | 'which' | 'typing' | 'booking' | 'confirm';
  origin: CallbackOrigin;
  team: string;
  /** Offered after "nobody answers": 2 goes back to waiting. */
  canWait: boolean;
  /** Replays of the current question, and numbers refused so far. */
  attempt: number;
  /** Typed so far. */
  digits: string;
}

export function play(prompt: PromptId | readonly PromptId[], bargeIn: boolean): Effect {
  return { kind: 'play', prompts: typeof prompt === 'string' ? [prompt] : prompt, bargeIn };
}
