/** Arranging a callback on the phone, as the pure flow sees it (ivr/callback-flow.ts via call-flow.ts). */
import { describe, it, expect } from 'vitest';
import { initialState, resume, step, type CallEvent, type CallState, type Effect, type MenuSettings } from '../../ivr/call-flow.ts';
import { CALLBACK_REPLAYS, MAX_TYPED_DIGITS } from '../../ivr/callback-flow.ts';

const MENU: MenuSettings = {
  options: { '1': 'sales', '2': 'after-sales' },
  defaultTeam: 'sales',
  replays: 2,
  digitTimeoutSeconds: 6,
  callbacks: true,
};

function drive(events: readonly CallEvent[], from: CallState = initialState(), menu = MENU) {
  let state = from;
  const perEvent: Effect[][] = [];
  for (const e of events) {
    const t = step(state, e, menu);
    state = t.state;
    perEvent.push(t.effects);
  }
  return { state, effects: perEvent.flat(), perEvent };
}

const digit = (d: string): CallEvent => ({ type: 'digit', digit: d });
const digits = (s: string) => [...s].map(digit);
const promptDone: CallEvent = { type: 'promptDone' };
const silence: CallEvent = { type: 'silence' };
const start = (open: boolean): CallEvent => ({ type: 'start', open });
const booked = (d: string): CallEvent => ({ type: 'callbackBooked', digits: d });
const refused: CallEvent = { type: 'callbackRefused' };
const plays = (effects: readonly Effect[]) => effects.flatMap((e) => (e.kind === 'play' ? [e.prompts] : []));
const requests = (effects: readonly Effect[]) => effects.filter((e) => e.kind === 'requestCallback');

/** A caller waiting for after-sales, the connecting prompt over. */
const waiting = drive([start(true), promptDone, digit('2'), promptDone]).state;

describe('in the queue', () => {
  it('announcements end with how to be called back', () => {
    const r = drive([{ type: 'position', position: 2, minutes: 3 }], waiting);
    expect(plays(r.effects)).toEqual([['position-2', 'wait-3', 'callback-offer']]);
  });

  it('without callbacks configured, announcements say nothing of them and 1 does nothing', () => {
    const plain = drive([start(true), promptDone, digit('2'), promptDone], initialState(), { ...MENU, callbacks: false }).state;
    const r = drive([{ type: 'position', position: 2, minutes: 3 }, digit('1')], plain, { ...MENU, callbacks: false });
    expect(plays(r.effects)).toEqual([['position-2', 'wait-3']]);
    expect(r.state.phase).toBe('queue');
  });

  it('1 stops the music and the announcements and asks for a callback on the caller number, in place', () => {
    const r = drive([digit('1')], waiting);
    expect(r.effects.map((e) => e.kind)).toEqual(['stopPrompt', 'stopHold', 'pauseQueue', 'requestCallback']);
    expect(requests(r.effects)).toEqual([{ kind: 'requestCallback', team: 'after-sales', origin: 'queue', number: 'caller' }]);
  });

  it('booked: the number is read back, then the call ends', () => {
    const r = drive([digit('1'), booked('0612345678'), promptDone], waiting);
    expect(plays(r.effects)).toEqual([['callback-confirm', 'digits-0612345678', 'callback-confirm-turn']]);
    expect(r.state).toEqual({ phase: 'ended' });
    expect(r.effects.at(-1)).toEqual({ kind: 'hangup' });
  });

  it('an anonymous caller is asked to type a number, and the typed one is requested', () => {
    const r = drive([digit('1'), refused, ...digits('0699999999#')], waiting);
    expect(plays(r.perEvent[1]!)).toEqual([['callback-bad-number', 'callback-type']]);
    expect(requests(r.effects).at(-1)).toMatchObject({ number: { typed: '0699999999' } });
  });
});

describe('nobody can answer', () => {
  it('nobody logged in: the callback is offered, without the choice to wait', () => {
    const r = drive([{ type: 'noAgent', canWait: false }], waiting);
    expect(plays(r.effects)).toEqual([['callback-no-agent']]);
    expect(r.effects.map((e) => e.kind)).toContain('pauseQueue');
    expect(drive([digit('2')], r.state).state).toMatchObject({ phase: 'callback', step: 'offer', attempt: 1 });
  });

  it('the wait limit: 2 goes back to the music with no limit any more', () => {
    const offered = drive([{ type: 'noAgent', canWait: true }], waiting);
    expect(plays(offered.effects)).toEqual([['callback-or-wait']]);
    const r = drive([digit('2')], offered.state);
    expect(r.state).toMatchObject({ phase: 'queue', audio: 'hold' });
    expect(r.effects).toContainEqual({ kind: 'enqueue', team: 'after-sales', keepWaiting: true });
  });

  it('an agent coming free while the offer plays connects the caller', () => {
    const offered = drive([{ type: 'noAgent', canWait: true }], waiting);
    const r = drive([{ type: 'ringing' }], offered.state);
    expect(r.state).toMatchObject({ phase: 'queue', audio: 'ringback', ringing: true });
    // Back in the queue's rhythm (announcements), without the wait limit that already struck.
    expect(r.effects).toContainEqual({ kind: 'enqueue', team: 'after-sales', keepWaiting: true });
  });

  it(`silence replays the offer ${CALLBACK_REPLAYS} times, then says that nothing was recorded`, () => {
    const offered = drive([{ type: 'noAgent', canWait: false }], waiting);
    const r = drive(
      Array.from({ length: CALLBACK_REPLAYS + 1 }, () => silence),
      offered.state,
    );
    expect(plays(r.effects)).toEqual([...Array(CALLBACK_REPLAYS).fill(['callback-no-agent']), ['callback-cancelled']]);
    expect(r.state).toEqual({ phase: 'farewell', prompt: 'callback-cancelled' });
  });
});

describe('out of hours', () => {
  const closed = drive([start(false)]);

  it('the closed message offers a callback at opening', () => {
    expect(plays(closed.effects)).toEqual([['closed', 'callback-closed']]);
    expect(closed.state).toMatchObject({ phase: 'callback', step: 'offer', origin: 'closed', team: 'sales' });
  });

  it('1 then 1: on the number they call from', () => {
    const r = drive([digit('1'), digit('1')], closed.state);
    expect(plays(r.perEvent[0]!)).toEqual([['callback-which']]);
    expect(requests(r.effects)).toEqual([{ kind: 'requestCallback', team: 'sales', origin: 'closed', number: 'caller' }]);
    expect(plays(drive([booked('0612345678')], r.state).effects)).toEqual([
      ['callback-confirm', 'digits-0612345678', 'callback-confirm-opening'],
    ]);
  });

  it('1 then 2: typed digits, * starts over, # sends; a pause after digits sends too', () => {
    const typed = drive([digit('1'), digit('2'), ...digits('0611*0622222222#')], closed.state);
    expect(requests(typed.effects)).toEqual([
      { kind: 'requestCallback', team: 'sales', origin: 'closed', number: { typed: '0622222222' } },
    ]);
    const paused = drive([digit('1'), digit('2'), ...digits('0633333333'), silence], closed.state);
    expect(requests(paused.effects).at(-1)).toMatchObject({ number: { typed: '0633333333' } });
  });

  it(`never keeps more than ${MAX_TYPED_DIGITS} digits`, () => {
    const r = drive([digit('1'), digit('2'), ...digits('1'.repeat(40)), digit('#')], closed.state);
    expect(requests(r.effects).at(-1)).toMatchObject({ number: { typed: '1'.repeat(MAX_TYPED_DIGITS) } });
  });

  it('numbers refused too often end with a polite goodbye', () => {
    const r = drive([digit('1'), digit('2'), ...[0, 1, 2].flatMap(() => [...digits('0899123456#'), refused])], closed.state);
    expect(r.state).toEqual({ phase: 'farewell', prompt: 'callback-cancelled' });
    expect(plays(r.effects).at(-1)).toEqual(['callback-bad-number', 'callback-cancelled']);
  });

  it('silence after the closed message just ends the call: it already said goodbye', () => {
    const r = drive(
      Array.from({ length: CALLBACK_REPLAYS + 1 }, () => silence),
      closed.state,
    );
    expect(r.state).toEqual({ phase: 'ended' });
    expect(r.effects.at(-1)).toEqual({ kind: 'hangup' });
  });
});

describe('after a Relais restart', () => {
  it('a callback being recorded is requested again (recording twice merges)', () => {
    const booking = drive([digit('1')], waiting).state;
    expect(resume(booking, MENU).effects).toEqual([{ kind: 'requestCallback', team: 'after-sales', origin: 'queue', number: 'caller' }]);
  });

  it('typing starts over; a confirmation is said again', () => {
    const typing = drive([start(false), digit('1'), digit('2'), ...digits('06')]).state;
    expect(resume(typing, MENU)).toMatchObject({
      state: { step: 'typing', digits: '' },
      effects: [{ kind: 'play', prompts: ['callback-type'] }],
    });
    const confirm = drive([digit('1'), booked('0612345678')], waiting).state;
    expect(plays(resume(confirm, MENU).effects)).toEqual([['callback-confirm', 'digits-0612345678', 'callback-confirm-turn']]);
  });
});
