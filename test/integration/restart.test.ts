/**
 * Relais, Redis or Asterisk going away mid-call: calls are adopted and go on, or end with a
 * spoken apology; never a caller left in silence, never a leftover.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startRelais } from '../../server/relais.ts';
import { freeTcpPort, startTestRelais, type TestRelais } from '../support/relais.ts';
import { privateRedis, type TestRedis } from '../support/redis.ts';
import { caller, expectHeard, expectNothingLeft, invitesTo, promptMs, staffPhone, releasePeers, waitFor } from '../support/calls.ts';

let t: TestRelais;
let redis: TestRedis;

beforeAll(async () => {
  redis = await privateRedis();
  t = await startTestRelais({ patch: (c) => void (c.redis = { url: redis.url, prefix: 'relais' }) });
});
afterEach(releasePeers);
afterAll(async () => {
  await t?.stop();
  await redis?.stop();
});

const inMenu = () => promptMs(t, 'greeting') + 1000;

describe('Relais restarted during a call', () => {
  it('in the menu: the call is adopted, the menu plays again and the choice is put through', async () => {
    const eleonore = await staffPhone(t, 'eleonore', 300, [{ pause: 500 }, { hangup: true }]);
    // The caller waits through the restart and the replayed menu's first words, then presses 2.
    const c = await caller(t, [{ pause: inMenu() + 6000 }, { dtmf: '2' }, { waitBye: true }]);
    await new Promise((r) => setTimeout(r, inMenu()));
    await t.restart();
    const result = await c.done;
    expect(result.code, result.errors).toBe(0);
    expect(invitesTo(eleonore)).toBe(1);
    await expectNothingLeft(t);
  });

  it('while talking to an agent: the conversation goes on, and a hang-up still ends both legs', async () => {
    const eleonore = await staffPhone(t, 'eleonore', 200, [{ pause: 5000 }, { hangup: true }]);
    const c = await caller(t, [{ pause: inMenu() }, { dtmf: '2' }, { speak: true }, { waitBye: true }], {
      alsoCapture: [eleonore.mediaPort],
    });
    await waitFor('caller and agent bridged', async () => (await t.ari.listBridges()).some((b) => b.channels.length === 2), 20_000);
    await t.restart();
    const result = await c.done;
    expect(result.code, result.errors).toBe(0);
    expect(c.capture.count({ dstPort: eleonore.mediaPort })).toBeGreaterThan(100);
    await expectNothingLeft(t);
  });

  it('when the call state was lost with Redis: a spoken apology, then the call ends', async () => {
    const c = await caller(t, [{ waitBye: true }]);
    await new Promise((r) => setTimeout(r, inMenu()));
    await t.restart(async () => {
      const redis = new Redis(t.config.redis.url);
      const keys = await redis.keys(`${t.config.redis.prefix}:ivr:call:*`);
      expect(keys.length).toBe(1);
      await redis.del(...keys);
      redis.disconnect();
    });
    const result = await c.done;
    expect(result.code, result.errors).toBe(0);
    expectHeard(c, 'apology', t);
    await expectNothingLeft(t);
  });

  it('while Relais is down, a new caller hears the apology from the dialplan instead of silence', async () => {
    await t.restart(async () => {
      const c = await caller(t, [{ waitBye: true }]);
      const result = await c.done;
      expect(result.code, result.errors).toBe(0);
      expectHeard(c, 'apology', t);
    });
    await expectNothingLeft(t);
  });
});

describe('two Relais processes on one Asterisk', () => {
  it('one owns the calls; the other stands by and takes over when it stops', async () => {
    const config = { ...t.config, server: { ...t.config.server, port: await freeTcpPort() } };
    const second = await startRelais(config, { log: pino({ level: 'silent' }), now: t.now });
    try {
      expect(t.relais.owner).toBe(true);
      expect(second.owner).toBe(false);
      const c1 = await caller(t, [{ pause: 1500 }, { hangup: true }]);
      await waitFor('the owner has the call', () => t.relais.ivr.activeCalls === 1);
      expect(second.ivr.activeCalls).toBe(0);
      expect((await c1.done).code).toBe(0);

      await t.restart(async () => {
        await waitFor('the standby took over', () => second.owner, 5_000);
        const c2 = await caller(t, [{ pause: promptMs(t, 'greeting') + 300 }, { hangup: true }]);
        await waitFor('the new owner has the call', () => second.ivr.activeCalls === 1);
        expect((await c2.done).code).toBe(0);
        expectHeard(c2, 'greeting', t);
      });
      expect(t.relais.owner).toBe(false);
    } finally {
      await second.stop();
    }
    await waitFor('the first process owns again', () => t.relais.owner, 5_000);
    await expectNothingLeft(t);
  });
});

describe('Redis restarted during a call', () => {
  it('the call goes on: a choice pressed while Redis is down is still put through', async () => {
    const eleonore = await staffPhone(t, 'eleonore', 300, [{ pause: 500 }, { hangup: true }]);
    const c = await caller(t, [{ pause: inMenu() + 3000 }, { dtmf: '2' }, { waitBye: true }]);
    await new Promise((r) => setTimeout(r, inMenu()));
    await redis.stop();
    await new Promise((r) => setTimeout(r, 5000));
    await redis.start();
    const result = await c.done;
    expect(result.code, result.errors).toBe(0);
    expect(invitesTo(eleonore)).toBe(1);
    await expectNothingLeft(t);
  });
});

describe('Asterisk crashing', () => {
  it('/health reports it down, Relais starts it again and reconnects, and calls are answered again', async () => {
    const health = async () => {
      const res = await t.relais.http.inject({ method: 'GET', url: '/health' });
      return { status: res.statusCode, body: res.json() as { checks: Record<string, string> } };
    };
    expect(await health()).toEqual({
      status: 200,
      body: { status: 'ok', checks: { asterisk: 'up', ari: 'up', redis: 'up', postgres: 'up' } },
    });
    const pid = t.relais.supervisor.runningPid()!;
    process.kill(pid, 'SIGKILL');
    await waitFor('health reports Asterisk down', async () => (await health()).body.checks.asterisk === 'down', 5_000);
    await waitFor('Asterisk running again, ARI reconnected', async () => (await health()).status === 200, 30_000);
    expect(t.relais.supervisor.runningPid()).not.toBe(pid);
    const c = await caller(t, [{ pause: promptMs(t, 'greeting') + 300 }, { hangup: true }]);
    expect((await c.done).code).toBe(0);
    expectHeard(c, 'greeting', t);
    await expectNothingLeft(t);
  });
});
