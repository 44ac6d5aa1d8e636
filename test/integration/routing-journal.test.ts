/**
 * The routing journal on the real Redis and PostgreSQL: entries in the core's format reach
 * `routing_events` exactly once through replays, restarts, outages, bad entries and two processes.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { databaseUrl } from '../support/pg.ts';
import { JOURNAL_GROUP, RoutingJournal, journalStreamKey, type RoutingJournalOptions } from '../../routing/journal.ts';
import { privateRedis } from '../support/redis.ts';

const tag = randomBytes(4).toString('hex');
const schema = `relais_test_${tag}`;
const admin = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
const pool = new pg.Pool({ connectionString: databaseUrl(), options: `-c search_path=${schema}`, max: 4 });
const redis = new Redis('redis://127.0.0.1:6379');
const silent = pino({ level: 'silent' });
const T0 = Date.parse('2026-11-24T09:00:00Z');

let prefix = '';
let n = 0;
const key = () => journalStreamKey(prefix);
const journals: RoutingJournal[] = [];
const extraPools: pg.Pool[] = [];

function journal(db: pg.Pool, opts: Partial<RoutingJournalOptions> & { log?: Logger } = {}): RoutingJournal {
  const j = new RoutingJournal(redis, db, opts.log ?? silent, { prefix, blockMs: 100, retryMs: { min: 10, max: 50 }, ...opts });
  journals.push(j);
  return j;
}

/** A pool that cannot work, its connection errors swallowed as a wiring would log them. */
function brokenPool(url: string): pg.Pool {
  const p = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 2000 });
  p.on('error', () => undefined);
  extraPools.push(p);
  return p;
}

function capture(): { log: Logger; lines: { level: number; msg: string; streamId?: string; err?: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  return { log: pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) }), lines };
}

/** An entry as `RoutingStore.journal` writes it. */
function entry(i: number, over: Record<string, string> = {}): Record<string, string> {
  const base = { at: String(T0 + i * 1000), step: 'queued', interaction: `ix-${i}`, team: 'support', channel: 'call', priority: 'normal' };
  return { ...base, agent: '', data: '{}', ...over };
}

async function xadd(fields: Record<string, string>, id = '*', client = redis): Promise<string> {
  return (await client.xadd(key(), id, ...Object.entries(fields).flat()))!;
}

/** In one MULTI, as the core writes them: a reader gets them together. */
async function addMany(count: number, from = 0): Promise<string[]> {
  const tx = redis.multi();
  for (let i = from; i < from + count; i++) tx.xadd(key(), '*', ...Object.entries(entry(i)).flat());
  return ((await tx.exec()) ?? []).map(([err, id]) => {
    if (err) throw err;
    return id as string;
  });
}

/** Rows as pg returns them: `at` a Date, `data` parsed. */
async function rows(): Promise<pg.QueryResultRow[]> {
  return (await pool.query('select stream_id, at, step, interaction_id, agent, data from routing_events order by id')).rows;
}

async function pending(): Promise<number> {
  const [count] = (await redis.xpending(key(), JOURNAL_GROUP)) as [number];
  return count;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The test pool, with something done around each query. */
function around(hook: (run: () => Promise<unknown>) => Promise<unknown>): pg.Pool {
  return {
    query: (...args: unknown[]) => hook(() => (pool.query as (...a: unknown[]) => Promise<unknown>)(...args)),
  } as unknown as pg.Pool;
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

beforeAll(async () => {
  await admin.query(`create schema ${schema}`);
  await migrate(pool);
});

beforeEach(async () => {
  prefix = `relais-test-${tag}-${n++}`;
  await pool.query('truncate routing_events');
});

afterEach(async () => {
  await Promise.all(journals.splice(0).map((j) => j.stop()));
  await Promise.all(extraPools.splice(0).map((p) => p.end()));
});

afterAll(async () => {
  const keys = await redis.keys(`relais-test-${tag}-*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await pool.end();
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.end();
});

describe('RoutingJournal', () => {
  it('copies entries in the documented format once, in order, and empties the stream', async () => {
    // Written before any journal ran: the group starts from the beginning of the stream.
    const ids = [
      await xadd(entry(0)),
      await xadd(entry(1, { step: 'offered', interaction: 'ix-0', data: '{"agents":["ana","bob"]}' })),
      await xadd(entry(2, { step: 'accepted', interaction: 'ix-0', agent: 'ana', priority: 'premium' })),
      ...(await addMany(20, 10)),
    ];
    const j = journal(pool, { batchSize: 7 });
    await j.start();
    await j.flush();
    ids.push(...(await addMany(3, 40)), await xadd(entry(50, { step: 'ended', interaction: 'ix-0', agent: 'ana' })));
    await j.flush();

    const got = await rows();
    expect(got.map((r) => r.stream_id)).toEqual(ids);
    expect(got[0]).toEqual({ stream_id: ids[0], at: new Date(T0), step: 'queued', interaction_id: 'ix-0', agent: null, data: {} });
    expect(got[1]).toMatchObject({ step: 'offered', agent: null, data: { agents: ['ana', 'bob'] } });
    expect(got[2]).toMatchObject({ step: 'accepted', agent: 'ana', at: new Date(T0 + 2000) });
    const { rows: premium } = await pool.query(`select count(*)::int as n from routing_events where priority = 'premium'`);
    expect(premium).toEqual([{ n: 1 }]);
    expect(await redis.xlen(key())).toBe(0);
    expect(await pending()).toBe(0);
  });

  it('writes once an insert that committed although its reply was lost', async () => {
    let lose = 1;
    const lossy = around(async (run) => {
      const result = await run();
      if (lose-- > 0) throw new Error('Connection terminated unexpectedly');
      return result;
    });
    const { log, lines } = capture();
    await addMany(5);
    await journal(lossy, { log }).start();
    await journals[0]!.flush();
    expect((await rows()).map((r) => r.interaction_id)).toEqual(['ix-0', 'ix-1', 'ix-2', 'ix-3', 'ix-4']);
    expect(lines.map((l) => l.msg)).toEqual([
      'routing journal: postgres unavailable, entries kept in the stream; retrying',
      'routing journal: postgres back',
    ]);
  });

  it('keeps entries pending while PostgreSQL is unreachable, logs it once, and a restart writes them', async () => {
    const { log, lines } = capture();
    const down = journal(brokenPool('postgres://relais@127.0.0.1:1/relais'), { consumer: 'proc-1', log });
    await down.start();
    await addMany(10);
    await waitFor('10 pending entries', async () => (await pending()) === 10);
    await sleep(300); // several retries
    await expect(down.flush(100)).rejects.toThrow(/routing journal not flushed up to \d+-\d+ within 100 ms/);
    const started = Date.now();
    await down.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await rows()).toEqual([]);
    expect(lines.filter((l) => l.level >= 40)).toEqual([
      expect.objectContaining({ level: 50, err: expect.stringMatching(/ECONNREFUSED/) }),
    ]);
    expect(await pending()).toBe(10);

    // The same process name, restarted: it re-reads its own pending entries first.
    const restarted = journal(pool, { consumer: 'proc-1' });
    await restarted.start();
    await restarted.flush();
    expect(await rows()).toHaveLength(10);
    expect(await pending()).toBe(0);
  });

  it("claims a dead process' pending entries (its database did not exist)", async () => {
    const missing = new URL(databaseUrl());
    missing.pathname = `/relais_missing_${tag}`;
    const { log, lines } = capture();
    const dead = journal(brokenPool(missing.href), { consumer: 'dead', log });
    await dead.start();
    await addMany(6);
    await waitFor('6 pending entries', async () => (await pending()) === 6);
    await dead.stop();
    expect(lines).toEqual([expect.objectContaining({ level: 50, err: expect.stringMatching(/does not exist/) })]);

    const alive = journal(pool, { consumer: 'alive', claimIdleMs: 200 });
    await alive.start();
    await alive.flush();
    expect((await rows()).map((r) => r.interaction_id).sort()).toEqual(['ix-0', 'ix-1', 'ix-2', 'ix-3', 'ix-4', 'ix-5']);
    expect(await pending()).toBe(0);
  });

  it('a process that crashed between commit and ack: its entries are re-read and not written twice', async () => {
    const ids = await addMany(6);
    await redis.xgroup('CREATE', key(), JOURNAL_GROUP, '0');
    await redis.xreadgroup('GROUP', JOURNAL_GROUP, 'crashed', 'COUNT', 6, 'STREAMS', key(), '>');
    // It had committed the first three rows.
    for (const [i, id] of ids.slice(0, 3).entries()) {
      await pool.query(
        `insert into routing_events (stream_id, at, step, interaction_id, team, channel, priority) values ($1, $2, 'queued', $3, 'support', 'call', 'normal')`,
        [id, new Date(T0 + i * 1000), `ix-${i}`],
      );
    }
    const j = journal(pool, { consumer: 'crashed' });
    await j.start();
    await j.flush();
    expect((await rows()).map((r) => r.stream_id)).toEqual(ids);
  });

  it('replaying the same stream entries inserts nothing twice', async () => {
    const ids = ['1000-1', '1000-2', '1000-3'];
    for (const [i, id] of ids.entries()) await xadd(entry(i), id);
    const first = journal(pool);
    await first.start();
    await first.flush();
    await first.stop();
    await redis.del(key());
    for (const [i, id] of [...ids, '1000-4'].entries()) await xadd(entry(i), id);
    const second = journal(pool);
    await second.start();
    await second.flush();
    expect((await rows()).map((r) => r.stream_id)).toEqual([...ids, '1000-4']);
  });

  it('drops malformed entries, logging each, without holding back the ones after them', async () => {
    const good1 = await xadd(entry(0));
    const bad = [
      await xadd(entry(1, { step: 'teleported' })),
      await xadd({ at: String(T0) }),
      await xadd(entry(2, { data: '{not json' })),
      await xadd(entry(3, { data: '[1,2]' })),
      await xadd(entry(4, { channel: 'fax' })),
      await xadd(entry(5, { at: '-5' })),
      await xadd(entry(6, { agent: 'x'.repeat(201) })),
    ];
    const refused = await xadd(entry(7, { team: 'sup\u0000port' })); // valid for zod, refused by PostgreSQL
    const good2 = await xadd(entry(8));
    const { log, lines } = capture();
    const j = journal(pool, { log });
    await j.start();
    await j.flush();
    expect((await rows()).map((r) => r.stream_id)).toEqual([good1, good2]);
    const warned = lines.filter((l) => l.level === 40);
    expect(warned.map((l) => l.streamId)).toEqual([...bad, refused]);
    expect(warned[0]).toMatchObject({ msg: 'malformed routing journal entry dropped', problems: [expect.stringMatching(/^step: /)] });
    expect(warned.at(-1)).toMatchObject({ msg: 'routing journal entry refused by PostgreSQL, dropped' });
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(await redis.xlen(key())).toBe(0);
    expect(await pending()).toBe(0);
  });

  it('acks an entry deleted while it was pending', async () => {
    const [gone, kept] = await addMany(2);
    await redis.xgroup('CREATE', key(), JOURNAL_GROUP, '0');
    await redis.xreadgroup('GROUP', JOURNAL_GROUP, 'p', 'COUNT', 2, 'STREAMS', key(), '>');
    await redis.xdel(key(), gone!);
    const j = journal(pool, { consumer: 'p' });
    await j.start();
    await j.flush();
    expect((await rows()).map((r) => r.stream_id)).toEqual([kept]);
    await waitFor('no pending entry', async () => (await pending()) === 0);
  });

  it('two processes on the same stream write each entry once', async () => {
    const a = journal(pool, { consumer: 'a', batchSize: 5 });
    const b = journal(pool, { consumer: 'b', batchSize: 5 });
    await Promise.all([a.start(), b.start()]);
    await Promise.all([0, 50, 100, 150].map((from) => addMany(50, from)));
    await a.flush();
    const { rows: counts } = await pool.query('select count(*)::int as n, count(distinct stream_id)::int as d from routing_events');
    expect(counts).toEqual([{ n: 200, d: 200 }]);
    expect(await pending()).toBe(0);
  });

  it('stop() finishes the batch in hand', async () => {
    let started!: () => void;
    const inserting = new Promise<void>((r) => (started = r));
    const slow = around(async (run) => {
      started();
      await sleep(300);
      return run();
    });
    const j = journal(slow);
    await j.start();
    await addMany(4);
    await inserting;
    await j.stop();
    expect(await rows()).toHaveLength(4);
    expect(await redis.xlen(key())).toBe(0);
  });

  it('a Redis restart without persistence: the group is made again and copying goes on', async () => {
    const server = await privateRedis({ persistent: false });
    const own = new Redis(server.url);
    own.on('error', () => undefined);
    const { log, lines } = capture();
    const j = new RoutingJournal(own, pool, log, { prefix, blockMs: 100, retryMs: { min: 10, max: 200 } });
    try {
      await j.start();
      await xadd(entry(0), '*', own);
      await j.flush();
      await server.stop();
      await sleep(300);
      await server.start();
      await xadd(entry(1), '*', own);
      await j.flush();
      expect((await rows()).map((r) => r.interaction_id)).toEqual(['ix-0', 'ix-1']);
      expect(lines.map((l) => l.msg)).toContain('routing journal: stream or consumer group missing, creating it again');
    } finally {
      await j.stop();
      own.disconnect();
      await server.stop();
    }
  });
});
