/** Bad or missing input in the IVR, and callers hanging up at every moment: nothing may be left behind. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelais, type TestRelais } from '../support/relais.ts';
import { caller, expectHeard, expectNothingLeft, invitesTo, promptMs, staffPhone, unplugPhones, waitFor } from '../support/calls.ts';
import { heardPrompt } from '../support/audio.ts';
import { readFileSync } from 'node:fs';

let t: TestRelais;

beforeAll(async () => {
  t = await startTestRelais({
    patch: (c) => {
      c.menu = { ...c.menu, digitTimeoutSeconds: 2 };
    },
  });
});
afterEach(unplugPhones);
afterAll(async () => t?.stop());

/** How many times a prompt starts in what the caller received (replays). */
function timesHeard(c: Awaited<ReturnType<typeof caller>>, prompt: string): number {
  const rec = c.capture.audioTo(c.mediaPort);
  const wav = readFileSync(t.relais.prompts[prompt]!.file);
  let count = 0;
  // Cut the recording after each match and search again.
  let rest = rec;
  for (;;) {
    const r = heardPrompt(rest, wav);
    if (!r.heard || r.coverage < 0.9) return count;
    count += 1;
    rest = sliceWav(rest, r.offsetMs + promptMs(t, prompt) - 200);
  }
}

function sliceWav(wav: Buffer, fromMs: number): Buffer {
  const header = 44;
  const bytes = Math.max(0, Math.floor((fromMs / 1000) * 8000)) * 2;
  const data = wav.subarray(header + Math.min(bytes, wav.length - header));
  const out = Buffer.concat([wav.subarray(0, header), data]);
  out.writeUInt32LE(36 + data.length, 4);
  out.writeUInt32LE(data.length, 40);
  return out;
}

describe('unknown digit or silence in the menu', () => {
  it('an unknown digit says so and replays the menu; then a valid digit routes', async () => {
    const eleonore = await staffPhone(t, 'eleonore', 200, [{ pause: 500 }, { hangup: true }]);
    const g = promptMs(t, 'greeting');
    const c = await caller(t, [{ pause: g + 1000 }, { dtmf: '9' }, { pause: promptMs(t, 'invalid') + 1500 }, { dtmf: '2' }, { waitBye: true }]);
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
    expect(timesHeard(c, 'menu')).toBe(3);
    expect(invitesTo(denis)).toBe(1);
    await expectNothingLeft(t);
  });

  it('star and pound are unknown digits too', async () => {
    const c = await caller(t, [{ pause: promptMs(t, 'greeting') + 800 }, { dtmf: '*' }, { pause: promptMs(t, 'invalid') + 800 }, { dtmf: '#' }, { pause: promptMs(t, 'invalid') + 800 }, { hangup: true }]);
    expect((await c.done).code).toBe(0);
    expect(timesHeard(c, 'invalid')).toBe(2);
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
    expect(timesHeard(c, 'menu')).toBe(0);
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
      expect((await c.done).code).toBe(0);
      await expectNothingLeft(t);
    });
  }

  it('while the team rings: the ringing phone is cancelled', async () => {
    const hector = await staffPhone(t, 'hector', null);
    const c = await caller(t, [{ pause: promptMs(t, 'greeting') + 800 }, { dtmf: '3' }, { pause: 2500 }, { hangup: true }]);
    expect((await c.done).code).toBe(0);
    await waitFor("hector's phone stopped ringing", () => hector.messages().some((m) => m.startsWith('<CANCEL')));
    await expectNothingLeft(t);
  });
});
