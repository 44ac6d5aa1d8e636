/** Closed hours and holidays; calls that must never reach staff phones or the outside world. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpBlock, OPEN_TIME, startTestRelais, type TestRelais } from '../support/relais.ts';
import {
  caller,
  expectHeard,
  expectNothingLeft,
  invitesTo,
  promptMs,
  staffPhone,
  releasePeers,
  waitFor,
  expectCompleted,
} from '../support/calls.ts';
import { callRefused } from '../support/sipp.ts';

let t: TestRelais;

beforeAll(async () => {
  // The closed message alone: callbacks out of hours are tested in callback.test.ts.
  t = await startTestRelais({ patch: (c) => void delete c.callbacks });
});
afterEach(async () => {
  await releasePeers();
  t.setNow(OPEN_TIME);
});
afterAll(async () => t?.stop());

describe('outside opening hours', () => {
  const closedTimes: [string, string][] = [
    ['on a Sunday', '2026-11-29T10:00:00+01:00'],
    ['on a weekday evening', '2026-11-24T19:00:00+01:00'],
    ['on Christmas Day, a Friday', '2026-12-25T10:00:00+01:00'],
    ['on Ascension Thursday (computed from Easter)', '2026-05-14T11:00:00+02:00'],
    ['on an extra closed day from the configuration', '2026-12-24T10:00:00+01:00'],
  ];
  for (const [when, at] of closedTimes) {
    it(`${when}: the closed message, whole, then the call ends`, async () => {
      t.setNow(new Date(at));
      const c = await caller(t, [{ waitBye: true }]);
      const result = await c.done;
      expect(result.code, result.errors).toBe(0);
      expectHeard(c, 'closed', t);
      await expectNothingLeft(t);
    });
  }

  it('a weekday at 18:59 is still open: the greeting plays', async () => {
    t.setNow(new Date('2026-11-24T18:59:00+01:00'));
    const c = await caller(t, [{ pause: promptMs(t, 'greeting') + 300 }, { hangup: true }]);
    expectCompleted(await c.done);
    expectHeard(c, 'greeting', t);
    await expectNothingLeft(t);
  });
});

describe('toll fraud and intrusions', () => {
  for (const dialled of ['0033612345678', '+442071234567', '0899123456']) {
    it(`a call from the trunk to ${dialled} only ever reaches the IVR, never an outgoing line`, async () => {
      const c = await caller(t, [{ pause: promptMs(t, 'greeting') + 500 }, { hangup: true }], { dialled });
      await waitFor('the call is up', async () => (await t.ari.listChannels()).length > 0);
      const during = await t.ari.listChannels();
      expectCompleted(await c.done);
      expectHeard(c, 'greeting', t);
      expect(during.map((ch) => ch.name)).toEqual([expect.stringMatching(/^PJSIP\/trunk-/)]);
      await expectNothingLeft(t);
    });
  }

  it("a call from the trunk to a staff member's extension does not ring their phone directly", async () => {
    const gary = await staffPhone(t, 'gary', 0);
    const extension = t.config.staff.gary!.extension;
    const c = await caller(t, [{ pause: promptMs(t, 'greeting') + 500 }, { hangup: true }], { dialled: extension });
    expectCompleted(await c.done);
    expectHeard(c, 'greeting', t);
    expect(invitesTo(gary)).toBe(0);
    await expectNothingLeft(t);
  });

  it('a call from an address that is not the ISP is refused', async () => {
    const peer = callRefused({
      target: t.sip,
      dialled: '0612345678',
      from: '0612345678',
      port: await freeUdpBlock(2),
      mediaPort: await freeUdpBlock(4),
      bindIp: '127.0.0.2',
    });
    const result = await peer.done;
    expect(result.code, result.errors).toBe(0);
    expect(result.messages.some((m) => /^<SIP\/2.0 (401|403)/.test(m))).toBe(true);
    expect(result.messages.some((m) => m.startsWith('<SIP/2.0 200'))).toBe(false);
    await expectNothingLeft(t);
  });
});
