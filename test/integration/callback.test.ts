/**
 * Callbacks on real Asterisk, sipp, Redis and PostgreSQL: a waiting caller presses 1 and is
 * called back in their place, agent first; a customer who does not answer is retried, then the
 * callback is marked failed; a caller out of hours types a number and is called back at opening.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, freeUdpBlock, OPEN_TIME, startTestRelais, type TestRelais } from '../support/relais.ts';
import {
  caller,
  customer,
  expectHeard,
  expectNothingLeft,
  promptMs,
  releasePeers,
  staffPhone,
  waitFor,
  expectCompleted,
} from '../support/calls.ts';
import type { Callback } from '../../callback/store.ts';
import { startFakeTwilio, type FakeTwilio } from '../support/fake-twilio.ts';
import { startFakeOsticket, type FakeOsticket } from '../../demo/fake-osticket.ts';
import { freshMariaDb, type FreshMariaDb } from '../support/mariadb.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleOf, expectDone, sleep, talkUntilBye } from '../support/call-control.ts';
import { expectHoldMusic, expectSilence, expectSpeech, heardBetween } from '../support/listening.ts';
import { startCapture } from '../support/rtp-capture.ts';

let t: TestRelais;
let customerPort: number;
let twilio: FakeTwilio;
let helpdeskDb: FreshMariaDb;
let helpdesk: FakeOsticket;

beforeAll(async () => {
  customerPort = await freeUdpBlock(2);
  twilio = await startFakeTwilio();
  helpdeskDb = await freshMariaDb();
  helpdesk = await startFakeOsticket({ database: { url: helpdeskDb.url } });
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'relais-twilio-')), 'token');
  writeFileSync(tokenFile, twilio.authToken);
  t = await startTestRelais({
    patch: (c) => {
      c.teams['after-sales'] = { ...c.teams['after-sales']!, wrapUpSeconds: 2, announceEverySeconds: 10 };
      c.callbacks = {
        ...c.callbacks!,
        dial: `sip:{number}@127.0.0.1:${customerPort}`,
        attempts: 2,
        retryAfterSeconds: 5,
        ringSeconds: 4,
        // Every request of this suite comes from 127.0.0.1.
        rateLimit: { perAddressPerHour: 100, perNumberPerDay: 3 },
        sms: { accountSid: twilio.accountSid, authToken: { file: tokenFile }, from: 'ISeedOr', apiBase: twilio.url },
      };
      c.customers = {
        ...c.customers,
        osticket: {
          url: helpdesk.url,
          apiKey: { env: 'RELAIS_OSTICKET_API_KEY' },
          database: { url: { env: 'RELAIS_OSTICKET_DATABASE_URL' } },
        },
      };
    },
    env: { RELAIS_OSTICKET_API_KEY: helpdesk.apiKey, RELAIS_OSTICKET_DATABASE_URL: helpdeskDb.url },
  });
});
afterEach(async () => {
  await releasePeers();
  t.setNow(OPEN_TIME);
});
afterAll(async () => {
  await t?.stop();
  await twilio?.close();
  await helpdesk?.close();
  await helpdeskDb?.drop();
});

const inQueue = () => promptMs(t, 'greeting') + 1000;
const callbacks = () => t.relais.callbacks!.list({ limit: 50 });
const callbackFor = async (number: string): Promise<Callback | undefined> => (await callbacks()).find((c) => c.number === number);

describe('a caller waiting presses 1', { timeout: 180_000 }, () => {
  it('their call ends; when their turn comes the agent is called first, then the customer, and they are bridged', async () => {
    // Long enough for the customer's phone to ring and the whole introduction to play.
    const eleonore = await staffPhone(t, 'eleonore', 300, [{ pause: promptMs(t, 'callback-intro') + 5000 }, { hangup: true }]);
    await t.relais.routing.setPresence('eleonore', 'paused', 'réunion');
    const first = await caller(t, [{ pause: inQueue() }, { dtmf: '2' }, { waitBye: true }], { from: '0611111111', timeoutMs: 120_000 });
    await waitFor('first in the queue', async () => (await t.relais.routing.teamSnapshot('after-sales')).waiting === 1, 20_000);
    const second = await caller(
      t,
      [{ pause: inQueue() }, { dtmf: '2' }, { pause: promptMs(t, 'connecting-after-sales') + 2000 }, { dtmf: '1' }, { waitBye: true }],
      { from: '0622222222' },
    );
    // The second caller's call ends with the confirmation; the callback keeps their place.
    expectCompleted(await second.done);
    expectHeard(second, 'callback-confirm', t);
    const booked = await callbackFor('+33622222222');
    expect(booked).toMatchObject({ team: 'after-sales', source: 'phone-queue', status: 'queued' });
    expect((await t.relais.routing.teamSnapshot('after-sales')).waiting).toBe(2);

    const called = await customer(customerPort, { answerAfterMs: 500 });
    await t.relais.routing.setPresence('eleonore', 'available');
    expectCompleted(await first.done);
    expectCompleted(await called.done);

    const toAgent = eleonore.received('INVITE');
    expect(toAgent.map((i) => i.from)).toEqual(['0611111111', '+33622222222']);
    const [toCustomer] = called.received('INVITE');
    // Agent first: the customer's phone rings only once the agent answered.
    expect(toCustomer!.at).toBeGreaterThan(toAgent[1]!.at);
    expect(toCustomer!.from).toBe(t.config.callbacks!.callerId);
    expectHeard(called, 'callback-intro', t);
    await waitFor('callback done', async () => (await callbackFor('+33622222222'))?.status === 'done');
    expect(await callbackFor('+33622222222')).toMatchObject({ attempts: 1, lastOutcome: 'answered', agent: 'eleonore' });
    await expectNothingLeft(t);
  });
});

describe('a customer who does not answer', { timeout: 180_000 }, () => {
  it('is called again after the retry delay, then the callback is marked failed and becomes a helpdesk ticket', async () => {
    await staffPhone(t, 'eleonore', 300);
    const called = await customer(customerPort, { answerAfterMs: null, calls: 2 });
    const res = await fetch(`http://127.0.0.1:${t.config.server.port}/api/callbacks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ number: '06 33 33 33 33', team: 'after-sales', name: 'Chloé Client', email: 'chloe@example.fr' }),
    });
    expect(res.status).toBe(201);
    // The customer is told by SMS (through Twilio's API) that they will be called back.
    await waitFor('confirmation SMS', () => twilio.messages.some((m) => m.to === '+33633333333'));
    expect(twilio.messages.find((m) => m.to === '+33633333333')).toMatchObject({
      from: 'ISeedOr',
      body: expect.stringMatching(/^ISeedOr vous rappelle vers \d+h\d\d\.$/),
    });
    await waitFor('callback failed', async () => (await callbackFor('+33633333333'))?.status === 'failed', 90_000);
    expect(await callbackFor('+33633333333')).toMatchObject({ attempts: 2, lastOutcome: 'no-answer', source: 'web', name: 'Chloé Client' });
    expectCompleted(await called.done);
    const invites = called.received('INVITE');
    expect(invites).toHaveLength(2);
    expect(invites[1]!.at - invites[0]!.at).toBeGreaterThanOrEqual(5000);

    // Someone follows it up: a ticket in the helpdesk, through its API.
    await waitFor('failure ticket', () => helpdesk.tickets.some((x) => x.phone === '+33633333333'));
    expect(helpdesk.tickets.find((x) => x.phone === '+33633333333')).toMatchObject({
      name: 'Chloé Client',
      email: 'chloe@example.fr',
      subject: 'Rappel impossible : +33633333333',
      message: expect.stringContaining('2 tentative(s) sans succès ; dernier résultat : pas de réponse.'),
    });
    // Both attempts are on the customer's timeline, with the ticket; the form's email joined her number.
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    const base = `http://127.0.0.1:${t.config.server.port}/api/customers`;
    const [chloe] = await (await fetch(`${base}?q=chloe@example.fr`, { headers: auth })).json();
    expect(chloe).toMatchObject({ name: 'Chloé Client', phones: ['+33633333333'], emails: ['chloe@example.fr'] });
    await waitFor('second attempt on the timeline', async () => {
      const { entries } = await (await fetch(`${base}/${chloe.id}/timeline`, { headers: auth })).json();
      return entries.filter((e: { outcome: string | null }) => e.outcome === 'no-answer').length === 2;
    });
    const { entries } = await (await fetch(`${base}/${chloe.id}/timeline`, { headers: auth })).json();
    expect(entries.map((e: { channel: string; direction: string; agent: string }) => [e.channel, e.direction, e.agent])).toEqual([
      ['callback', 'outbound', 'eleonore'],
      ['callback', 'outbound', 'eleonore'],
    ]);
    await waitFor('ticket linked', async () => {
      const { entries: now } = await (await fetch(`${base}/${chloe.id}/timeline`, { headers: auth })).json();
      return Boolean(now[1].links.ticket);
    });
    await expectNothingLeft(t);
  });
});

describe('out of hours', { timeout: 180_000 }, () => {
  it('the caller types a number after the closed message, and is called back at the next opening', async () => {
    // A Tuesday, a little before 9:00.
    t.setNow(new Date('2026-11-24T08:59:20+01:00'));
    await staffPhone(t, 'denis', 300, [{ pause: 1000 }, { hangup: true }]);
    const c = await caller(t, [
      { pause: promptMs(t, 'closed') - 1000 },
      { dtmf: '1' },
      { pause: 1500 },
      { dtmf: '2' },
      { pause: 1500 },
      { dtmf: '0644444444#' },
      { waitBye: true },
    ]);
    expectCompleted(await c.done);
    expectHeard(c, 'callback-confirm-opening', t);
    const booked = await callbackFor('+33644444444');
    expect(booked).toMatchObject({ team: t.config.menu.defaultTeam, source: 'phone-closed', status: 'scheduled' });
    expect(booked!.dueAt).toBe(Date.parse('2026-11-24T09:00:00+01:00'));
    await waitFor('confirmation SMS', () => twilio.messages.some((m) => m.to === '+33644444444'));
    expect(twilio.messages.find((m) => m.to === '+33644444444')!.body).toBe('ISeedOr vous rappelle vers 9h00.');

    const called = await customer(customerPort, { answerAfterMs: 300 });
    expectCompleted(await called.done);
    // Not before the opening, by Relais' clock.
    const placedAt = t.now().getTime() - (Date.now() - called.received('INVITE')[0]!.at);
    expect(placedAt).toBeGreaterThanOrEqual(Date.parse('2026-11-24T09:00:00+01:00'));
    await waitFor('callback done', async () => (await callbackFor('+33644444444'))?.status === 'done');
    await expectNothingLeft(t);
  });
});

describe('an agent talking with a customer called back', { timeout: 180_000 }, () => {
  it('holds them from the console (music for the customer, silence for the agent), resumes and hangs up; no transfer', async () => {
    const eleonore = await staffPhone(t, 'eleonore', 300, talkUntilBye());
    const toAgent = await startCapture({ ports: [eleonore.mediaPort] });
    const called = await customer(customerPort, { answerAfterMs: 500, steps: talkUntilBye(), timeoutMs: 150_000 });
    const asked = await fetch(`http://127.0.0.1:${t.config.server.port}/api/callbacks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ number: '0677777777', team: 'after-sales' }),
    });
    expect(asked.status).toBe(201);
    const agent = consoleOf(t, 'eleonore');
    const call = await agent.call('the callback connected', 60_000);
    expect(call).toMatchObject({
      channel: 'callback',
      agent: 'eleonore',
      team: 'after-sales',
      state: 'talking',
      customer: { number: '+33677777777' },
    });
    await sleep(promptMs(t, 'callback-intro') + 500);

    const held = await agent.hold(call.id);
    expectDone(held);
    expect(held.body.call).toMatchObject({ state: 'held' });
    const heldAt = Date.now();
    await sleep(4500);
    expectDone(await agent.resume(call.id));
    const resumedAt = Date.now();
    await sleep(3500);
    const transfer = await agent.transfer(call.id, { team: 'technical' });
    expect([transfer.status, transfer.body.error?.details?.reason]).toEqual([422, 'CALL_ERR_UNSUPPORTED']);
    expectDone(await agent.hangup(call.id));
    expect((await called.done).code).toBe(0);
    await waitFor("eleonore's leg hung up", () => eleonore.messages().some((m) => m.startsWith('<BYE')), 5000);
    await toAgent.stop();

    expectHoldMusic(heardBetween(called.capture, called.mediaPort, heldAt + 700, heldAt + 3700), 'the customer, held');
    expectSilence(heardBetween(toAgent, eleonore.mediaPort, heldAt + 500, resumedAt - 200), 'the agent, customer held');
    expectSpeech(heardBetween(called.capture, called.mediaPort, resumedAt + 500, resumedAt + 3000), 'the customer, resumed');
    expectSpeech(heardBetween(toAgent, eleonore.mediaPort, resumedAt + 500, resumedAt + 3000), 'the agent, resumed');
    await waitFor('callback done', async () => (await callbackFor('+33677777777'))?.status === 'done');
    await expectNothingLeft(t);
  });
});

describe('POST /api/callbacks with bad input', () => {
  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`http://127.0.0.1:${t.config.server.port}/api/callbacks`, { method: 'POST', headers, body });
  const cases: [string, string, number][] = [
    ['a number that is no number', JSON.stringify({ number: 'appelez-moi', team: 'sales' }), 422],
    ['a number too short to exist', JSON.stringify({ number: '0612', team: 'sales' }), 422],
    ['a premium-rate number', JSON.stringify({ number: '0899123456', team: 'sales' }), 422],
    ['a country not called back', JSON.stringify({ number: '+1 212 555 0100', team: 'sales' }), 422],
    ['an unknown team', JSON.stringify({ number: '0612345678', team: 'compta' }), 400],
    ['wrong types', JSON.stringify({ number: 612345678, team: ['sales'] }), 400],
    ['an unknown field', JSON.stringify({ number: '0612345678', team: 'sales', admin: true }), 400],
    ['a bad preferred time', JSON.stringify({ number: '0612345678', team: 'sales', preferredAt: 'demain matin' }), 400],
    ['broken JSON', '{"number": "06', 400],
    ['a huge body', JSON.stringify({ number: '0612345678', team: 'sales', name: 'x'.repeat(100_000) }), 413],
  ];
  for (const [what, body, status] of cases) {
    it(`${what}: ${status} with a reason, and nothing created`, async () => {
      const before = (await callbacks()).length;
      const res = await post(body);
      expect(res.status).toBe(status);
      const answer = (await res.json()) as { error: { code: string; message: string } };
      expect(answer.error.message.length).toBeGreaterThan(0);
      expect((await callbacks()).length).toBe(before);
    });
  }

  it('the same number twice merges into one callback; a fourth request the same day is refused', async () => {
    const body = JSON.stringify({ number: '+33 6 55 55 55 55', team: 'technical', email: 'client@example.fr' });
    const first = await post(body);
    expect(first.status).toBe(201);
    const again = await post(JSON.stringify({ number: '0655555555', team: 'technical' }));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: ((await first.json()) as { id: string }).id, merged: true });
    expect((await callbacks()).filter((c) => c.number === '+33655555555')).toHaveLength(1);
    await post(body);
    const limited = await post(body);
    expect(limited.status).toBe(429);
    for (const c of await callbacks()) await t.relais.callbacks!.cancel(c.id);
  });

  it('staff list and cancel callbacks with the token; without it, nothing', async () => {
    const url = `http://127.0.0.1:${t.config.server.port}/api/callbacks`;
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    const { id } = (await (await post(JSON.stringify({ number: '0666666666', team: 'sales' }))).json()) as { id: string };
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(`${url}/${id}`, { method: 'DELETE' })).status).toBe(401);
    const listed = (await (await fetch(`${url}?team=sales`, { headers: auth })).json()) as Callback[];
    expect(listed.find((c) => c.id === id)).toMatchObject({ number: '+33666666666', source: 'web' });
    const cancelled = await fetch(`${url}/${id}`, { method: 'DELETE', headers: auth });
    expect(await cancelled.json()).toMatchObject({ id, status: 'cancelled' });
    expect((await fetch(`${url}/${id}`, { method: 'DELETE', headers: auth })).status).toBe(409);
    expect((await t.relais.routing.teamSnapshot('sales')).waiting).toBe(0);
  });
});
