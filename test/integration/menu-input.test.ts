/** Bad or missing input in the IVR, and callers hanging up at every moment: nothing may be left behind. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelais, type TestRelais } from '../support/relais.ts';
import {
  caller,
  expectHeard,
  expectNothingLeft,
  invitesTo,
  promptMs,
  staffPhone,
  timesHeard,
  releasePeers,
  waitFor,
  expectCompleted,
} from '../support/calls.ts';

let t: TestRelais;

beforeAll(async () => {
  t = await startTestRelais({
    patch: (c) => {
      c.menu = { ...c.menu, digitTimeoutSeconds: 2 };
    },
  });
});
afterEach(releasePeers);
afterAll(async () => t?.stop());

describe('unknown digit or silence in the menu', () => {
  it('an unknown digit says so and replays the menu; then a valid digit routes', async () => {
    const eleonore = await staffPhone(t, 'eleonore', 200, [{ pause: 500 }, { hangup: true }]);
    const g = promptMs(t, 'greeting');
    const c = await caller(t, [
      { pause: g + 1000 },
      { dtmf: '9' },
      { pause: promptMs(t, 'invalid') + 1500 },
      { dtmf: '2' },
      { waitBye: true },
    ]);
    const result = await c.done;
    expect(result.code, result.errors).toBe(0);
    expectHeard(c, 'invalid', t);
    expect(invitesTo(eleonore)).toBe(1);
    await expectNothingLeft(t);
  });

  it('silence replays the menu twice, then the call goes to the default team (sales)', async () => {
    const denis = await staffPhone(t, 'denis', 200, [{ pause: 500 }, { hangup: true }]);
    const c = await caller(t, [{ waitBye: true }], { timeoutMs: 90_000 });
    const result = await c.done;
    expect(result.code, result.errors).toBe(0);
    expect(timesHeard(c, t, 'menu')).toBe(3);
    expect(invitesTo(denis)).toBe(1);
    await expectNothingLeft(t);
  });

  it('star and pound are unknown digits too', async () => {
    const c = await caller(t, [
      { pause: promptMs(t, 'greeting') + 800 },
      { dtmf: '*' },
      { pause: promptMs(t, 'invalid') + 800 },
      { dtmf: '#' },
      { pause: promptMs(t, 'invalid') + 800 },
      { hangup: true },
    ]);
    expectCompleted(await c.done);
    expect(timesHeard(c, t, 'invalid')).toBe(2);
    await expectNothingLeft(t);
  });
});

describe('digits pressed during the greeting', () => {
  it('do not cut the greeting; a valid one is kept and skips the menu', async () => {
    const gary = await staffPhone(t, 'gary', 200, [{ pause: 500 }, { hangup: true }]);
    const c = await caller(t, [{ pause: 800 }, { dtmf: '3' }, { waitBye: true }]);
    const result = await c.done;
    expect(result.code, result.errors).toBe(0);
    expectHeard(c, 'greeting', t);
    expect(timesHeard(c, t, 'menu')).toBe(0);
    expect(invitesTo(gary)).toBe(1);
    await expectNothingLeft(t);
  });
});

describe('a caller hanging up', () => {
  const cases: [string, () => Promise<number>][] = [
    ['during the greeting', async () => 1000],
    ['during the menu', async () => promptMs(t, 'greeting') + 1000],
    ['while waiting for a digit', async () => promptMs(t, 'greeting') + promptMs(t, 'menu') + 800],
  ];
  for (const [when, at] of cases) {
    it(`${when} leaves no channel, bridge or session`, async () => {
      const c = await caller(t, [{ pause: await at() }, { hangup: true }]);
      expectCompleted(await c.done);
      await expectNothingLeft(t);
    });
  }

  it('while the team rings: the ringing phone is cancelled', async () => {
    const hector = await staffPhone(t, 'hector', null);
    const c = await caller(t, [{ pause: promptMs(t, 'greeting') + 800 }, { dtmf: '3' }, { pause: 2500 }, { hangup: true }]);
    expectCompleted(await c.done);
    await waitFor("hector's phone stopped ringing", () => hector.messages().some((m) => m.startsWith('<CANCEL')));
    await expectNothingLeft(t);
  });
});
