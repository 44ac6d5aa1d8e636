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
const teamUnanswered: CallEvent = { type: 'teamUnanswered' };

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
    expect(kinds(r.effects)).not.toContain('dialTeam');
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
    expect(r.perEvent[2]).toEqual([
      { kind: 'play', prompts: [connectingPrompt('technical')], bargeIn: false },
      { kind: 'dialTeam', team: 'technical' },
    ]);
    expect(plays(r.effects).flatMap((p) => p.prompts)).not.toContain('menu');
    expect(r.state).toEqual({ phase: 'team', team: 'technical', via: 'choice' });
  });

  it('ignores an invalid digit pressed during it: the menu still plays', () => {
    const r = drive([start(true), digit('7'), promptDone]);
    expect(r.perEvent[2]).toEqual([{ kind: 'play', prompts: ['menu'], bargeIn: true }]);
    expect(r.state).toEqual({ phase: 'menu', attempt: 0 });
  });

  it('keeps the valid digit when an invalid one follows it', () => {
    const r = drive([start(true), digit('2'), digit('9'), promptDone]);
    expect(r.state).toEqual({ phase: 'team', team: 'after-sales', via: 'choice' });
  });
});

describe('the menu', () => {
  it('stops the prompt and dials the chosen team on a valid digit (barge-in)', () => {
    const r = drive([...inMenu, digit('2')]);
    expect(r.perEvent[2]).toEqual([
      { kind: 'stopPrompt' },
      { kind: 'cancelDigitTimer' },
      { kind: 'play', prompts: [connectingPrompt('after-sales')], bargeIn: false },
      { kind: 'dialTeam', team: 'after-sales' },
    ]);
    expect(r.state).toEqual({ phase: 'team', team: 'after-sales', via: 'choice' });
  });

  it('starts the digit timer with the configured seconds once the prompt has played', () => {
    const r = drive([...inMenu, promptDone], { ...MENU, digitTimeoutSeconds: 9 });
    expect(r.perEvent[2]).toEqual([{ kind: 'startDigitTimer', seconds: 9 }]);
    expect(r.state).toEqual({ phase: 'menu', attempt: 0 });
  });

  it('takes a valid digit pressed after the prompt, while the digit timer runs', () => {
    const r = drive([...inMenu, promptDone, digit('1')]);
    expect(r.perEvent[3]).toContainEqual({ kind: 'cancelDigitTimer' });
    expect(r.perEvent[3]).toContainEqual({ kind: 'dialTeam', team: 'sales' });
    expect(r.state).toEqual({ phase: 'team', team: 'sales', via: 'choice' });
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

  it('replays exactly `replays` (2) times, then sends the call to the default team', () => {
    const events = [...inMenu, promptDone, silence, digit('9'), promptDone, silence];
    const r = drive(events);
    const replays = plays(r.effects).filter((p) => p.bargeIn);
    // The first menu, then two replays.
    expect(replays.map((p) => p.prompts)).toEqual([['menu'], ['menu'], ['invalid', 'menu']]);
    expect(r.perEvent.at(-1)).toEqual([
      { kind: 'play', prompts: [connectingPrompt('sales')], bargeIn: false },
      { kind: 'dialTeam', team: 'sales' },
    ]);
    expect(r.state).toEqual({ phase: 'team', team: 'sales', via: 'default' });
  });

  it('stops the menu before dialling the default team when the last try is an unknown digit', () => {
    const r = drive([...inMenu, digit('9'), digit('9'), digit('9')]);
    expect(r.perEvent.at(-1)).toEqual([
      { kind: 'stopPrompt' },
      { kind: 'cancelDigitTimer' },
      { kind: 'play', prompts: [connectingPrompt('sales')], bargeIn: false },
      { kind: 'dialTeam', team: 'sales' },
    ]);
    expect(r.state).toEqual({ phase: 'team', team: 'sales', via: 'default' });
  });

  it('with replays 0, goes straight to the default team on the first unknown digit or silence', () => {
    const menu = { ...MENU, replays: 0, defaultTeam: 'technical' };
    const bySilence = drive([...inMenu, promptDone, silence], menu);
    expect(bySilence.state).toEqual({ phase: 'team', team: 'technical', via: 'default' });
    expect(plays(bySilence.effects).filter((p) => p.bargeIn)).toHaveLength(1);

    const byDigit = drive([...inMenu, digit('0')], menu);
    expect(byDigit.state).toEqual({ phase: 'team', team: 'technical', via: 'default' });
    expect(kinds(byDigit.perEvent[2]!)).toEqual(['stopPrompt', 'cancelDigitTimer', 'play', 'dialTeam']);
  });

  it('still honours a valid digit on the last replay', () => {
    const r = drive([...inMenu, digit('9'), digit('9'), digit('3')]);
    expect(r.state).toEqual({ phase: 'team', team: 'technical', via: 'choice' });
  });
});

describe('ringing a team', () => {
  const inTeam = [...inMenu, digit('1')] as const;

  it('plays ringback once the connecting message has played', () => {
    const r = drive([...inTeam, promptDone]);
    expect(r.perEvent.at(-1)).toEqual([{ kind: 'ringback' }]);
    expect(r.state).toEqual({ phase: 'team', team: 'sales', via: 'choice' });
  });

  it('stops the ringback and goes to talking when an agent answers', () => {
    const r = drive([...inTeam, promptDone, agentConnected]);
    expect(r.perEvent.at(-1)).toEqual([{ kind: 'stopPrompt' }]);
    expect(r.state).toEqual({ phase: 'talking', team: 'sales' });
  });

  it('ignores digits while ringing', () => {
    const r = drive([...inTeam, promptDone, digit('2')]);
    expect(r.perEvent.at(-1)).toEqual([]);
    expect(r.state).toEqual({ phase: 'team', team: 'sales', via: 'choice' });
  });

  it('says nobody could answer, without barge-in, then hangs up', () => {
    const r = drive([...inTeam, promptDone, teamUnanswered]);
    expect(r.perEvent.at(-1)).toEqual([{ kind: 'stopPrompt' }, { kind: 'play', prompts: ['noAnswer'], bargeIn: false }]);
    expect(r.state).toEqual({ phase: 'farewell', prompt: 'noAnswer' });

    const end = drive([...inTeam, promptDone, teamUnanswered, digit('1'), promptDone]);
    expect(end.perEvent.at(-2)).toEqual([]);
    expect(end.perEvent.at(-1)).toEqual([{ kind: 'hangup' }]);
    expect(end.state).toEqual({ phase: 'ended' });
  });
});

describe('talking to an agent', () => {
  it('ignores digits and everything else but a failure', () => {
    const talking: CallState = { phase: 'talking', team: 'sales' };
    const r = drive([digit('1'), digit('#'), promptDone, silence, teamUnanswered, agentConnected], MENU, talking);
    expect(r.effects).toEqual([]);
    expect(r.state).toEqual(talking);
  });
});

describe('a failure on our side', () => {
  const APOLOGY: Effect[] = [
    { kind: 'cancelDigitTimer' },
    { kind: 'stopDialing' },
    { kind: 'stopPrompt' },
    { kind: 'play', prompts: ['apology'], bargeIn: false },
  ];

  const phases: [string, CallEvent[]][] = [
    ['before start (greeting)', []],
    ['greeting', [start(true)]],
    ['menu', [...inMenu]],
    ['menu, waiting for a digit', [...inMenu, promptDone]],
    ['team', [...inMenu, digit('3')]],
    ['team, ringing', [...inMenu, digit('3'), promptDone]],
    ['closed farewell', [start(false)]],
    ['no-answer farewell', [...inMenu, digit('3'), promptDone, teamUnanswered]],
  ];

  it.each(phases)('in %s: stops everything and apologises, then hangs up', (_, before) => {
    const r = drive([...before, failure, promptDone]);
    expect(r.perEvent.at(-2)).toEqual(APOLOGY);
    expect(r.perEvent.at(-1)).toEqual([{ kind: 'hangup' }]);
    expect(r.state).toEqual({ phase: 'ended' });
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
    expect(resume({ phase: 'greeting', typeahead: '2' }, MENU).state).toEqual({ phase: 'team', team: 'after-sales', via: 'choice' });
  });

  it('replays the menu at the same attempt, so replays are not reset by a restart', () => {
    const t = resume({ phase: 'menu', attempt: 2 }, MENU);
    expect(t).toEqual({ state: { phase: 'menu', attempt: 2 }, effects: [{ kind: 'play', prompts: ['menu'], bargeIn: true }] });
    // One more unknown digit now goes to the default team (replays 2).
    expect(step(t.state, digit('9'), MENU).state).toEqual({ phase: 'team', team: 'sales', via: 'default' });
  });

  it('rings the team again with ringback', () => {
    const team: CallState = { phase: 'team', team: 'technical', via: 'default' };
    expect(resume(team, MENU)).toEqual({ state: team, effects: [{ kind: 'ringback' }, { kind: 'dialTeam', team: 'technical' }] });
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
