/**
 * Relais, Redis or Asterisk going away mid-call: calls are adopted and go on, or end with a
 * spoken apology; never a caller left in silence, never a leftover.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startRelais } from '../../server/relais.ts';
import { freeTcpPort, freeUdpBlock, startTestRelais, type TestRelais } from '../support/relais.ts';
import { privateRedis, type TestRedis } from '../support/redis.ts';
import {
  caller,
  customer,
  expectHeard,
  expectNothingLeft,
  invitesTo,
  promptMs,
  staffPhone,
  releasePeers,
  waitFor,
  expectCompleted,
} from '../support/calls.ts';

let t: TestRelais;
let redis: TestRedis;
let customerPort: number;

beforeAll(async () => {
  redis = await privateRedis();
  customerPort = await freeUdpBlock(2);
  t = await startTestRelais({
    patch: (c) => {
      c.redis = { url: redis.url, prefix: 'relais' };
      c.teams['after-sales'] = { ...c.teams['after-sales']!, wrapUpSeconds: 2 };
      c.callbacks = { ...c.callbacks!, dial: `sip:{number}@127.0.0.1:${customerPort}` };
    },
  });
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

  it('while callers wait in a queue: they keep their places, in order, and nobody is dropped', { timeout: 120_000 }, async () => {
    const eleonore = await staffPhone(t, 'eleonore', 300, [{ pause: 500 }, { hangup: true }]);
    await t.relais.routing.setPresence('eleonore', 'paused', 'réunion');
    const froms = ['0611111111', '0622222222', '0633333333'];
    const callers = [];
    for (const from of froms) {
      callers.push(await caller(t, [{ pause: inMenu() }, { dtmf: '2' }, { waitBye: true }], { from, timeoutMs: 100_000 }));
      await waitFor(`${from} waiting`, async () => (await t.relais.routing.teamSnapshot('after-sales')).waiting === callers.length, 20_000);
    }
    await t.restart();
    await waitFor('the callers adopted', () => t.relais.ivr.activeCalls === 3);
    expect((await t.relais.routing.teamSnapshot('after-sales')).waiting).toBe(3);
    await t.relais.routing.setPresence('eleonore', 'available');
    for (const c of callers) expectCompleted(await c.done);
    expect(eleonore.received('INVITE').map((i) => i.from)).toEqual(froms);
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
      expectCompleted(await c1.done);

      await t.restart(async () => {
        await waitFor('the standby took over', () => second.owner, 5_000);
        const c2 = await caller(t, [{ pause: promptMs(t, 'greeting') + 300 }, { hangup: true }]);
        await waitFor('the new owner has the call', () => second.ivr.activeCalls === 1);
        expectCompleted(await c2.done);
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

describe('a callback waiting for its turn', () => {
  it('survives a Redis restart, Redis coming back empty, and an Asterisk crash; then it is placed', { timeout: 120_000 }, async () => {
    const post = await fetch(`http://127.0.0.1:${t.config.server.port}/api/callbacks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ number: '0677777777', team: 'sales' }),
    });
    expect(post.status).toBe(201);
    // Nobody of sales is logged in: it waits in the queue.
    await waitFor('callback queued', async () => (await t.relais.routing.teamSnapshot('sales')).waiting === 1);

    await redis.stop();
    await redis.start();
    await waitFor('still queued after a Redis restart', async () => (await t.relais.routing.teamSnapshot('sales')).waiting === 1);

    // Redis lost everything (no persistence, a new server): PostgreSQL has the callback, and the
    // restarted Relais puts it back in its place.
    await t.restart(async () => {
      const r = new Redis(redis.url);
      await r.flushall();
      r.disconnect();
    });
    await waitFor('queued again from PostgreSQL', async () => (await t.relais.routing.teamSnapshot('sales')).waiting === 1);

    process.kill(t.relais.supervisor.runningPid()!, 'SIGKILL');
    await waitFor('Asterisk back', async () => (await t.relais.http.inject({ method: 'GET', url: '/health' })).statusCode === 200, 30_000);

    const called = await customer(customerPort, { answerAfterMs: 300, steps: [{ pause: 1000 }, { hangup: true }] });
    const denis = await staffPhone(t, 'denis', 300);
    expectCompleted(await called.done);
    expect(denis.received('INVITE').map((i) => i.from)).toEqual(['+33677777777']);
    const [cb] = await t.relais.callbacks!.list({ limit: 5 });
    expect(cb).toMatchObject({ number: '+33677777777', status: 'done', attempts: 1 });
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
    expectCompleted(await c.done);
    expectHeard(c, 'greeting', t);
    await expectNothingLeft(t);
  });
});
