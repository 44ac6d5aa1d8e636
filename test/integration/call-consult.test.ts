/**
 * Attended transfer from the console on real Asterisk and sipp: the agent consults a colleague
 * (the caller on hold music, agent and colleague talking), then completes or cancels; a colleague
 * who does not answer, a caller who hangs up meanwhile. Requests that must be refused change
 * nothing; a request that reaches a standby Relais process is carried out by the owner.
 */
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, freeTcpPort, startTestRelais, type TestRelais } from '../support/relais.ts';
import { caller, expectNothingLeft, promptMs, releasePeers, staffPhone, waitFor } from '../support/calls.ts';
import { consoleOf, expectDone, listenToNotices, sleep, talkUntilBye } from '../support/call-control.ts';
import { speechLoopPcap } from '../support/speech-pcap.ts';
import { expectHoldMusic, expectSpeech, heardBetween } from '../support/listening.ts';
import { startRelais } from '../../server/relais.ts';

let t: TestRelais;
let notices: Awaited<ReturnType<typeof listenToNotices>>;

beforeAll(async () => {
  t = await startTestRelais({
    patch: (c) => {
      c.teams['after-sales'] = { ...c.teams['after-sales']!, ringSeconds: 4, wrapUpSeconds: 60, maxWaitSeconds: 600 };
    },
  });
  notices = await listenToNotices(t);
});
afterEach(releasePeers);
afterAll(async () => {
  notices?.stop();
  await t?.stop();
});

const inQueue = () => promptMs(t, 'greeting') + 1000;

/** Eleonore talking with a caller, gary's phone registered (answering after `garyAnswersMs`, or never). */
async function eleonoreOnACall(garyAnswersMs: number | null) {
  const eleonore = await staffPhone(t, 'eleonore', 300, talkUntilBye());
  const gary = await staffPhone(t, 'gary', garyAnswersMs, talkUntilBye());
  const c = await caller(t, [{ pause: inQueue() }, { dtmf: '2' }, ...talkUntilBye()], {
    alsoCapture: [eleonore.mediaPort, gary.mediaPort],
    timeoutMs: 150_000,
  });
  const call = await consoleOf(t, 'eleonore').call();
  return { eleonore, gary, c, call, agent: consoleOf(t, 'eleonore') };
}

/** Waits until gary answered the consultation; returns when. */
async function garyAnswered(agent: ReturnType<typeof consoleOf>): Promise<number> {
  await waitFor('gary answered', async () => (await agent.mine())[0]?.colleague?.answered === true, 15_000);
  return Date.now();
}

describe('an attended transfer', { timeout: 150_000 }, () => {
  it('the caller holds with music while agent and colleague talk; completed, the caller is with the colleague', async () => {
    const { eleonore, gary, c, call, agent } = await eleonoreOnACall(500);
    const asked = Date.now();
    const r = await agent.transfer(call.id, { agent: 'gary' }, 'attended');
    const consultMs = Date.now() - asked;
    expectDone(r);
    expect(r.body.call).toMatchObject({ state: 'consulting', colleague: { agent: 'gary', answered: false } });
    const consulting = await garyAnswered(agent);
    // Gary sees the consultation among his calls, and is busy for the routing core.
    expect(await consoleOf(t, 'gary').mine()).toMatchObject([{ id: call.id, agent: 'eleonore', colleague: { agent: 'gary' } }]);
    expect(await t.relais.routing.agent('gary')).toMatchObject({ active: { call: 1 } });
    await sleep(4500);

    const completing = Date.now();
    const completed = await agent.complete(call.id);
    const completeMs = Date.now() - completing;
    expectDone(completed);
    expect(completed.body.call).toBeNull();
    const handedOver = Date.now();
    await waitFor("eleonore's leg hung up", () => eleonore.messages().some((m) => m.startsWith('<BYE')), 5000);
    expect(await consoleOf(t, 'gary').mine()).toMatchObject([{ id: call.id, agent: 'gary', state: 'talking' }]);
    expect(await t.relais.routing.interaction(call.id)).toMatchObject({ agent: 'gary', state: 'assigned' });
    expect(await t.relais.routing.agent('eleonore')).toMatchObject({ presence: 'wrapup', active: { call: 0 } });
    await sleep(4000);
    expectDone(await consoleOf(t, 'gary').hangup(call.id));
    expect((await c.done).code).toBe(0);

    const garyAnswer = gary.received('ACK')[0]!.at;
    const first = (port: number, after: number) =>
      c.capture.packets().find((p) => p.dstPort === port && p.time * 1000 >= after)!.time * 1000;
    console.info(
      `attended transfer: consult request ${consultMs} ms, its INVITE at gary ${gary.received('INVITE')[0]!.at - asked} ms after the request; ` +
        `gary's answer → first audio to gary ${Math.round(first(gary.mediaPort, garyAnswer) - garyAnswer)} ms; complete request ${completeMs} ms`,
    );
    const window = (port: number, from: number) => heardBetween(c.capture, port, from, from + 3500);
    expectHoldMusic(window(c.mediaPort, consulting + 500), 'the caller, during the consultation');
    expectSpeech(window(eleonore.mediaPort, consulting + 500), 'eleonore, consulting gary');
    expectSpeech(window(gary.mediaPort, consulting + 500), 'gary, consulted');
    expectSpeech(window(c.mediaPort, handedOver + 300), 'the caller, with gary');
    expectSpeech(window(gary.mediaPort, handedOver + 300), 'gary, with the caller');
    expect(notices.types(call.id)).toEqual(['connected', 'consulting', 'consulting', 'transferred', 'ended']);
    expect(notices.notices.find((n) => n.type === 'transferred')).toMatchObject({
      from: 'eleonore',
      mode: 'attended',
      call: { agent: 'gary' },
    });
    await expectNothingLeft(t);
  });

  it('cancelled, the colleague hangs up and the agent is back with the caller', async () => {
    const { gary, c, call, agent, eleonore } = await eleonoreOnACall(500);
    expectDone(await agent.transfer(call.id, { agent: 'gary' }, 'attended'));
    await garyAnswered(agent);
    await sleep(1500);
    const cancelled = await agent.cancel(call.id);
    expectDone(cancelled);
    expect(cancelled.body.call).toMatchObject({ agent: 'eleonore', state: 'talking' });
    expect(cancelled.body.call?.colleague).toBeUndefined();
    const back = Date.now();
    await waitFor("gary's leg hung up", () => gary.messages().some((m) => m.startsWith('<BYE')), 5000);
    expect(await t.relais.routing.agent('gary')).toMatchObject({ presence: 'available', active: { call: 0 } });
    await sleep(4000);
    expectDone(await agent.hangup(call.id));
    expect((await c.done).code).toBe(0);

    expectSpeech(heardBetween(c.capture, c.mediaPort, back + 500, back + 3500), 'the caller, back with eleonore');
    expectSpeech(heardBetween(c.capture, eleonore.mediaPort, back + 500, back + 3500), 'eleonore, back with the caller');
    expect(notices.notices.find((n) => n.type === 'consultEnded')).toMatchObject({ reason: 'cancelled', call: { id: call.id } });
    await expectNothingLeft(t);
  });

  it('a colleague who does not answer leaves the caller on hold until the agent resumes', async () => {
    const { c, call, agent } = await eleonoreOnACall(null);
    expectDone(await agent.transfer(call.id, { agent: 'gary' }, 'attended'));
    await waitFor('the consultation ended', async () => (await agent.mine())[0]?.state === 'held', 15_000);
    expect(notices.notices.filter((n) => n.type === 'consultEnded').at(-1)).toMatchObject({ reason: 'no-answer', call: { id: call.id } });
    expect(await t.relais.routing.agent('gary')).toMatchObject({ active: { call: 0 } });
    const stillHeld = Date.now();
    await sleep(3500);
    expectDone(await agent.resume(call.id));
    expectDone(await agent.hangup(call.id));
    expect((await c.done).code).toBe(0);
    expectHoldMusic(heardBetween(c.capture, c.mediaPort, stillHeld, stillHeld + 3000), 'the caller, after the colleague did not answer');
    await expectNothingLeft(t);
  });

  it("the agent hanging up their phone once the colleague answered passes them the call, as a desk phone's transfer does", async () => {
    // Eleonore's phone hangs up 8 s after answering: by then gary answered the consultation.
    const eleonore = await staffPhone(t, 'eleonore', 300, [{ play: speechLoopPcap(2) }, { pause: 8000 }, { hangup: true }]);
    const gary = await staffPhone(t, 'gary', 500, talkUntilBye());
    const c = await caller(t, [{ pause: inQueue() }, { dtmf: '2' }, ...talkUntilBye()], {
      alsoCapture: [gary.mediaPort],
      timeoutMs: 150_000,
    });
    const agent = consoleOf(t, 'eleonore');
    const call = await agent.call();
    expectDone(await agent.transfer(call.id, { agent: 'gary' }, 'attended'));
    await garyAnswered(agent);
    const withGary = await consoleOf(t, 'gary').call('gary has the call', 15_000);
    const handedOver = Date.now();
    expect(withGary).toMatchObject({ id: call.id, agent: 'gary', state: 'talking' });
    expect(eleonore.messages().filter((m) => m.startsWith('>BYE'))).toHaveLength(1);
    await sleep(3500);
    expectDone(await consoleOf(t, 'gary').hangup(call.id));
    expect((await c.done).code).toBe(0);
    expectSpeech(heardBetween(c.capture, c.mediaPort, handedOver + 300, handedOver + 3300), 'the caller, with gary');
    expect(notices.notices.find((n) => n.type === 'transferred' && n.call.id === call.id)).toMatchObject({
      mode: 'attended',
      from: 'eleonore',
    });
    await expectNothingLeft(t);
  });

  it('a caller who hangs up during the consultation ends every leg; both agents are free of it', async () => {
    const { call, agent, gary, eleonore } = await eleonoreOnACall(500);
    expectDone(await agent.transfer(call.id, { agent: 'gary' }, 'attended'));
    await garyAnswered(agent);
    await t.ari.hangup(call.id); // as the caller hanging up
    await waitFor('both agents hung up', () => [gary, eleonore].every((p) => p.messages().some((m) => m.startsWith('<BYE'))), 5000);
    await expectNothingLeft(t);
    // The routing core hears of it in its turn (behind its lock), soon after the phones.
    await waitFor('the routing core finished the call', async () => (await t.relais.routing.interaction(call.id)) === undefined, 3000);
    expect(await t.relais.routing.agent('eleonore')).toMatchObject({ presence: 'wrapup', active: { call: 0 } });
    expect(await t.relais.routing.agent('gary')).toMatchObject({ presence: 'available', active: { call: 0 } });
    expect(notices.notices.find((n) => n.type === 'ended' && n.callId === call.id)).toMatchObject({ agent: 'eleonore', colleague: 'gary' });
  });
});

describe('requests that must be refused', { timeout: 150_000 }, () => {
  it('say why, with a 4xx, and change nothing', async () => {
    const { c, call, agent, eleonore } = await eleonoreOnACall(500);
    await t.relais.routing.setPresence('gary', 'paused', 'déjeuner');
    const reason = (r: Awaited<ReturnType<typeof agent.hold>>) => [r.status, r.body.error?.code, r.body.error?.details?.reason];

    expect(reason(await consoleOf(t, 'gary').hold(call.id))).toEqual([403, 'API_ERR_FORBIDDEN', 'CALL_ERR_NOT_YOURS']);
    expect(reason(await agent.transfer(call.id, { agent: 'nobody' }))).toEqual([422, 'API_ERR_UNPROCESSABLE', 'CALL_ERR_UNKNOWN_TARGET']);
    expect(reason(await agent.transfer(call.id, { team: 'legal' }))).toEqual([422, 'API_ERR_UNPROCESSABLE', 'CALL_ERR_UNKNOWN_TARGET']);
    const busy = await agent.transfer(call.id, { agent: 'gary' });
    expect(reason(busy)).toEqual([409, 'API_ERR_CONFLICT', 'CALL_ERR_TARGET_UNAVAILABLE']);
    expect(busy.body.error?.message).toBe('gary is not free for a call (paused: déjeuner)');
    expect(reason(await agent.transfer(call.id, { agent: 'gary' }, 'attended'))).toEqual([
      409,
      'API_ERR_CONFLICT',
      'CALL_ERR_TARGET_UNAVAILABLE',
    ]);
    // Denis, all of sales, is not logged in (a paused team is: its callers wait, as any).
    expect(reason(await agent.transfer(call.id, { team: 'sales' }))).toEqual([409, 'API_ERR_CONFLICT', 'CALL_ERR_NOBODY_IN_TEAM']);
    expect(reason(await agent.transfer(call.id, { team: 'technical' }, 'attended'))).toEqual([
      422,
      'API_ERR_UNPROCESSABLE',
      'CALL_ERR_ATTENDED_TO_TEAM',
    ]);
    expect(reason(await agent.transfer(call.id, { agent: 'eleonore' }))).toEqual([422, 'API_ERR_UNPROCESSABLE', 'CALL_ERR_SELF']);
    expect(reason(await agent.complete(call.id))).toEqual([409, 'API_ERR_CONFLICT', 'CALL_ERR_NOT_CONSULTING']);
    expect(reason(await agent.hold('1234.5678'))).toEqual([404, 'API_ERR_NOT_FOUND', 'CALL_ERR_NOT_FOUND']);
    expect((await consoleOf(t, 'zoe').hold(call.id)).status).toBe(400);
    const bad = await t.relais.http.inject({
      method: 'POST',
      url: `/api/calls/${call.id}/transfer`,
      headers: { authorization: `Bearer ${API_TOKEN}`, 'x-relais-agent': 'eleonore' },
      payload: { to: { agent: 'gary' }, mode: 'sideways' },
    });
    expect(bad.statusCode).toBe(400);
    expect((await t.relais.http.inject({ method: 'POST', url: `/api/calls/${call.id}/hold` })).statusCode).toBe(401);

    // Nothing changed: still eleonore's, both still hear each other.
    expect(await agent.mine()).toMatchObject([{ id: call.id, agent: 'eleonore', state: 'talking' }]);
    expect(await t.relais.routing.interaction(call.id)).toMatchObject({ agent: 'eleonore', state: 'assigned' });
    const after = Date.now();
    await sleep(3500);
    expectDone(await agent.hangup(call.id));
    expect((await c.done).code).toBe(0);
    expectSpeech(heardBetween(c.capture, c.mediaPort, after, after + 3000), 'the caller, after the refusals');
    expectSpeech(heardBetween(c.capture, eleonore.mediaPort, after, after + 3000), 'eleonore, after the refusals');
    await expectNothingLeft(t);
  });
});

describe('a request that lands on a standby Relais process', { timeout: 150_000 }, () => {
  it('is carried out by the process that holds the calls', async () => {
    const second = await startRelais(
      { ...t.config, server: { ...t.config.server, port: await freeTcpPort() } },
      { log: pino({ level: 'silent' }), now: t.now },
    );
    try {
      expect(second.owner).toBe(false);
      const { c, call } = await eleonoreOnACall(500);
      const viaSecond = consoleOf(t, 'eleonore', second);
      expect(await viaSecond.mine()).toMatchObject([{ id: call.id, state: 'talking' }]);
      const started = Date.now();
      const held = await viaSecond.hold(call.id);
      console.info(`hold through the standby process: ${Date.now() - started} ms`);
      expectDone(held);
      expect(held.body.call).toMatchObject({ state: 'held' });
      expect(await consoleOf(t, 'eleonore').mine()).toMatchObject([{ state: 'held' }]);
      expect((await consoleOf(t, 'gary', second).hold(call.id)).body.error?.details?.reason).toBe('CALL_ERR_NOT_YOURS');
      expectDone(await viaSecond.hangup(call.id));
      expect((await c.done).code).toBe(0);
    } finally {
      await second.stop();
    }
    await expectNothingLeft(t);
  });
});
