/**
 * The caller's side of a queue, as a pure function: hold music, the position and estimated wait
 * announced (never over another prompt, never over ringback), ringback while an agent's phone
 * rings, and back to music when it stops ringing.
 */
import type { TransferTarget } from '../routing/model.ts';
import { connectingPrompt, play, type CallEvent, type Effect, type PromptId, type QueueState, type Transition } from './flow-types.ts';

/** Positions and waits beyond these are said as "more than". */
export const ANNOUNCED_POSITIONS = 10;
export const ANNOUNCED_MINUTES = 30;

export function announcement(position: number, minutes: number): PromptId[] {
  return [
    position > ANNOUNCED_POSITIONS ? 'position-many' : `position-${position}`,
    minutes > ANNOUNCED_MINUTES ? 'wait-many' : `wait-${Math.max(1, minutes)}`,
  ];
}

/**
 * Entering a team's queue: "connecting you to..." plays while the routing core looks for a free
 * agent. After declining a callback (`keepWaiting`), the caller goes back to the music, with no
 * wait limit any more.
 */
export function enterQueue(
  team: string,
  via: QueueState['via'],
  opts: { offerCallback?: boolean; keepWaiting?: boolean; before?: Effect[] } = {},
): Transition {
  const state: QueueState = { phase: 'queue', team, via, audio: 'prompt', ringing: false, offerCallback: opts.offerCallback };
  const before = opts.before ?? [];
  if (opts.keepWaiting)
    return {
      state: { ...state, audio: 'hold', offerCallback: true },
      effects: [...before, { kind: 'hold' }, { kind: 'enqueue', team, keepWaiting: true }],
    };
  return { state, effects: [...before, play(connectingPrompt(team), false), { kind: 'enqueue', team }] };
}

/**
 * A caller their agent passed on blind waits again, with no wait limit (they were answered once):
 * for a colleague, ringback while the colleague's phones ring (the team of the call stays theirs,
 * and so does the place the call goes back to if the colleague does not answer); for a team,
 * "connecting you to..." then that queue's music and announcements. The place is the first one.
 */
export function afterTransfer(team: string, to: TransferTarget, offerCallback?: boolean): Transition {
  if ('agent' in to)
    return {
      state: { phase: 'queue', team, via: 'transfer', audio: 'ringback', ringing: true, offerCallback },
      effects: [{ kind: 'ringback' }, { kind: 'enqueue', team, keepWaiting: true }],
    };
  return {
    state: { phase: 'queue', team: to.team, via: 'transfer', audio: 'prompt', ringing: false, offerCallback },
    effects: [play(connectingPrompt(to.team), false), { kind: 'enqueue', team: to.team, keepWaiting: true }],
  };
}

/** The queue's reaction to an event, or undefined when the event means nothing here. */
export function queueStep(state: QueueState, event: CallEvent): Transition | undefined {
  const to = (next: Partial<QueueState>, effects: Effect[]): Transition => ({ state: { ...state, ...next }, effects });
  switch (event.type) {
    case 'promptDone': {
      if (state.audio !== 'prompt') return undefined;
      // An agent's phone rings: connecting the caller beats telling them their place.
      if (state.ringing) return to({ audio: 'ringback', pending: undefined }, [{ kind: 'ringback' }]);
      if (state.pending) {
        const { position, minutes } = state.pending;
        return to({ pending: undefined }, [play(announcementOf(state, position, minutes), false)]);
      }
      return to({ audio: 'hold' }, [{ kind: 'hold' }]);
    }
    case 'position':
      // Being connected: nothing to announce, and an older position waiting to be said is stale.
      if (event.position < 1) return state.pending ? to({ pending: undefined }, []) : undefined;
      if (state.audio === 'hold')
        return to({ audio: 'prompt' }, [{ kind: 'stopHold' }, play(announcementOf(state, event.position, event.minutes), false)]);
      if (state.audio === 'prompt') return to({ pending: { position: event.position, minutes: event.minutes } }, []);
      return undefined;
    case 'ringing':
      if (state.audio === 'hold') return to({ ringing: true, audio: 'ringback' }, [{ kind: 'stopHold' }, { kind: 'ringback' }]);
      return to({ ringing: true }, []);
    case 'notRinging': {
      // A caller passed on to someone who did not answer hears at once where they stand again.
      const tell: Effect[] = state.via === 'transfer' ? [{ kind: 'announcePosition' }] : [];
      if (state.audio === 'ringback') return to({ ringing: false, audio: 'hold' }, [{ kind: 'stopPrompt' }, { kind: 'hold' }, ...tell]);
      return to({ ringing: false }, tell);
    }
    default:
      return undefined;
  }
}

/** The announcement, and how to be called back instead when that is offered. */
const announcementOf = (state: QueueState, position: number, minutes: number): PromptId[] => [
  ...announcement(position, minutes),
  ...(state.offerCallback ? (['callback-offer'] as const) : []),
];
