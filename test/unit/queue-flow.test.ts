import { describe, it, expect } from 'vitest';
import { step, type CallEvent, type CallState, type Effect, type MenuSettings, type QueueState } from '../../ivr/call-flow.ts';
import { ANNOUNCED_MINUTES, ANNOUNCED_POSITIONS, announcement, queueStep } from '../../ivr/queue-flow.ts';

const MENU: MenuSettings = Object.freeze({
  options: Object.freeze({ '1': 'sales', '2': 'after-sales', '3': 'technical' }),
  defaultTeam: 'sales',
  replays: 2,
  digitTimeoutSeconds: 6,
});

interface Run {
  state: CallState;
  /** The effects of each event, one entry per event fed. */
  perEvent: Effect[][];
}

/** Feeds events one after the other through the whole call flow, and collects what comes out. */
function drive(events: readonly CallEvent[], from: CallState = entered()): Run {
  let state = from;
  const perEvent: Effect[][] = [];
  for (const event of events) {
    const t = step(state, event, MENU);
    state = t.state;
    perEvent.push(t.effects);
  }
  return { state, perEvent };
}

/** Just entered the sales queue by choice: the connecting prompt plays, no phone rings yet. */
const entered = (more: Partial<QueueState> = {}): QueueState => ({
  phase: 'queue',
  team: 'sales',
  via: 'choice',
  audio: 'prompt',
  ringing: false,
  ...more,
});

const promptDone: CallEvent = { type: 'promptDone' };
const ringing: CallEvent = { type: 'ringing' };
const notRinging: CallEvent = { type: 'notRinging' };
const digit = (d: string): CallEvent => ({ type: 'digit', digit: d });
const position = (p: number, minutes: number): CallEvent => ({ type: 'position', position: p, minutes });

const HOLD: Effect = { kind: 'hold' };
const STOP_HOLD: Effect = { kind: 'stopHold' };
const RINGBACK: Effect = { kind: 'ringback' };
const STOP_PROMPT: Effect = { kind: 'stopPrompt' };
const say = (p: number, minutes: number): Effect => ({ kind: 'play', prompts: [`position-${p}`, `wait-${minutes}`], bargeIn: false });

/** The connecting prompt has played, nobody rings: hold music. */
const onHold = [promptDone] as const;

describe('announcement()', () => {
  it('says the position and the estimated wait, in that order', () => {
    expect(announcement(3, 7)).toEqual(['position-3', 'wait-7']);
  });

  it(`says every position up to ${ANNOUNCED_POSITIONS}, then "many"`, () => {
    expect(ANNOUNCED_POSITIONS).toBe(10);
    expect(announcement(1, 5)[0]).toBe('position-1');
    expect(announcement(10, 5)[0]).toBe('position-10');
    expect(announcement(11, 5)[0]).toBe('position-many');
    expect(announcement(250, 5)[0]).toBe('position-many');
  });

  it(`says every wait up to ${ANNOUNCED_MINUTES} minutes, then "many"`, () => {
    expect(ANNOUNCED_MINUTES).toBe(30);
    expect(announcement(1, 2)[1]).toBe('wait-2');
    expect(announcement(1, 30)[1]).toBe('wait-30');
    expect(announcement(1, 31)[1]).toBe('wait-many');
    expect(announcement(1, 600)[1]).toBe('wait-many');
  });

  it('says at least one minute', () => {
    expect(announcement(1, 1)[1]).toBe('wait-1');
    expect(announcement(1, 0)[1]).toBe('wait-1');
    expect(announcement(1, -3)[1]).toBe('wait-1');
  });

  it('is "many" on both counts for a long queue', () => {
    expect(announcement(40, 90)).toEqual(['position-many', 'wait-many']);
  });
});

describe('after the connecting prompt', () => {
  it('plays hold music', () => {
    const r = drive([promptDone]);
    expect(r.perEvent).toEqual([[HOLD]]);
    expect(r.state).toEqual(entered({ audio: 'hold' }));
  });

  it("plays ringback instead when an agent's phone already rings", () => {
    const r = drive([ringing, promptDone]);
    expect(r.perEvent).toEqual([[], [RINGBACK]]);
    expect(r.state).toEqual(entered({ audio: 'ringback', ringing: true }));
  });

  it('plays hold music when the phone rang and stopped during the prompt', () => {
    const r = drive([ringing, notRinging, promptDone]);
    expect(r.perEvent).toEqual([[], [], [HOLD]]);
    expect(r.state).toEqual(entered({ audio: 'hold', ringing: false }));
  });

  it('keeps the team and how it was chosen', () => {
    const r = drive([promptDone, ringing], entered({ team: 'technical', via: 'default' }));
    expect(r.state).toEqual({ phase: 'queue', team: 'technical', via: 'default', audio: 'ringback', ringing: true });
  });
});

describe('position announcements', () => {
  it('stops the hold music and says the position and wait (not interruptible), then hold music again', () => {
    const r = drive([...onHold, position(3, 7), promptDone]);
    expect(r.perEvent.slice(1)).toEqual([[STOP_HOLD, say(3, 7)], [HOLD]]);
    expect(r.state).toEqual(entered({ audio: 'hold' }));
  });

  it('is in the prompt audio while it plays', () => {
    const r = drive([...onHold, position(3, 7)]);
    expect(r.state).toEqual(entered({ audio: 'prompt' }));
  });

  it('says "many" for a long queue', () => {
    const r = drive([...onHold, position(14, 45)]);
    expect(r.perEvent.at(-1)).toEqual([STOP_HOLD, { kind: 'play', prompts: ['position-many', 'wait-many'], bargeIn: false }]);
  });

  it('repeats every time a position comes, each time from hold music', () => {
    const r = drive([...onHold, position(3, 7), promptDone, position(2, 5), promptDone, position(1, 2), promptDone]);
    expect(r.perEvent.slice(1)).toEqual([[STOP_HOLD, say(3, 7)], [HOLD], [STOP_HOLD, say(2, 5)], [HOLD], [STOP_HOLD, say(1, 2)], [HOLD]]);
  });

  it('keeps a position arriving during the connecting prompt and says it right after that prompt', () => {
    const r = drive([position(4, 9)]);
    expect(r.perEvent).toEqual([[]]);
    expect(r.state).toEqual(entered({ pending: { position: 4, minutes: 9 } }));

    const after = drive([position(4, 9), promptDone, promptDone]);
    // No hold music in between: the announcement follows the prompt directly.
    expect(after.perEvent).toEqual([[], [say(4, 9)], [HOLD]]);
    expect(after.state).toEqual(entered({ audio: 'hold' }));
    expect(after.state).not.toHaveProperty('pending', expect.anything());
  });

  it('keeps a position arriving during an announcement and says it right after', () => {
    const r = drive([...onHold, position(3, 7), position(2, 4), promptDone, promptDone]);
    expect(r.perEvent.slice(1)).toEqual([[STOP_HOLD, say(3, 7)], [], [say(2, 4)], [HOLD]]);
  });

  it('replaces a pending position by a later one: only the latest is said', () => {
    const r = drive([position(5, 10), position(3, 6), promptDone, promptDone]);
    expect(r.perEvent).toEqual([[], [], [say(3, 6)], [HOLD]]);
  });

  it('announces nothing for position 0 (being connected)', () => {
    const onHoldZero = drive([...onHold, position(0, 1)]);
    expect(onHoldZero.perEvent.at(-1)).toEqual([]);
    expect(onHoldZero.state).toEqual(entered({ audio: 'hold' }));

    const duringPrompt = drive([position(0, 1), promptDone]);
    expect(duringPrompt.perEvent).toEqual([[], [HOLD]]);
    expect(duringPrompt.state).toEqual(entered({ audio: 'hold' }));
  });

  it('announces nothing over ringback', () => {
    const r = drive([...onHold, ringing, position(2, 3)]);
    expect(r.perEvent.at(-1)).toEqual([]);
    expect(r.state).toEqual(entered({ audio: 'ringback', ringing: true }));
  });

  it('does not say later a position that came during ringback', () => {
    const r = drive([...onHold, ringing, position(2, 3), notRinging]);
    expect(r.perEvent.at(-1)).toEqual([STOP_PROMPT, HOLD]);
    expect(r.state).toEqual(entered({ audio: 'hold', ringing: false }));
  });

  it("drops a pending position when an agent's phone started ringing during the prompt: ringback at once", () => {
    const r = drive([position(2, 3), ringing, promptDone]);
    expect(r.perEvent).toEqual([[], [], [RINGBACK]]);
    expect(r.state).toEqual(entered({ audio: 'ringback', ringing: true }));
  });

  it('drops a pending position when the caller is being connected (position 0)', () => {
    const r = drive([position(2, 3), position(0, 1), promptDone]);
    expect(r.perEvent).toEqual([[], [], [HOLD]]);
  });
});

describe("an agent's phone ringing", () => {
  it('stops the hold music and plays ringback', () => {
    const r = drive([...onHold, ringing]);
    expect(r.perEvent.at(-1)).toEqual([STOP_HOLD, RINGBACK]);
    expect(r.state).toEqual(entered({ audio: 'ringback', ringing: true }));
  });

  it('waits for the end of an announcement, then plays ringback', () => {
    const r = drive([...onHold, position(2, 3), ringing, promptDone]);
    expect(r.perEvent.slice(1)).toEqual([[STOP_HOLD, say(2, 3)], [], [RINGBACK]]);
    expect(r.state).toEqual(entered({ audio: 'ringback', ringing: true }));
  });

  it('does not restart ringback when another phone rings too', () => {
    const r = drive([...onHold, ringing, ringing]);
    expect(r.perEvent.at(-1)).toEqual([]);
    expect(r.state).toEqual(entered({ audio: 'ringback', ringing: true }));
  });

  it('goes back to hold music when no phone rings any more (missed, declined)', () => {
    const r = drive([...onHold, ringing, notRinging]);
    expect(r.perEvent.at(-1)).toEqual([STOP_PROMPT, HOLD]);
    expect(r.state).toEqual(entered({ audio: 'hold', ringing: false }));
  });

  it('announces the position again once back on hold music', () => {
    const r = drive([...onHold, ringing, notRinging, position(1, 1), promptDone]);
    expect(r.perEvent.slice(-2)).toEqual([[STOP_HOLD, say(1, 1)], [HOLD]]);
  });

  it('rings again after a missed offer: ringback again', () => {
    const r = drive([...onHold, ringing, notRinging, ringing]);
    expect(r.perEvent.slice(1)).toEqual([
      [STOP_HOLD, RINGBACK],
      [STOP_PROMPT, HOLD],
      [STOP_HOLD, RINGBACK],
    ]);
  });

  it('changes nothing audible when notRinging comes on hold music or during a prompt', () => {
    const onHoldMusic = drive([...onHold, notRinging]);
    expect(onHoldMusic.perEvent.at(-1)).toEqual([]);
    expect(onHoldMusic.state).toEqual(entered({ audio: 'hold' }));

    const duringPrompt = drive([notRinging]);
    expect(duringPrompt.perEvent).toEqual([[]]);
    expect(duringPrompt.state).toEqual(entered());
  });

  it('ignores a promptDone that comes on hold music or ringback (a stale playback end)', () => {
    const hold = drive([...onHold, promptDone]);
    expect(hold.perEvent.at(-1)).toEqual([]);
    expect(hold.state).toEqual(entered({ audio: 'hold' }));

    const ringbackPlaying = drive([...onHold, ringing, promptDone]);
    expect(ringbackPlaying.perEvent.at(-1)).toEqual([]);
    expect(ringbackPlaying.state).toEqual(entered({ audio: 'ringback', ringing: true }));
  });
});

describe('digits and other events in the queue', () => {
  it.each([
    ['the connecting prompt', [] as CallEvent[]],
    ['hold music', [...onHold]],
    ['an announcement', [...onHold, position(2, 3)]],
    ['ringback', [...onHold, ringing]],
  ])('does nothing on digits during %s (for now)', (_, before) => {
    const at = drive(before);
    const r = drive([digit('1'), digit('9'), digit('*'), digit('#')], at.state);
    expect(r.perEvent).toEqual([[], [], [], []]);
    expect(r.state).toEqual(at.state);
  });

  it('queueStep() leaves digits, silence and start to the caller (undefined)', () => {
    for (const event of [digit('1'), { type: 'silence' }, { type: 'start', open: true }] as CallEvent[]) {
      expect(queueStep(entered({ audio: 'hold' }), event)).toBeUndefined();
    }
  });

  it('queueStep() returns undefined for what means nothing in the current audio', () => {
    expect(queueStep(entered({ audio: 'hold' }), promptDone)).toBeUndefined();
    expect(queueStep(entered({ audio: 'ringback', ringing: true }), position(2, 3))).toBeUndefined();
    expect(queueStep(entered({ audio: 'hold' }), position(0, 1))).toBeUndefined();
  });

  it('queueStep() does not change the state it is given', () => {
    const state = Object.freeze(entered({ pending: Object.freeze({ position: 2, minutes: 3 }) }));
    const t = queueStep(state, promptDone);
    expect(t?.state).toEqual(entered({ pending: undefined }));
    expect(state).toEqual(entered({ pending: { position: 2, minutes: 3 } }));
  });
});
