/**
 * The hold queue on real Asterisk and sipp: callers hear their place, agents are offered them in
 * order with wrap-up between, premium customers go first, staff change presence from their phone.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpBlock, startTestRelais, type TestRelais } from '../support/relais.ts';
import {
  caller,
  expectHeard,
  expectNothingLeft,
  promptMs,
  staffPhone,
  releasePeers,
  waitFor,
  type Caller,
  expectCompleted,
} from '../support/calls.ts';
import { callIn } from '../support/sipp.ts';

const PREMIUM = '0699999999';
let t: TestRelais;

beforeAll(async () => {
  t = await startTestRelais({
    patch: (c) => {
      c.teams['after-sales'] = { ...c.teams['after-sales']!, wrapUpSeconds: 3, announceEverySeconds: 10 };
      c.teams.technical = { ...c.teams.technical!, ringSeconds: 3, wrapUpSeconds: 0 };
    },
    // Until customer records exist, the tests say who is premium.
    priorityOf: async (n) => (n === PREMIUM ? 'premium' : 'normal'),
  });
});
afterEach(releasePeers);
afterAll(async () => t?.stop());

const inQueue = () => promptMs(t, 'greeting') + 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A caller who presses 2 (after-sales) and waits until an agent ends the call. */
const afterSalesCaller = (from: string) =>
  caller(t, [{ pause: inQueue() }, { dtmf: '2' }, { waitBye: true }], { from, timeoutMs: 120_000 });

async function threeWaiting(froms: string[]): Promise<Caller[]> {
  const callers: Caller[] = [];
  for (const from of froms) {
    callers.push(await afterSalesCaller(from));
    // One after the other, so their places are known.
    await waitFor(
      `${from} in the queue`,
      async () => (await t.relais.routing.teamSnapshot('after-sales')).waiting === callers.length,
      20_000,
    );
  }
  return callers;
}

describe('callers waiting for after-sales', { timeout: 180_000 }, () => {
  it('hear their position, then the agent is offered them in order, with wrap-up between', async () => {
    const eleonore = await staffPhone(t, 'eleonore', 300, [{ pause: 1000 }, { hangup: true }]);
    await t.relais.routing.setPresence('eleonore', 'paused', 'réunion');
    const callers = await threeWaiting(['0611111111', '0622222222', '0633333333']);
    await sleep(4000); // the announcements on entry

    await t.relais.routing.setPresence('eleonore', 'available');
    const results = await Promise.all(callers.map((c) => c.done));
    for (const r of results) expect(r.code, r.errors).toBe(0);

    callers.forEach((c, i) => expectHeard(c, `position-${i + 1}`, t));
    const invites = eleonore.received('INVITE');
    expect(invites.map((i) => i.from)).toEqual(['0611111111', '0622222222', '0633333333']);
    // Each call lasts ~1.3 s once answered; the next one rings only after the 3 s of wrap-up.
    for (let i = 1; i < invites.length; i++) expect(invites[i]!.at - invites[i - 1]!.at).toBeGreaterThanOrEqual(3000);
    await expectNothingLeft(t);
  });

  it('a premium customer who arrives after two others is answered first', async () => {
    const eleonore = await staffPhone(t, 'eleonore', 300, [{ pause: 500 }, { hangup: true }]);
    await t.relais.routing.setPresence('eleonore', 'paused', 'réunion');
    const callers = await threeWaiting(['0644444444', '0655555555', PREMIUM]);
    await t.relais.routing.setPresence('eleonore', 'available');
    for (const r of await Promise.all(callers.map((c) => c.done))) expect(r.code, r.errors).toBe(0);
    expect(eleonore.received('INVITE').map((i) => i.from)).toEqual([PREMIUM, '0644444444', '0655555555']);
    await expectNothingLeft(t);
  });

  it('a caller who hangs up while waiting leaves the queue; the one behind moves up', async () => {
    await staffPhone(t, 'eleonore', null);
    await t.relais.routing.setPresence('eleonore', 'paused', 'réunion');
    const leaving = await caller(t, [{ pause: inQueue() }, { dtmf: '2' }, { pause: 15_000 }, { hangup: true }]);
    await waitFor('first in the queue', async () => (await t.relais.routing.teamSnapshot('after-sales')).waiting === 1, 20_000);
    const staying = await afterSalesCaller('0677777777');
    await waitFor('second in the queue', async () => (await t.relais.routing.teamSnapshot('after-sales')).waiting === 2, 20_000);
    expectCompleted(await leaving.done);
    await waitFor('the first caller left the queue', async () => (await t.relais.routing.teamSnapshot('after-sales')).waiting === 1);
    const [waiting] = (await t.ari.listChannels()).filter((ch) => ch.name.startsWith('PJSIP/trunk-'));
    expect(await t.relais.routing.position(waiting!.id)).toMatchObject({ position: 1 });
    await t.ari.hangup(waiting!.id);
    expectCompleted(await staying.done);
    await expectNothingLeft(t);
  });
});

describe('an agent who does not answer', { timeout: 120_000 }, () => {
  it('the offer goes to the next agent; after three missed offers in a row the agent is paused', async () => {
    const gary = await staffPhone(t, 'gary', null);
    const hector = await staffPhone(t, 'hector', 300, [{ pause: 500 }, { hangup: true }]);
    const first = await caller(t, [{ pause: inQueue() }, { dtmf: '3' }, { waitBye: true }], { from: '0612121212' });
    expectCompleted(await first.done);
    // Gary, idle the longest, rang first; missed, the call went to Hector.
    const [toGary] = gary.received('INVITE');
    const [toHector] = hector.received('INVITE');
    expect(toHector!.at - toGary!.at).toBeGreaterThanOrEqual(2500);
    expect(await t.relais.routing.agent('gary')).toMatchObject({ presence: 'available', missed: 1 });

    await t.relais.routing.setPresence('hector', 'offline');
    const second = await caller(t, [{ pause: inQueue() }, { dtmf: '3' }, { waitBye: true }], { from: '0613131313' });
    await waitFor('gary paused', async () => (await t.relais.routing.agent('gary')).presence === 'paused', 30_000);
    expect(await t.relais.routing.agent('gary')).toMatchObject({ reason: 'missed offers', missed: 3 });
    expect(gary.received('INVITE')).toHaveLength(3);
    const [waiting] = (await t.ari.listChannels()).filter((ch) => ch.name.startsWith('PJSIP/trunk-'));
    await t.ari.hangup(waiting!.id);
    expectCompleted(await second.done);
    await expectNothingLeft(t);
  });
});

describe('nobody logged in', { timeout: 60_000 }, () => {
  it('the caller is offered a callback at once instead of waiting, and keeps their place by pressing 1', async () => {
    const c = await caller(
      t,
      [{ pause: inQueue() }, { dtmf: '1' }, { pause: promptMs(t, 'connecting-sales') + 2000 }, { dtmf: '1' }, { waitBye: true }],
      {
        from: '0688888888',
      },
    );
    const result = await c.done;
    expect(result.code, result.errors).toBe(0);
    expectHeard(c, 'callback-no-agent', t);
    expectHeard(c, 'callback-confirm-turn', t);
    const [booked] = await t.relais.callbacks!.list({ limit: 5 });
    expect(booked).toMatchObject({ number: '+33688888888', team: 'sales', source: 'phone-no-agent', status: 'queued' });
    // It waits in the sales queue, at the caller's place, for someone to log in.
    expect((await t.relais.routing.teamSnapshot('sales')).waiting).toBe(1);
    await t.relais.callbacks!.cancel(booked!.id);
    expect((await t.relais.routing.teamSnapshot('sales')).waiting).toBe(0);
    await expectNothingLeft(t);
  });
});

describe('feature codes from a staff phone', () => {
  const dial = async (code: string) => {
    const peer = callIn({
      target: t.sip,
      dialled: code,
      from: 'gary',
      port: await freeUdpBlock(2),
      mediaPort: await freeUdpBlock(4),
      steps: [{ waitBye: true }],
      auth: { user: 'gary', password: t.passwords.gary! },
    });
    const r = await peer.done;
    expect(r.code, `${code}: ${r.errors}`).toBe(0);
  };

  it('*45 logs in, *47 pauses, *48 resumes, *46 logs out; a short message confirms each', async () => {
    expect(await t.relais.routing.agent('gary')).toMatchObject({ presence: 'offline' });
    await dial('*45');
    expect(await t.relais.routing.agent('gary')).toMatchObject({ presence: 'available' });
    await dial('*47');
    expect(await t.relais.routing.agent('gary')).toMatchObject({ presence: 'paused', reason: 'pause' });
    await dial('*48');
    expect(await t.relais.routing.agent('gary')).toMatchObject({ presence: 'available' });
    await dial('*46');
    expect(await t.relais.routing.agent('gary')).toMatchObject({ presence: 'offline' });
    await expectNothingLeft(t);
  });
});
