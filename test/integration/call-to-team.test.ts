/**
 * A caller from the ISP reaches a team's phone: real Asterisk, real sipp caller and phones, RTP
 * captured on the wire.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelais, type TestRelais } from '../support/relais.ts';
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
import { speechWav } from '../support/rtp-capture.ts';
import { heardPrompt } from '../support/audio.ts';

let t: TestRelais;

beforeAll(async () => {
  t = await startTestRelais({
    patch: (c) => {
      // Short rings so the one-at-a-time strategy is seen moving on within a test.
      c.teams.technical = { ...c.teams.technical!, strategy: 'longestidle', ringSeconds: 3, maxWaitSeconds: 20 };
      c.teams.sales = { ...c.teams.sales!, maxWaitSeconds: 4 };
      // Without callbacks, a caller nobody answers hears the no-answer message (queue.test.ts has callbacks).
      delete c.callbacks;
    },
  });
});
afterEach(releasePeers);
afterAll(async () => t?.stop());

describe('a caller who presses 2 during the menu', () => {
  it('is put through to after-sales: the phone rings, answers, and both hear each other until the agent hangs up', async () => {
    const agent = await staffPhone(t, 'eleonore', 1000, [{ speak: true }, { pause: 5000 }, { hangup: true }]);
    const duringMenu = promptMs(t, 'greeting') + 1500;
    const c = await caller(t, [{ pause: duringMenu }, { dtmf: '2' }, { speak: true }, { waitBye: true }], {
      alsoCapture: [agent.mediaPort],
    });
    const result = await c.done;

    expect(result.code, result.errors).toBe(0);
    expect(invitesTo(agent)).toBe(1);
    // What the caller said reached the agent's phone, and what the agent said reached the caller.
    expect(heardPrompt(c.capture.audioTo(agent.mediaPort), speechWav()).heard).toBe(true);
    expect(heardPrompt(c.capture.audioTo(c.mediaPort), speechWav()).heard).toBe(true);
    // The agent hung up: the caller received the BYE (waitBye step passed).
    expect(result.messages).toContain('<BYE sip:0612345678@127.0.0.1:' + c.port + ' SIP/2.0');
    await expectNothingLeft(t);
  });

  it('ends the agent leg when the caller hangs up', async () => {
    const agent = await staffPhone(t, 'eleonore', 500, [{ waitBye: true }]);
    const c = await caller(t, [{ pause: promptMs(t, 'greeting') + 1000 }, { dtmf: '2' }, { pause: 3000 }, { hangup: true }]);
    expectCompleted(await c.done);
    const phoneResult = await Promise.race([
      agent.done,
      waitFor('agent leg ended', () => agent.messages().some((m) => m.startsWith('<BYE'))).then(() => null),
    ]);
    expect(phoneResult).toBeNull();
    await expectNothingLeft(t);
  });
});

describe('what the caller hears', () => {
  it('is the whole greeting, then the whole menu', async () => {
    const c = await caller(t, [{ pause: promptMs(t, 'greeting') + promptMs(t, 'menu') + 800 }, { hangup: true }]);
    expectCompleted(await c.done);
    expectHeard(c, 'greeting', t);
    expectHeard(c, 'menu', t);
    await expectNothingLeft(t);
  });
});

describe('team strategies', () => {
  it('longest idle rings one person at a time, moving on after their ring time', async () => {
    const gary = await staffPhone(t, 'gary', null);
    const hector = await staffPhone(t, 'hector', 300, [{ pause: 1000 }, { hangup: true }]);
    const c = await caller(t, [{ pause: promptMs(t, 'greeting') + 1000 }, { dtmf: '3' }, { waitBye: true }]);
    const result = await c.done;
    expect(result.code, result.errors).toBe(0);
    expect(invitesTo(gary)).toBe(1);
    expect(gary.messages()).toContain('<CANCEL sip:gary@127.0.0.1:' + gary.port + ' SIP/2.0');
    expect(invitesTo(hector)).toBe(1);
    await expectNothingLeft(t);
  });

  it('plays the no-answer message and ends the call when nobody answers in the team time', async () => {
    const denis = await staffPhone(t, 'denis', null);
    const c = await caller(t, [{ pause: promptMs(t, 'greeting') + 1000 }, { dtmf: '1' }, { waitBye: true }]);
    const result = await c.done;
    expect(result.code, result.errors).toBe(0);
    expect(invitesTo(denis)).toBe(1);
    expectHeard(c, 'noAnswer', t);
    await expectNothingLeft(t);
  });
});
