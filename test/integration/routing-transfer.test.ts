/**
 * Passing an interaction on, in the routing core on the real Redis: blind to a colleague (offered
 * to them alone, back to its place when they do not take it), to a team's queue (at its place
 * there), and attended (the consulted colleague's slot held, then the interaction theirs). Refusals
 * change nothing. Same harness as routing-core.test.ts: a key prefix per test, a clock moved by hand.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RoutingError } from '../../routing/errors.ts';
import type { RoutingCore } from '../../routing/core.ts';
import { Harness, routingVerbs, settings, T0 } from '../support/routing-harness.ts';

let h: Harness;
beforeEach(async () => {
  h = new Harness();
  await h.listen();
});
afterEach(async () => {
  await h.close();
});

const { call, login, ringing, offeredTo, answer, expire } = routingVerbs(() => h);

/** Alice has the call `id` (first queued at T0, in sales); the others are as the test sets them. */
async function aliceTalking(core: RoutingCore, id = 'x'): Promise<void> {
  await login(core, 'alice');
  await call(core, id);
  expect(await answer(core, 'alice')).toBe(id);
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (err: unknown) => (err instanceof RoutingError ? err.code : `unexpected: ${(err as Error).message}`),
  );

describe('a blind transfer to a colleague', () => {
  it('offers the call to them alone for the ring time; the first agent wraps up at once; the colleague who answers has it', async () => {
    const core = h.process();
    await aliceTalking(core);
    await login(core, 'bob');
    h.advance(30);
    const ix = await core.transfer('x', 'alice', { agent: 'bob' });

    expect(ix).toMatchObject({ state: 'offered', team: 'sales', enqueuedAt: T0, agent: undefined });
    expect(ix.offer).toMatchObject({ agents: ['bob'], expiresAt: h.clock() + 20_000 });
    expect(await core.agent('alice')).toMatchObject({ presence: 'wrapup', wrapUntil: h.clock() + 10_000, active: { call: 0 } });
    expect(await h.event('transferred', (e) => e.interaction.id === 'x', 'the transfer published')).toMatchObject({
      from: 'alice',
      to: { agent: 'bob' },
      mode: 'blind',
    });
    await h.event('offer', (e) => e.interaction.id === 'x' && e.offer.agents[0] === 'bob', "bob's phone rings");

    await answer(core, 'bob');
    expect(await core.interaction('x')).toMatchObject({ state: 'assigned', agent: 'bob', acceptedAt: h.clock() });
    expect(await core.agent('bob')).toMatchObject({ active: { call: 1 } });
    expect(await h.steps('x')).toEqual(['queued', 'offered', 'accepted', 'transferred', 'offered', 'accepted']);
    expect((await h.journal()).find((r) => r.step === 'transferred')).toMatchObject({ agent: 'alice' });
  });

  it('puts the call back at its place in its team queue when the colleague does not answer in time, or declines', async () => {
    const core = h.process(settings({ sales: { wrapUpSeconds: 60 } }));
    for (const a of ['bob', 'carol']) await core.setPresence(a, 'paused', 'meeting');
    await aliceTalking(core, 'first');
    h.advance(5);
    await call(core, 'second'); // waits behind: nobody of sales is free
    await login(core, 'dave');
    await core.transfer('first', 'alice', { agent: 'dave' });

    await expire(core, 20);
    expect(await core.interaction('first')).toMatchObject({ state: 'queued', team: 'sales', enqueuedAt: T0 });
    expect(await core.position('first')).toMatchObject({ position: 1 });
    expect(await core.position('second')).toMatchObject({ position: 2 });
    expect(await core.agent('dave')).toMatchObject({ missed: 1, offered: [] });
    expect(await h.steps('first')).toEqual(['queued', 'offered', 'accepted', 'transferred', 'offered', 'missed']);

    // Alice's wrap-up over, she is offered it before the caller who came later.
    await expire(core, 40);
    expect(await offeredTo(core, 'first')).toEqual(['alice']);
    expect(await offeredTo(core, 'second')).toEqual([]);
  });

  it('a declined transfer goes back the same way, without counting a miss', async () => {
    const core = h.process(settings({ sales: { wrapUpSeconds: 60 } }));
    await aliceTalking(core);
    await login(core, 'dave');
    const offer = (await core.transfer('x', 'alice', { agent: 'dave' })).offer!;
    await core.decline('x', 'dave', offer.id, 'declined');
    expect(await core.interaction('x')).toMatchObject({ state: 'queued', enqueuedAt: T0 });
    expect(await core.agent('dave')).toMatchObject({ missed: 0, offered: [] });
  });

  it.each([
    ['not logged in', async (_: RoutingCore) => undefined, 'ROUTING_ERR_AGENT_UNAVAILABLE'],
    ['paused', (c: RoutingCore) => c.setPresence('bob', 'paused', 'lunch'), 'ROUTING_ERR_AGENT_UNAVAILABLE'],
    [
      'wrapping up',
      (c: RoutingCore) =>
        login(c, 'bob')
          .then(() => call(c, 'y'))
          .then(() => answer(c, 'bob'))
          .then(() => c.finish('y')),
      'ROUTING_ERR_AGENT_UNAVAILABLE',
    ],
    [
      'on another call',
      (c: RoutingCore) =>
        login(c, 'bob')
          .then(() => call(c, 'y'))
          .then(() => answer(c, 'bob')),
      'ROUTING_ERR_AGENT_UNAVAILABLE',
    ],
    ['ringing for another call', (c: RoutingCore) => login(c, 'bob').then(() => call(c, 'y')), 'ROUTING_ERR_AGENT_UNAVAILABLE'],
  ])('is refused when the colleague is %s, and nothing changes', async (_, arrange, code) => {
    const core = h.process();
    await aliceTalking(core);
    await arrange(core);
    const before = await h.steps('x');
    expect(await refusal(core.transfer('x', 'alice', { agent: 'bob' }))).toBe(code);
    expect(await core.interaction('x')).toMatchObject({ state: 'assigned', agent: 'alice' });
    expect(await core.agent('alice')).toMatchObject({ presence: 'available', active: { call: 1 } });
    expect(await h.steps('x')).toEqual(before);
  });

  it('is refused to someone who does not have the call, to themselves, to an unknown agent, and for a call still waiting', async () => {
    const core = h.process();
    await aliceTalking(core);
    await login(core, 'bob');
    expect(await refusal(core.transfer('x', 'bob', { agent: 'carol' }))).toBe('ROUTING_ERR_NOT_HOLDER');
    expect(await refusal(core.transfer('x', 'alice', { agent: 'alice' }))).toBe('ROUTING_ERR_SAME_AGENT');
    expect(await refusal(core.transfer('x', 'alice', { agent: 'zoe' }))).toBe('ROUTING_ERR_UNKNOWN_AGENT');
    await core.setPresence('bob', 'paused');
    await call(core, 'waiting');
    expect(await refusal(core.transfer('waiting', 'alice', { agent: 'carol' }))).toBe('ROUTING_ERR_NOT_HOLDER');
    expect(await refusal(core.transfer('gone', 'alice', { agent: 'carol' }))).toBe('ROUTING_ERR_NOT_HOLDER');
    expect(await core.interaction('x')).toMatchObject({ state: 'assigned', agent: 'alice' });
  });
});

describe('a blind transfer to a team', () => {
  it('queues the call in that team at its first place, priority kept, ahead of those who came later', async () => {
    const core = h.process();
    for (const a of ['carol', 'dave', 'erin']) await core.setPresence(a, 'paused', 'meeting'); // logged in, taking none
    await aliceTalking(core);
    h.advance(5);
    await call(core, 'later', { team: 'technical' });
    h.advance(60);
    const ix = await core.transfer('x', 'alice', { team: 'technical' });

    expect(ix).toMatchObject({ state: 'queued', team: 'technical', enqueuedAt: T0, priority: 'normal', agent: undefined });
    expect(await core.position('x')).toMatchObject({ position: 1 });
    expect(await core.position('later')).toMatchObject({ position: 2 });
    expect(await core.agent('alice')).toMatchObject({ presence: 'wrapup', active: { call: 0 } });
    expect((await h.journal()).filter((r) => r.interaction === 'x').map((r) => r.step)).toEqual([
      'queued',
      'offered',
      'accepted',
      'transferred',
    ]);
    expect((await h.journal()).find((r) => r.step === 'transferred')).toMatchObject({
      agent: 'alice',
      data: { from: 'alice', to: { team: 'technical' }, mode: 'blind' },
    });

    await login(core, 'dave');
    expect(await offeredTo(core, 'x')).toEqual(['dave']);
  });

  it('keeps a premium customer ahead in the new team', async () => {
    const core = h.process();
    await core.setPresence('dave', 'paused');
    await login(core, 'alice');
    await call(core, 'premium', { priority: 'premium' });
    await answer(core, 'alice');
    h.advance(-60); // a normal call that came earlier than the premium one
    await call(core, 'earlier', { team: 'technical' });
    await core.transfer('premium', 'alice', { team: 'technical' });
    expect(await core.position('premium')).toMatchObject({ position: 1 });
    expect(await core.position('earlier')).toMatchObject({ position: 2 });
  });

  it('to their own team, offers it to a colleague first rather than straight back to the agent who let it go', async () => {
    const core = h.process(settings({ sales: { wrapUpSeconds: 0 } }));
    await aliceTalking(core);
    await login(core, 'bob');
    await core.transfer('x', 'alice', { team: 'sales' });
    expect(await offeredTo(core, 'x')).toEqual(['bob']);
    expect(await ringing(core, 'alice')).toBeUndefined();
  });

  it('is refused when nobody of the team is logged in, or for an unknown team', async () => {
    const core = h.process();
    await aliceTalking(core);
    expect(await refusal(core.transfer('x', 'alice', { team: 'technical' }))).toBe('ROUTING_ERR_NOBODY_LOGGED_IN');
    expect(await refusal(core.transfer('x', 'alice', { team: 'legal' }))).toBe('ROUTING_ERR_UNKNOWN_TEAM');
    expect(await core.interaction('x')).toMatchObject({ state: 'assigned', agent: 'alice' });
  });
});

describe('an attended transfer', () => {
  it("holds the consulted colleague's slot (nothing else rings for them), then makes the call theirs", async () => {
    const core = h.process();
    await core.setPresence('carol', 'paused');
    await aliceTalking(core);
    await login(core, 'bob');
    await core.consult('x', 'alice', 'bob');
    expect(await core.interaction('x')).toMatchObject({ state: 'assigned', agent: 'alice', consult: { agent: 'bob', since: h.clock() } });
    expect(await core.agent('bob')).toMatchObject({ presence: 'available', active: { call: 1 } });
    await call(core, 'meanwhile');
    expect(await offeredTo(core, 'meanwhile')).toEqual([]);

    h.advance(20);
    const ix = await core.transfer('x', 'alice', { agent: 'bob' });
    expect(ix).toMatchObject({ state: 'assigned', agent: 'bob', acceptedAt: h.clock(), consult: undefined });
    expect(await core.agent('bob')).toMatchObject({ active: { call: 1 } });
    expect(await core.agent('alice')).toMatchObject({ presence: 'wrapup', active: { call: 0 } });
    expect(await h.steps('x')).toEqual(['queued', 'offered', 'accepted', 'consulted', 'transferred']);
    expect((await h.journal()).find((r) => r.step === 'transferred')).toMatchObject({ data: { to: { agent: 'bob' }, mode: 'attended' } });
    await h.event('assigned', (e) => e.interaction.id === 'x' && e.agent === 'bob', 'bob has the call');

    // Bob's call ends: he wraps up, as after any call.
    await core.finish('x');
    expect(await core.agent('bob')).toMatchObject({ presence: 'wrapup', active: { call: 0 } });
  });

  it('frees the colleague without wrap-up when the consultation ends, and offers them what waits', async () => {
    const core = h.process();
    await core.setPresence('carol', 'paused');
    await aliceTalking(core);
    await login(core, 'bob');
    await core.consult('x', 'alice', 'bob');
    await call(core, 'meanwhile');
    h.advance(15);
    await core.endConsult('x');
    const ix = await core.interaction('x');
    expect(ix).toMatchObject({ agent: 'alice' });
    expect(ix?.consult).toBeUndefined();
    expect(await core.agent('bob')).toMatchObject({ presence: 'available', idleSince: h.clock(), active: { call: 0 } });
    expect(await offeredTo(core, 'meanwhile')).toEqual(['bob']);
    await core.endConsult('x'); // already over: nothing
  });

  it('refuses a second consultation, and any other transfer, while one is in progress', async () => {
    const core = h.process();
    await aliceTalking(core);
    await login(core, 'bob', 'dave');
    await core.consult('x', 'alice', 'bob');
    expect(await refusal(core.consult('x', 'alice', 'dave'))).toBe('ROUTING_ERR_CONSULTING');
    expect(await refusal(core.transfer('x', 'alice', { agent: 'dave' }))).toBe('ROUTING_ERR_CONSULTING');
    expect(await refusal(core.transfer('x', 'alice', { team: 'technical' }))).toBe('ROUTING_ERR_CONSULTING');
    expect(await refusal(core.consult('x', 'bob', 'dave'))).toBe('ROUTING_ERR_NOT_HOLDER');
    expect(await core.interaction('x')).toMatchObject({ agent: 'alice', consult: { agent: 'bob' } });
  });

  it('refuses to consult a colleague who is not free', async () => {
    const core = h.process();
    await aliceTalking(core);
    await core.setPresence('bob', 'paused');
    expect(await refusal(core.consult('x', 'alice', 'bob'))).toBe('ROUTING_ERR_AGENT_UNAVAILABLE');
    expect(await refusal(core.consult('x', 'alice', 'alice'))).toBe('ROUTING_ERR_SAME_AGENT');
    expect(await core.agent('bob')).toMatchObject({ active: {} });
  });

  it('frees both when the customer hangs up during the consultation', async () => {
    const core = h.process();
    await core.setPresence('carol', 'paused');
    await aliceTalking(core);
    await login(core, 'bob');
    await core.consult('x', 'alice', 'bob');
    await call(core, 'meanwhile');
    await core.finish('x');
    expect(await core.interaction('x')).toBeUndefined();
    expect(await core.agent('alice')).toMatchObject({ presence: 'wrapup', active: { call: 0 } });
    expect(await core.agent('bob')).toMatchObject({ active: { call: 0 } });
    expect(await offeredTo(core, 'meanwhile')).toEqual(['bob']);
  });
});
