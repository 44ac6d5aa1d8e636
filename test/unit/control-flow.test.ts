/**
 * What an agent can do with the call they have (hold, resume, hang up, blind and attended
 * transfer) and what the lines do meanwhile, as pure decisions; and what the caller passed on
 * blind hears (the call flow after a transfer).
 */
import { describe, expect, it } from 'vitest';
import { step, type CallState, type MenuSettings } from '../../ivr/call-flow.ts';
import { decide, react, type ControlCommand, type ControlOutcome, type ControlState } from '../../ivr/control-flow.ts';

const talking: ControlState = { step: 'talking' };
const held: ControlState = { step: 'held' };
const ringing: ControlState = { step: 'consulting', colleague: 'gary', answered: false };
const consulting: ControlState = { step: 'consulting', colleague: 'gary', answered: true };

const blind = (to: { agent: string } | { team: string }): ControlCommand => ({ op: 'transfer', to, mode: 'blind' });
const attended = (to: { agent: string } | { team: string }): ControlCommand => ({ op: 'transfer', to, mode: 'attended' });
const kinds = (o: ControlOutcome | undefined) => (o && 'steps' in o ? o.steps.map((s) => s.kind) : o);
const next = (o: ControlOutcome | undefined) => (o && 'next' in o ? o.next : o);

describe('hold and resume', () => {
  it('holding takes the caller out of the bridge onto music; resuming brings them back', () => {
    expect(decide(talking, { op: 'hold' })).toEqual({ next: held, steps: [{ kind: 'callerOut' }], notice: { type: 'held' } });
    expect(decide(held, { op: 'resume' })).toEqual({ next: talking, steps: [{ kind: 'callerIn' }], notice: { type: 'resumed' } });
  });

  it('a second hold or resume changes nothing (a double click)', () => {
    expect(decide(held, { op: 'hold' })).toEqual({ next: held, steps: [] });
    expect(decide(talking, { op: 'resume' })).toEqual({ next: talking, steps: [] });
  });
});

describe('hang up', () => {
  it.each([talking, held, ringing, consulting])('ends the call from any state (%o)', (state) => {
    expect(decide(state, { op: 'hangup' })).toEqual({ next: 'ended', steps: [{ kind: 'endCall' }] });
  });
});

describe('blind transfer', () => {
  it('asks the routing core first, then releases the agent and the caller waits for the colleague', () => {
    const o = decide(talking, blind({ agent: 'gary' }));
    expect(kinds(o)).toEqual(['transfer', 'callerLeaves', 'releaseAgent', 'requeue']);
    expect(o).toMatchObject({ next: 'released', notice: { type: 'transferring', to: { agent: 'gary' } } });
  });

  it('from hold, stops the music before the caller waits again', () => {
    expect(kinds(decide(held, blind({ team: 'technical' })))).toEqual(['transfer', 'musicOff', 'releaseAgent', 'requeue']);
  });

  it('is refused during a consultation', () => {
    expect(decide(consulting, blind({ team: 'technical' }))).toEqual({ refused: 'CALL_ERR_CONSULTING' });
  });
});

describe('attended transfer', () => {
  it('holds the colleague in the routing core first, then the caller holds and the colleague rings', () => {
    expect(kinds(decide(talking, attended({ agent: 'gary' })))).toEqual(['consult', 'callerOut', 'ringColleague']);
    expect(kinds(decide(held, attended({ agent: 'gary' })))).toEqual(['consult', 'ringColleague']);
    expect(next(decide(talking, attended({ agent: 'gary' })))).toEqual(ringing);
  });

  it('goes to a person, not a team', () => {
    expect(decide(talking, attended({ team: 'technical' }))).toEqual({ refused: 'CALL_ERR_ATTENDED_TO_TEAM' });
  });

  it('the colleague answering joins the agent', () => {
    expect(react(ringing, { type: 'colleagueAnswered' })).toEqual({
      next: consulting,
      steps: [{ kind: 'colleagueIn' }],
      notice: { type: 'consulting' },
    });
    expect(react(consulting, { type: 'colleagueAnswered' })).toBeUndefined();
  });

  it('completes only once the colleague answered: they have the call, the caller joins them', () => {
    expect(decide(ringing, { op: 'complete' })).toEqual({ refused: 'CALL_ERR_NOT_ANSWERED' });
    const o = decide(consulting, { op: 'complete' });
    expect(kinds(o)).toEqual(['transfer', 'colleagueTakesOver', 'callerIn']);
    expect(o).toMatchObject({ next: talking, notice: { type: 'transferred', mode: 'attended' } });
  });

  it('cancelling hangs the colleague up and brings the agent back with the caller', () => {
    for (const state of [ringing, consulting]) {
      const o = decide(state, { op: 'cancel' });
      expect(kinds(o)).toEqual(['hangupColleague', 'endConsult', 'callerIn']);
      expect(o).toMatchObject({ next: talking, notice: { type: 'consultEnded', reason: 'cancelled' } });
    }
  });

  it('the colleague hanging up or not answering leaves the caller on hold for the agent to resume', () => {
    for (const why of ['no-answer', 'colleague-hung-up'] as const) {
      const o = react(consulting, { type: 'colleagueGone', why });
      expect(kinds(o)).toEqual(['hangupColleague', 'endConsult']);
      expect(o).toMatchObject({ next: held, notice: { type: 'consultEnded', reason: why } });
    }
    expect(react(talking, { type: 'colleagueGone', why: 'no-answer' })).toBeUndefined();
  });

  it('the agent hanging up their phone after the colleague answered completes it; before, it ends the call', () => {
    expect(kinds(react(consulting, { type: 'agentGone' }))).toEqual(['transfer', 'colleagueTakesOver', 'callerIn']);
    expect(react(ringing, { type: 'agentGone' })).toEqual({ next: 'ended', steps: [{ kind: 'endCall' }] });
    expect(react(held, { type: 'agentGone' })).toEqual({ next: 'ended', steps: [{ kind: 'endCall' }] });
  });

  it('refuses hold, resume and another transfer while consulting; complete and cancel when not', () => {
    for (const op of ['hold', 'resume'] as const) expect(decide(consulting, { op })).toEqual({ refused: 'CALL_ERR_CONSULTING' });
    expect(decide(ringing, attended({ agent: 'hector' }))).toEqual({ refused: 'CALL_ERR_CONSULTING' });
    for (const op of ['complete', 'cancel'] as const) expect(decide(talking, { op })).toEqual({ refused: 'CALL_ERR_NOT_CONSULTING' });
  });
});

describe('the caller passed on blind', () => {
  const MENU: MenuSettings = { options: { '2': 'after-sales' }, defaultTeam: 'sales', replays: 2, digitTimeoutSeconds: 6, callbacks: true };
  const onCall: CallState = { phase: 'talking', team: 'after-sales' };

  it('to a colleague: hears ringback, waits in their own team (no wait limit) for the colleague', () => {
    expect(step(onCall, { type: 'transferred', to: { agent: 'gary' } }, MENU)).toEqual({
      state: { phase: 'queue', team: 'after-sales', via: 'transfer', audio: 'ringback', ringing: true, offerCallback: true },
      effects: [{ kind: 'ringback' }, { kind: 'enqueue', team: 'after-sales', keepWaiting: true }],
    });
  });

  it('to a team: hears "connecting you to..." and waits in that queue with no wait limit', () => {
    expect(step(onCall, { type: 'transferred', to: { team: 'technical' } }, MENU)).toEqual({
      state: { phase: 'queue', team: 'technical', via: 'transfer', audio: 'prompt', ringing: false, offerCallback: true },
      effects: [
        { kind: 'play', prompts: ['connecting-technical'], bargeIn: false },
        { kind: 'enqueue', team: 'technical', keepWaiting: true },
      ],
    });
  });

  it('when the colleague does not answer, hears the music and their place at once', () => {
    const waiting = step(onCall, { type: 'transferred', to: { agent: 'gary' } }, MENU).state;
    expect(step(waiting, { type: 'notRinging' }, MENU).effects).toEqual([
      { kind: 'stopPrompt' },
      { kind: 'hold' },
      { kind: 'announcePosition' },
    ]);
  });

  it('a caller who chose from the menu is not told at once (the periodic announcement comes)', () => {
    const queued: CallState = { phase: 'queue', team: 'sales', via: 'choice', audio: 'ringback', ringing: true };
    expect(step(queued, { type: 'notRinging' }, MENU).effects).toEqual([{ kind: 'stopPrompt' }, { kind: 'hold' }]);
  });
});
