import { describe, it, expect } from 'vitest';
import {
  connectingPrompt,
  initialState,
  resume,
  step,
  type CallEvent,
  type CallState,
  type Effect,
  type MenuSettings,
} from '../../ivr/call-flow.ts';

const MENU: MenuSettings = Object.freeze({
  options: Object.freeze({ '1': 'sales', '2': 'after-sales', '3': 'technical' }),
  defaultTeam: 'sales',
  replays: 2,
  digitTimeoutSeconds: 6,
});

interface Run {
  state: CallState;
  /** Every effect, in order, across the whole run. */
  effects: Effect[];
  /** The effects of each event, one entry per event fed. */
  perEvent: Effect[][];
}

/** Feeds events one after the other, the way the call session does, and collects what comes out. */
function drive(events: readonly CallEvent[], menu: MenuSettings = MENU, from: CallState = initialState()): Run {
  let state = from;
  const perEvent: Effect[][] = [];
  for (const event of events) {
    const t = step(state, event, menu);
    state = t.state;
    perEvent.push(t.effects);
  }
  return { state, effects: perEvent.flat(), perEvent };
}

const start = (open: boolean): CallEvent => ({ type: 'start', open });
const digit = (d: string): CallEvent => ({ type: 'digit', digit: d });
const promptDone: CallEvent = { type: 'promptDone' };
const silence: CallEvent = { type: 'silence' };
const failure: CallEvent = { type: 'failure' };
const agentConnected: CallEvent = { type: 'agentConnected' };
const noAgent: CallEvent = { type: 'noAgent' };
const ringing: CallEvent = { type: 'ringing' };
const notRinging: CallEvent = { type: 'notRinging' };
const position = (p: number, minutes: number): CallEvent => ({ type: 'position', position: p, minutes });

/** The state just after entering a team's queue, with the connecting prompt playing. */
const queued = (team: string, via: 'choice' | 'default'): CallState => ({ phase: 'queue', team, via, audio: 'prompt', ringing: false });
/** What entering a team's queue does, after whatever stopped the menu. */
const enterQueue = (team: string): Effect[] => [
  { kind: 'play', prompts: [connectingPrompt(team)], bargeIn: false },
  { kind: 'enqueue', team },
];

const plays = (effects: readonly Effect[]) => effects.filter((e): e is Extract<Effect, { kind: 'play' }> => e.kind === 'play');
const kinds = (effects: readonly Effect[]) => effects.map((e) => e.kind);

/** Through the greeting into the menu, with the menu prompt playing. */
const inMenu = [start(true), promptDone] as const;

describe('a call while the company is closed', () => {
  it('plays the closed message without barge-in, then hangs up when it ends', () => {
    const r = drive([start(false)]);
    expect(r.effects).toEqual([{ kind: 'play', prompts: ['closed'], bargeIn: false }]);
    expect(r.state).toEqual({ phase: 'farewell', prompt: 'closed' });

    const end = drive([start(false), promptDone]);
    expect(end.perEvent[1]).toEqual([{ kind: 'hangup' }]);
    expect(end.state).toEqual({ phase: 'ended' });
  });

  it('does not let a digit cut or redirect the closed message', () => {
    const r = drive([start(false), digit('1'), digit('3'), promptDone]);
    expect(r.perEvent[1]).toEqual([]);
    expect(r.perEvent[2]).toEqual([]);
    expect(kinds(r.effects)).not.toContain('enqueue');
    expect(kinds(r.effects)).not.toContain('stopPrompt');
    expect(r.perEvent[3]).toEqual([{ kind: 'hangup' }]);
  });

  it('does nothing more once the call has ended', () => {
    const r = drive([start(false), promptDone, digit('1'), promptDone, silence, failure]);
    expect(r.perEvent.slice(2)).toEqual([[], [], [], []]);
    expect(r.state).toEqual({ phase: 'ended' });
  });
});

describe('the greeting', () => {
  it('plays without barge-in when the company is open', () => {
    const r = drive([start(true)]);
    expect(r.effects).toEqual([{ kind: 'play', prompts: ['greeting'], bargeIn: false }]);
    expect(r.state.phase).toBe('greeting');
  });

  it('is never stopped by digits', () => {
    const r = drive([start(true), digit('1'), digit('9'), digit('#')]);
    expect(r.perEvent.slice(1)).toEqual([[], [], []]);
    expect(r.state.phase).toBe('greeting');
  });

  it('leads to the menu, with barge-in, when no digit was pressed', () => {
    const r = drive([start(true), promptDone]);
    expect(r.perEvent[1]).toEqual([{ kind: 'play', prompts: ['menu'], bargeIn: true }]);
    expect(r.state).toEqual({ phase: 'menu', attempt: 0 });
  });

  it('keeps a valid digit pressed during it and skips the menu', () => {
    const r = drive([start(true), digit('3'), promptDone]);
    // Nothing was playing any more and no digit timer ran: nothing to stop.
    expect(r.perEvent[2]).toEqual(enterQueue('technical'));
    expect(plays(r.effects).flatMap((p) => p.prompts)).not.toContain('menu');
    expect(r.state).toEqual(queued('technical', 'choice'));
  });

  it('ignores an invalid digit pressed during it: the menu still plays', () => {
    const r = drive([start(true), digit('7'), promptDone]);
    expect(r.perEvent[2]).toEqual([{ kind: 'play', prompts: ['menu'], bargeIn: true }]);
    expect(r.state).toEqual({ phase: 'menu', attempt: 0 });
  });

  it('keeps the valid digit when an invalid one follows it', () => {
    const r = drive([start(true), digit('2'), digit('9'), promptDone]);
    expect(r.state).toEqual(queued('after-sales', 'choice'));
  });

  it('keeps the last valid digit when several are pressed during it', () => {
    const r = drive([start(true), digit('1'), digit('3'), promptDone]);
    expect(r.state).toEqual(queued('technical', 'choice'));
  });
});

describe('the menu', () => {
  it("stops the prompt and puts the caller in the chosen team's queue on a valid digit (barge-in)", () => {
    const r = drive([...inMenu, digit('2')]);
    expect(r.perEvent[2]).toEqual([
      { kind: 'stopPrompt' },
      { kind: 'cancelDigitTimer' },
      { kind: 'play', prompts: [connectingPrompt('after-sales')], bargeIn: false },
      { kind: 'enqueue', team: 'after-sales' },
    ]);
    expect(r.state).toEqual({ phase: 'queue', team: 'after-sales', via: 'choice', audio: 'prompt', ringing: false });
  });

  it('starts the digit timer with the configured seconds once the prompt has played', () => {
    const r = drive([...inMenu, promptDone], { ...MENU, digitTimeoutSeconds: 9 });
    expect(r.perEvent[2]).toEqual([{ kind: 'startDigitTimer', seconds: 9 }]);
    expect(r.state).toEqual({ phase: 'menu', attempt: 0 });
  });

  it('takes a valid digit pressed after the prompt, while the digit timer runs', () => {
    const r = drive([...inMenu, promptDone, digit('1')]);
    expect(r.perEvent[3]).toContainEqual({ kind: 'cancelDigitTimer' });
    expect(r.perEvent[3]).toContainEqual({ kind: 'enqueue', team: 'sales' });
    expect(r.state).toEqual(queued('sales', 'choice'));
  });

  it('replays "invalid" then the menu, with barge-in, on an unknown digit', () => {
    const r = drive([...inMenu, digit('8')]);
    expect(r.perEvent[2]).toEqual([
      { kind: 'stopPrompt' },
      { kind: 'cancelDigitTimer' },
      { kind: 'play', prompts: ['invalid', 'menu'], bargeIn: true },
    ]);
    expect(r.state).toEqual({ phase: 'menu', attempt: 1 });
  });

  it('replays the menu alone, with barge-in, after silence', () => {
    const r = drive([...inMenu, promptDone, silence]);
    expect(r.perEvent[3]).toEqual([{ kind: 'play', prompts: ['menu'], bargeIn: true }]);
    expect(r.state).toEqual({ phase: 'menu', attempt: 1 });
  });

  it.each(['*', '#'])('counts "%s" as an unknown digit', (key) => {
    const r = drive([...inMenu, digit(key)]);
    expect(plays(r.perEvent[2]!)).toEqual([{ kind: 'play', prompts: ['invalid', 'menu'], bargeIn: true }]);
    expect(r.state).toEqual({ phase: 'menu', attempt: 1 });
  });

  it("replays exactly `replays` (2) times, then puts the call in the default team's queue", () => {
    const events = [...inMenu, promptDone, silence, digit('9'), promptDone, silence];
    const r = drive(events);
    const replays = plays(r.effects).filter((p) => p.bargeIn);
    // The first menu, then two replays.
    expect(replays.map((p) => p.prompts)).toEqual([['menu'], ['menu'], ['invalid', 'menu']]);
    expect(r.perEvent.at(-1)).toEqual(enterQueue('sales'));
    expect(r.state).toEqual(queued('sales', 'default'));
  });

  it("stops the menu before entering the default team's queue when the last try is an unknown digit", () => {
    const r = drive([...inMenu, digit('9'), digit('9'), digit('9')]);
    expect(r.perEvent.at(-1)).toEqual([{ kind: 'stopPrompt' }, { kind: 'cancelDigitTimer' }, ...enterQueue('sales')]);
    expect(r.state).toEqual(queued('sales', 'default'));
  });

  it('with replays 0, goes straight to the default team on the first unknown digit or silence', () => {
    const menu = { ...MENU, replays: 0, defaultTeam: 'technical' };
    const bySilence = drive([...inMenu, promptDone, silence], menu);
    expect(bySilence.state).toEqual(queued('technical', 'default'));
    expect(bySilence.perEvent.at(-1)).toEqual(enterQueue('technical'));
    expect(plays(bySilence.effects).filter((p) => p.bargeIn)).toHaveLength(1);

    const byDigit = drive([...inMenu, digit('0')], menu);
    expect(byDigit.state).toEqual(queued('technical', 'default'));
    expect(byDigit.perEvent[2]).toEqual([{ kind: 'stopPrompt' }, { kind: 'cancelDigitTimer' }, ...enterQueue('technical')]);
  });

  it('still honours a valid digit on the last replay', () => {
    const r = drive([...inMenu, digit('9'), digit('9'), digit('3')]);
    expect(r.state).toEqual(queued('technical', 'choice'));
  });

  it('ignores queue events that cannot concern it (no queue entered yet)', () => {
    const r = drive([...inMenu, ringing, notRinging, position(2, 3), agentConnected, noAgent]);
    expect(r.perEvent.slice(2)).toEqual([[], [], [], [], []]);
    expect(r.state).toEqual({ phase: 'menu', attempt: 0 });
  });
});

describe("waiting in a team's queue", () => {
  const inQueue = [...inMenu, digit('1')] as const;

  it('goes on to hold music once the connecting message has played', () => {
    const r = drive([...inQueue, promptDone]);
    expect(r.perEvent.at(-1)).toEqual([{ kind: 'hold' }]);
    expect(r.state).toEqual({ phase: 'queue', team: 'sales', via: 'choice', audio: 'hold', ringing: false });
  });

  it('stops the connecting message and the hold music and goes to talking when an agent answers', () => {
    const early = drive([...inQueue, agentConnected]);
    expect(early.perEvent.at(-1)).toEqual([{ kind: 'stopPrompt' }, { kind: 'stopHold' }]);
    expect(early.state).toEqual({ phase: 'talking', team: 'sales' });

    const r = drive([...inQueue, promptDone, position(2, 4), promptDone, ringing, agentConnected]);
    expect(r.perEvent.at(-1)).toEqual([{ kind: 'stopPrompt' }, { kind: 'stopHold' }]);
    expect(r.state).toEqual({ phase: 'talking', team: 'sales' });
  });

  it('keeps the team chosen by default when an agent answers', () => {
    const r = drive([...inMenu, digit('9'), digit('9'), digit('9'), promptDone, agentConnected]);
    expect(r.state).toEqual({ phase: 'talking', team: 'sales' });
  });

  it('ignores digits and silence (for now)', () => {
    const r = drive([...inQueue, digit('2'), promptDone, digit('#'), silence, digit('1')]);
    expect(r.perEvent.slice(3)).toEqual([[], [{ kind: 'hold' }], [], [], []]);
    expect(r.state).toEqual({ phase: 'queue', team: 'sales', via: 'choice', audio: 'hold', ringing: false });
  });

  it('ignores a second start', () => {
    const r = drive([...inQueue, start(true)]);
    expect(r.perEvent.at(-1)).toEqual([]);
    expect(r.state).toEqual(queued('sales', 'choice'));
  });

  it('says nobody could answer, without barge-in, leaving the queue, then hangs up', () => {
    const r = drive([...inQueue, promptDone, noAgent]);
    expect(r.perEvent.at(-1)).toEqual([
      { kind: 'stopHold' },
      { kind: 'leaveQueue' },
      { kind: 'stopPrompt' },
      { kind: 'play', prompts: ['noAnswer'], bargeIn: false },
    ]);
    expect(r.state).toEqual({ phase: 'farewell', prompt: 'noAnswer' });

    const end = drive([...inQueue, promptDone, noAgent, digit('1'), ringing, agentConnected, promptDone]);
    expect(end.perEvent.slice(-4, -1)).toEqual([[], [], []]);
    expect(end.perEvent.at(-1)).toEqual([{ kind: 'hangup' }]);
    expect(end.state).toEqual({ phase: 'ended' });
  });

  it('says nobody could answer even during the connecting message (nobody logged in)', () => {
    const r = drive([...inQueue, noAgent]);
    expect(r.perEvent.at(-1)).toEqual([
      { kind: 'stopHold' },
      { kind: 'leaveQueue' },
      { kind: 'stopPrompt' },
      { kind: 'play', prompts: ['noAnswer'], bargeIn: false },
    ]);
    expect(r.state).toEqual({ phase: 'farewell', prompt: 'noAnswer' });
  });

  it('does not announce the farewell twice when noAgent comes again', () => {
    const r = drive([...inQueue, noAgent, noAgent]);
    expect(r.perEvent.at(-1)).toEqual([]);
    expect(plays(r.effects).filter((p) => p.prompts.includes('noAnswer'))).toHaveLength(1);
  });
});

describe('talking to an agent', () => {
  it('ignores digits and everything else but a failure', () => {
    const talking: CallState = { phase: 'talking', team: 'sales' };
    const r = drive(
      [digit('1'), digit('#'), promptDone, silence, noAgent, agentConnected, ringing, notRinging, position(1, 1), start(true)],
      MENU,
      talking,
    );
    expect(r.effects).toEqual([]);
    expect(r.state).toEqual(talking);
  });
});

describe('a failure on our side', () => {
  const APOLOGY: Effect[] = [{ kind: 'cancelDigitTimer' }, { kind: 'stopPrompt' }, { kind: 'play', prompts: ['apology'], bargeIn: false }];
  /** In a queue, the caller leaves it too: nobody would take the call. */
  const QUEUE_APOLOGY: Effect[] = [
    { kind: 'cancelDigitTimer' },
    { kind: 'stopHold' },
    { kind: 'leaveQueue' },
    { kind: 'stopPrompt' },
    { kind: 'play', prompts: ['apology'], bargeIn: false },
  ];

  const phases: [string, CallEvent[], Effect[]][] = [
    ['before start (greeting)', [], APOLOGY],
    ['greeting', [start(true)], APOLOGY],
    ['greeting, with a digit typed ahead', [start(true), digit('2')], APOLOGY],
    ['menu', [...inMenu], APOLOGY],
    ['menu, waiting for a digit', [...inMenu, promptDone], APOLOGY],
    ['queue, connecting message', [...inMenu, digit('3')], QUEUE_APOLOGY],
    ['queue, hold music', [...inMenu, digit('3'), promptDone], QUEUE_APOLOGY],
    ['queue, position announced', [...inMenu, digit('3'), promptDone, position(3, 5)], QUEUE_APOLOGY],
    ['queue, ringback', [...inMenu, digit('3'), promptDone, ringing], QUEUE_APOLOGY],
    ['closed farewell', [start(false)], APOLOGY],
    ['no-answer farewell', [...inMenu, digit('3'), promptDone, noAgent], APOLOGY],
  ];

  it.each(phases)('in %s: stops everything and apologises, then hangs up', (_, before, apology) => {
    const r = drive([...before, failure, promptDone]);
    expect(r.perEvent.at(-2)).toEqual(apology);
    expect(r.perEvent.at(-1)).toEqual([{ kind: 'hangup' }]);
    expect(r.state).toEqual({ phase: 'ended' });
  });

  it('leaves the queue only when the caller was in one', () => {
    const fromMenu = drive([...inMenu, failure]);
    expect(kinds(fromMenu.effects)).not.toContain('leaveQueue');
    const fromQueue = drive([...inMenu, digit('1'), failure]);
    expect(kinds(fromQueue.perEvent.at(-1)!)).toContain('leaveQueue');
  });

  it('ignores queue events during the apology', () => {
    const r = drive([...inMenu, digit('1'), failure, ringing, position(1, 1), agentConnected, noAgent, promptDone]);
    expect(r.perEvent.slice(-5, -1)).toEqual([[], [], [], []]);
    expect(r.perEvent.at(-1)).toEqual([{ kind: 'hangup' }]);
  });

  it('never cuts a caller talking to an agent', () => {
    const r = drive([...inMenu, digit('3'), promptDone, agentConnected, failure]);
    expect(r.perEvent.at(-1)).toEqual([]);
    expect(r.state).toEqual({ phase: 'talking', team: 'technical' });
  });

  it('apologises only once when a second failure comes during the apology', () => {
    const r = drive([...inMenu, failure, failure, digit('1'), promptDone]);
    expect(plays(r.effects).filter((p) => p.prompts.includes('apology'))).toHaveLength(1);
    expect(r.perEvent[3]).toEqual([]);
    expect(r.perEvent[4]).toEqual([]);
    expect(r.perEvent[5]).toEqual([{ kind: 'hangup' }]);
  });

  it('does nothing after the call has ended', () => {
    const r = drive([failure], MENU, { phase: 'ended' });
    expect(r.effects).toEqual([]);
    expect(r.state).toEqual({ phase: 'ended' });
  });
});

describe('resume() after a Relais restart', () => {
  it('apologises when the call state was lost', () => {
    expect(resume(undefined, MENU)).toEqual({
      state: { phase: 'farewell', prompt: 'apology' },
      effects: [{ kind: 'play', prompts: ['apology'], bargeIn: false }],
    });
  });

  it('restarts the menu from the greeting, at attempt 0', () => {
    expect(resume({ phase: 'greeting' }, MENU)).toEqual({
      state: { phase: 'menu', attempt: 0 },
      effects: [{ kind: 'play', prompts: ['menu'], bargeIn: true }],
    });
  });

  it('keeps a choice typed ahead during the greeting', () => {
    expect(resume({ phase: 'greeting', typeahead: '2' }, MENU)).toEqual({
      state: queued('after-sales', 'choice'),
      effects: enterQueue('after-sales'),
    });
  });

  it('replays the menu at the same attempt, so replays are not reset by a restart', () => {
    const t = resume({ phase: 'menu', attempt: 2 }, MENU);
    expect(t).toEqual({ state: { phase: 'menu', attempt: 2 }, effects: [{ kind: 'play', prompts: ['menu'], bargeIn: true }] });
    // One more unknown digit now goes to the default team (replays 2).
    expect(step(t.state, digit('9'), MENU).state).toEqual(queued('sales', 'default'));
  });

  it.each([
    ['the connecting message', 'prompt', false],
    ['hold music', 'hold', false],
    ['ringback', 'ringback', true],
  ] as const)('puts a caller who heard %s back in the queue, on hold music (place kept)', (_, audio, isRinging) => {
    const before: CallState = { phase: 'queue', team: 'technical', via: 'default', audio, ringing: isRinging };
    expect(resume(before, MENU)).toEqual({
      state: { phase: 'queue', team: 'technical', via: 'default', audio: 'hold', ringing: false },
      effects: [{ kind: 'hold' }, { kind: 'enqueue', team: 'technical' }],
    });
  });

  it('announces the position on hold after a resume, then goes back to hold music', () => {
    const t = resume({ phase: 'queue', team: 'sales', via: 'choice', audio: 'hold', ringing: false }, MENU);
    const r = drive([position(4, 6), promptDone], MENU, t.state);
    expect(r.perEvent).toEqual([
      [{ kind: 'stopHold' }, { kind: 'play', prompts: ['position-4', 'wait-6'], bargeIn: false }],
      [{ kind: 'hold' }],
    ]);
  });

  it('does not replay, after a resume, a position that was waiting for the end of a prompt', () => {
    // Saved while the connecting message played, with a position to say after it.
    const saved: CallState = {
      phase: 'queue',
      team: 'sales',
      via: 'choice',
      audio: 'prompt',
      ringing: false,
      pending: { position: 7, minutes: 12 },
    };
    const t = resume(saved, MENU);
    // The fresh position (announced on re-entering the queue) is said, then hold music: not the stale one.
    const r = drive([position(2, 3), promptDone], MENU, t.state);
    expect(r.perEvent).toEqual([
      [{ kind: 'stopHold' }, { kind: 'play', prompts: ['position-2', 'wait-3'], bargeIn: false }],
      [{ kind: 'hold' }],
    ]);
  });

  it.each(['closed', 'noAnswer', 'apology'] as const)('replays the %s farewell, then hangs up', (prompt) => {
    const t = resume({ phase: 'farewell', prompt }, MENU);
    expect(t).toEqual({ state: { phase: 'farewell', prompt }, effects: [{ kind: 'play', prompts: [prompt], bargeIn: false }] });
    expect(step(t.state, promptDone, MENU).effects).toEqual([{ kind: 'hangup' }]);
  });

  it('leaves a call talking to an agent alone', () => {
    expect(resume({ phase: 'talking', team: 'sales' }, MENU)).toEqual({ state: { phase: 'talking', team: 'sales' }, effects: [] });
  });

  it('hangs up a call that had ended', () => {
    expect(resume({ phase: 'ended' }, MENU)).toEqual({ state: { phase: 'ended' }, effects: [{ kind: 'hangup' }] });
  });
});
