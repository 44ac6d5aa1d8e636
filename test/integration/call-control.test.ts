/**
 * An agent controls the call they answered, from the console's HTTP API, on real Asterisk and
 * sipp: hold (the caller hears the hold music, the agent silence) and resume, blind transfer to a
 * colleague (who answers, or does not: the caller is back at their place in the queue) and to a
 * team. What each side heard is read from the RTP on the wire.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelais, type TestRelais } from '../support/relais.ts';
import { caller, expectHeard, expectNothingLeft, invitesTo, promptMs, releasePeers, staffPhone, waitFor } from '../support/calls.ts';
import { consoleOf, expectDone, listenToNotices, sleep, talkUntilBye } from '../support/call-control.ts';
import { expectHoldMusic, expectSilence, expectSpeech, heardBetween, speechShare } from '../support/listening.ts';

let t: TestRelais;
let notices: Awaited<ReturnType<typeof listenToNotices>>;

beforeAll(async () => {
  t = await startTestRelais({
    patch: (c) => {
      // A short ring, so a colleague who does not answer is seen within a test; a long wrap-up, so
      // the first agent takes no call meanwhile.
      c.teams['after-sales'] = { ...c.teams['after-sales']!, ringSeconds: 4, wrapUpSeconds: 60, maxWaitSeconds: 600 };
      c.teams.technical = { ...c.teams.technical!, ringSeconds: 10 };
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
/** A caller who presses 2 (after-sales) and talks until hung up. */
const afterSalesCaller = (alsoCapture: number[], from = '0612345678') =>
  caller(t, [{ pause: inQueue() }, { dtmf: '2' }, ...talkUntilBye()], { alsoCapture, from, timeoutMs: 150_000 });

describe('hold and resume', { timeout: 150_000 }, () => {
  it('on hold the caller hears the hold music and the agent silence; resumed, both hear each other again', async () => {
    const eleonore = await staffPhone(t, 'eleonore', 300, talkUntilBye());
    const c = await afterSalesCaller([eleonore.mediaPort]);
    const agent = consoleOf(t, 'eleonore');
    const call = await agent.call();
    expect(call).toMatchObject({
      channel: 'call',
      agent: 'eleonore',
      team: 'after-sales',
      state: 'talking',
      customer: { number: '0612345678' },
    });
    const connected = Date.now();
    await sleep(4000);

    const holding0 = Date.now();
    const held = await agent.hold(call.id);
    console.info(`hold request (on the owner): ${Date.now() - holding0} ms`);
    expectDone(held);
    expect(held.body.call).toMatchObject({ state: 'held' });
    expect((await agent.hold(call.id)).body.call).toMatchObject({ state: 'held' }); // a second click changes nothing
    const heldAt = Date.now();
    await sleep(5000);

    expectDone(await agent.resume(call.id));
    const resumedAt = Date.now();
    await sleep(4000);
    expect((await agent.mine()).map((x) => x.state)).toEqual(['talking']);
    expectDone(await agent.hangup(call.id));
    expect((await c.done).code).toBe(0);

    const toCaller = (from: number, to: number) => heardBetween(c.capture, c.mediaPort, from, to);
    const toAgent = (from: number, to: number) => heardBetween(c.capture, eleonore.mediaPort, from, to);
    // Talking: each hears the other.
    expectSpeech(toCaller(connected + 1000, heldAt - 200), 'the caller, talking');
    expectSpeech(toAgent(connected + 1000, heldAt - 200), 'the agent, talking');
    // Held: music for the caller, nothing of the agent's voice; silence for the agent.
    const holding = toCaller(heldAt + 1000, heldAt + 4500);
    expectHoldMusic(holding, 'the caller, held');
    expect(speechShare(holding)).toBe(0);
    expectSilence(toAgent(heldAt + 500, resumedAt - 200), 'the agent, caller held');
    // Resumed: each hears the other again.
    expectSpeech(toCaller(resumedAt + 700, resumedAt + 3700), 'the caller, resumed');
    expectSpeech(toAgent(resumedAt + 700, resumedAt + 3700), 'the agent, resumed');

    expect(notices.types(call.id)).toEqual(['connected', 'held', 'resumed', 'ended']);
    expect(await t.relais.routing.agent('eleonore')).toMatchObject({ presence: 'wrapup', active: { call: 0 } });
    await expectNothingLeft(t);
  });
});

describe('a call on hold when Relais restarts', { timeout: 150_000 }, () => {
  it('is still on hold, with its music, in the new Relais; resumed, caller and agent talk again', async () => {
    const eleonore = await staffPhone(t, 'eleonore', 300, talkUntilBye());
    const c = await afterSalesCaller([eleonore.mediaPort]);
    const call = await consoleOf(t, 'eleonore').call();
    expectDone(await consoleOf(t, 'eleonore').hold(call.id));
    await t.restart();
    await waitFor('the call adopted', () => t.relais.ivr.activeCalls === 1, 10_000);
    const adopted = Date.now();
    expect(await consoleOf(t, 'eleonore').mine()).toMatchObject([{ id: call.id, state: 'held' }]);
    await sleep(3500);
    expectDone(await consoleOf(t, 'eleonore').resume(call.id));
    const resumedAt = Date.now();
    await sleep(3500);
    expectDone(await consoleOf(t, 'eleonore').hangup(call.id));
    expect((await c.done).code).toBe(0);
    expectHoldMusic(heardBetween(c.capture, c.mediaPort, adopted, adopted + 3000), 'the caller, held across the restart');
    expectSpeech(heardBetween(c.capture, c.mediaPort, resumedAt + 500, resumedAt + 3000), 'the caller, resumed');
    expectSpeech(heardBetween(c.capture, eleonore.mediaPort, resumedAt + 500, resumedAt + 3000), 'the agent, resumed');
    await expectNothingLeft(t);
  });
});

describe('a blind transfer to a colleague', { timeout: 150_000 }, () => {
  it("rings the colleague's phone with the caller's number; the first agent is released at once; caller and colleague talk", async () => {
    const eleonore = await staffPhone(t, 'eleonore', 300, talkUntilBye());
    const gary = await staffPhone(t, 'gary', 500, talkUntilBye());
    const c = await afterSalesCaller([eleonore.mediaPort, gary.mediaPort]);
    const call = await consoleOf(t, 'eleonore').call();
    const { enqueuedAt } = (await t.relais.routing.interaction(call.id))!;
    await sleep(2000);

    const asked = Date.now();
    const r = await consoleOf(t, 'eleonore').transfer(call.id, { agent: 'gary' });
    expectDone(r);
    expect(r.body.call).toBeNull();
    // The first agent is released at once: their leg hangs up, they wrap up.
    await waitFor("eleonore's leg hung up", () => eleonore.messages().some((m) => m.startsWith('<BYE')), 5000);
    expect(await t.relais.routing.agent('eleonore')).toMatchObject({ presence: 'wrapup', active: { call: 0 } });
    expect(await consoleOf(t, 'eleonore').mine()).toEqual([]);

    const withGary = await consoleOf(t, 'gary').call('gary has the call');
    const answered = gary.received('ACK')[0]!.at;
    expect(withGary).toMatchObject({ id: call.id, agent: 'gary', state: 'talking' });
    expect(gary.received('INVITE').map((i) => i.from)).toEqual(['0612345678']);
    expect(await t.relais.routing.interaction(call.id)).toMatchObject({
      state: 'assigned',
      agent: 'gary',
      team: 'after-sales',
      enqueuedAt,
    });
    await sleep(4500);
    expectDone(await consoleOf(t, 'gary').hangup(call.id));
    expect((await c.done).code).toBe(0);

    const firstToGary = c.capture.packets().find((p) => p.dstPort === gary.mediaPort && p.time * 1000 >= answered);
    console.info(
      `blind transfer: request → INVITE at the colleague's phone ${gary.received('INVITE')[0]!.at - asked} ms, → answered ${answered - asked} ms ` +
        `(500 ms of it ringing); answer → first audio to the colleague ${Math.round(firstToGary!.time * 1000 - answered)} ms`,
    );
    expectSpeech(heardBetween(c.capture, c.mediaPort, answered + 1000, answered + 4000), 'the caller, with gary');
    expectSpeech(heardBetween(c.capture, gary.mediaPort, answered + 1000, answered + 4000), 'gary, with the caller');
    expect(notices.types(call.id)).toEqual(['connected', 'transferring', 'transferred', 'ended']);
    expect(notices.notices.find((n) => n.type === 'transferred')).toMatchObject({
      from: 'eleonore',
      mode: 'blind',
      call: { agent: 'gary' },
    });
    expect(await t.relais.routing.agent('gary')).toMatchObject({ presence: 'wrapup' });
    await expectNothingLeft(t);
  });

  it('that nobody answers puts the caller back in the queue at their place, told where they stand', async () => {
    const eleonore = await staffPhone(t, 'eleonore', 300, talkUntilBye());
    const gary = await staffPhone(t, 'gary', null);
    const first = await afterSalesCaller([eleonore.mediaPort], '0611111111');
    const call = await consoleOf(t, 'eleonore').call();
    // A second caller arrives while the first talks: they wait.
    const second = await afterSalesCaller([], '0622222222');
    await waitFor('the second caller waiting', async () => (await t.relais.routing.teamSnapshot('after-sales')).waiting === 1, 30_000);

    expectDone(await consoleOf(t, 'eleonore').transfer(call.id, { agent: 'gary' }));
    await waitFor("gary's phone rang and stopped", () => gary.messages().some((m) => m.startsWith('<CANCEL')), 15_000);
    await waitFor('the first caller back in the queue', async () => (await t.relais.routing.position(call.id))?.position === 1, 5000);
    const [waiting] = (await t.ari.listChannels()).filter((ch) => ch.name.startsWith('PJSIP/trunk-') && ch.id !== call.id);
    expect(await t.relais.routing.position(waiting!.id)).toMatchObject({ position: 2 });
    expect(invitesTo(gary)).toBe(1);
    expect(await t.relais.routing.agent('gary')).toMatchObject({ missed: 1 });
    await sleep(promptMs(t, 'position-1') + promptMs(t, 'wait-3') + 1500);

    for (const ch of await t.ari.listChannels()) await t.ari.hangup(ch.id);
    expect((await first.done).code).toBe(0);
    expect((await second.done).code).toBe(0);
    expectHeard(first, 'position-1', t);
    await expectNothingLeft(t);
  });
});

describe('a blind transfer to a team', { timeout: 150_000 }, () => {
  it('puts the caller in that queue ("connecting you to..."), at their first place; an agent of the team answers', async () => {
    const eleonore = await staffPhone(t, 'eleonore', 300, talkUntilBye());
    // Answering after "connecting you to..." (answered sooner, the caller is put through at once).
    const gary = await staffPhone(t, 'gary', promptMs(t, 'connecting-technical') + 500, talkUntilBye());
    const c = await afterSalesCaller([eleonore.mediaPort, gary.mediaPort]);
    const call = await consoleOf(t, 'eleonore').call();
    const { enqueuedAt, priority } = (await t.relais.routing.interaction(call.id))!;

    expectDone(await consoleOf(t, 'eleonore').transfer(call.id, { team: 'technical' }));
    const withGary = await consoleOf(t, 'gary').call('gary has the call', 40_000);
    expect(withGary).toMatchObject({ id: call.id, team: 'technical', agent: 'gary' });
    expect(await t.relais.routing.interaction(call.id)).toMatchObject({ team: 'technical', agent: 'gary', enqueuedAt, priority });
    expect(gary.received('INVITE').map((i) => i.from)).toEqual(['0612345678']);
    await sleep(3000);
    expectDone(await consoleOf(t, 'gary').hangup(call.id));
    expect((await c.done).code).toBe(0);
    expectHeard(c, 'connecting-technical', t);
    expect(notices.types(call.id)).toEqual(['connected', 'transferring', 'transferred', 'ended']);
    await expectNothingLeft(t);
  });
});
