/**
 * Callers recognised by the shop, on the phone: real Asterisk, sipp caller and staff phone, the
 * PrestaShop stand-in. The agent's phone shows who calls, premium callers go first, the call
 * lands on the customer's timeline, and a slow shop does not delay the call.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakePrestashop, type FakePrestashop } from '../../demo/fake-prestashop.ts';
import { caller, expectNothingLeft, promptMs, releasePeers, staffPhone, waitFor, expectCompleted } from '../support/calls.ts';
import { API_TOKEN, startTestRelais, type TestRelais } from '../support/relais.ts';

let t: TestRelais;
let shop: FakePrestashop;

beforeAll(async () => {
  shop = await startFakePrestashop();
  t = await startTestRelais({
    patch: (c) => {
      c.customers = { ...c.customers, premiumShopGroups: [4], prestashop: { url: shop.url, key: { env: 'RELAIS_PRESTASHOP_KEY' } } };
      delete c.callbacks;
    },
    env: { RELAIS_PRESTASHOP_KEY: shop.key },
  });
});
afterEach(releasePeers);
afterAll(async () => {
  await t?.stop();
  await shop?.close();
});

const api = async (path: string) => {
  const res = await fetch(`http://127.0.0.1:${t.config.server.port}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  expect(res.status, path).toBe(200);
  return res.json();
};

/** When the caller first received RTP (the greeting starting), in ms after `since`. */
function greetingStartedAfter(c: Awaited<ReturnType<typeof caller>>, since: number): number {
  const first = c.capture.packets().find((p) => p.dstPort === c.mediaPort);
  if (!first) throw new Error('the caller received no audio');
  return first.time * 1000 - since;
}

describe('a caller known to the shop', () => {
  it("is named on the agent's phone with their tier, and the call lands on their timeline", async () => {
    const agent = await staffPhone(t, 'eleonore', 500, [{ pause: 1500 }, { hangup: true }]);
    // Marie Dupont's shop address says "06 12 34 56 78".
    const c = await caller(t, [{ pause: promptMs(t, 'greeting') + 1000 }, { dtmf: '2' }, { waitBye: true }], { from: '0612345678' });
    expectCompleted(await c.done);

    const invite = agent.received('INVITE')[0];
    expect(invite).toMatchObject({ name: 'Marie Dupont (premium)', from: '0612345678' });

    const [marie] = await api('/api/customers?q=0612345678');
    expect(marie).toMatchObject({ name: 'Marie Dupont', tier: 'premium' });
    await waitFor('the call ended on the timeline', async () => {
      const { entries } = await api(`/api/customers/${marie.id}/timeline`);
      return entries.some((e: { outcome: string | null }) => e.outcome === 'answered');
    });
    const { entries } = await api(`/api/customers/${marie.id}/timeline`);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      channel: 'call',
      direction: 'inbound',
      contact: '+33612345678',
      team: 'after-sales',
      agent: 'eleonore',
    });
    expect(Date.parse(entries[0].answeredAt)).toBeGreaterThan(Date.parse(entries[0].at));
    expect(Date.parse(entries[0].endedAt)).toBeGreaterThan(Date.parse(entries[0].answeredAt));
    await expectNothingLeft(t);
  });

  it('goes ahead of a basic caller who was waiting first', async () => {
    // Someone of the team is logged in but paused: callers wait in the queue.
    await staffPhone(t, 'hector', null);
    await t.relais.routing.setPresence('hector', 'paused', 'réunion');
    // Julien gives up after a while; Sophie stays until the agent hangs up.
    const julienCalls = await caller(t, [{ pause: promptMs(t, 'greeting') + 500 }, { dtmf: '3' }, { pause: 12_000 }, { hangup: true }], {
      from: '0142685300',
    });
    await waitFor('Julien waits in the technical queue', async () => (await t.relais.routing.teamSnapshot('technical')).waiting === 1);
    const sophieCalls = await caller(t, [{ pause: promptMs(t, 'greeting') + 500 }, { dtmf: '3' }, { waitBye: true }], {
      from: '0698765432',
    });
    await waitFor('both wait', async () => (await t.relais.routing.teamSnapshot('technical')).waiting === 2, 15_000);
    const gary = await staffPhone(t, 'gary', 300, [{ pause: 500 }, { hangup: true }]);
    await waitFor('gary took a call', () => gary.received('INVITE').length > 0);
    // Sophie Bernard is premium: she is offered first though Julien called before her.
    expect(gary.received('INVITE')[0]!.name).toBe('Sophie Bernard (premium)');
    expectCompleted(await sophieCalls.done);
    expectCompleted(await julienCalls.done);
    await expectNothingLeft(t);
  });
});

describe('a slow shop', () => {
  it('does not delay the call: the greeting starts as soon as with a quick shop', async () => {
    const quickStart = Date.now();
    const quick = await caller(t, [{ pause: 1500 }, { hangup: true }], { from: '0611223301' });
    expectCompleted(await quick.done);
    const quickMs = greetingStartedAfter(quick, quickStart);

    shop.setLatency(5000);
    try {
      const slowStart = Date.now();
      const slow = await caller(t, [{ pause: 1500 }, { hangup: true }], { from: '0611223302' });
      expectCompleted(await slow.done);
      const slowMs = greetingStartedAfter(slow, slowStart);
      console.log(`greeting started ${quickMs.toFixed(0)} ms after dialling with a quick shop, ${slowMs.toFixed(0)} ms with a 5 s shop`);
      expect(slowMs).toBeLessThan(quickMs + 300);
    } finally {
      shop.setLatency(0);
    }
    await expectNothingLeft(t);
  });
});
