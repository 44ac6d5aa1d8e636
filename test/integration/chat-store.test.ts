/**
 * The chat's message store on real PostgreSQL, under concurrency: messages written in batches
 * keep their order of arrival, are stored once whatever the resends (in one batch, across
 * batches, from two processes at once), a failed batch stores nothing and its resend stores each
 * message once, a message PostgreSQL refuses fails alone, and the pool never deadlocks.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatStore } from '../../chat/store.ts';
import { migrate } from '../../db/migrate.ts';
import { freshSchema, type FreshSchema } from '../support/pg.ts';

let schema: FreshSchema;
let db: pg.Pool;
/** Closed after the suite: each store holds its writer's own connections. */
const stores: ChatStore[] = [];
const pools: pg.Pool[] = [];

beforeAll(async () => {
  schema = await freshSchema();
  // A small pool: more appends at once than connections.
  db = new pg.Pool({ connectionString: schema.url, max: 2 });
  await migrate(db);
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await Promise.all(pools.map((p) => p.end()));
  await db?.end();
  await schema?.drop();
});

const storeOn = (pool: pg.Pool): ChatStore => {
  const store = new ChatStore(pool);
  stores.push(store);
  return store;
};

const conversation = (store: ChatStore) =>
  store.create({ site: 's', team: 'sales', visitorName: 'V', visitorEmail: null, verified: false, page: null, customerId: null });

const within = <T>(p: Promise<T>, what: string, ms = 10_000): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish: pool deadlock?`)), ms))]);

const tick = () => new Promise((r) => setImmediate(r));

/**
 * A pool whose next `failures` message batches fail as if PostgreSQL went away: its connections
 * are of a Client that fails them, and the store makes its writer's pool with the same options.
 */
function flaky(): { pool: pg.Pool; fail(n: number): void } {
  let failures = 0;
  class FlakyClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      const query = this.query.bind(this) as (...args: unknown[]) => unknown;
      this.query = ((...args: unknown[]) => {
        if (failures > 0 && (args[0] as { name?: string }).name === 'chat-write-batch') {
          failures -= 1;
          const err = new Error('Connection terminated unexpectedly');
          // pg-pool asks with a callback; a caller without one gets a promise.
          const callback = args.at(-1);
          if (typeof callback === 'function') return void setImmediate(() => (callback as (e: Error) => void)(err));
          return Promise.reject(err);
        }
        return query(...args);
      }) as pg.Client['query'];
    }
  }
  const pool = new pg.Pool({ connectionString: schema.url, max: 2, Client: FlakyClient });
  pools.push(pool);
  return { pool, fail: (n) => (failures = n) };
}

describe('appending messages', () => {
  it('stores many at once, more than the pool has connections, each once and in their order of arrival', async () => {
    const store = storeOn(db);
    const c = await conversation(store);
    const ids = Array.from({ length: 20 }, () => randomUUID());
    // Each id twice in a row: the second is a resend, inside the same batch.
    const sent = ids.flatMap((id) => [id, id]).map((id, i) => store.append(c.id, { id, from: 'visitor', text: `m${i}` }));
    const results = await within(Promise.all(sent), 'appends');
    expect(results.filter((r) => r && !r.duplicate)).toHaveLength(20);
    expect(results.map((r) => r?.message.seq)).toEqual(ids.flatMap((_, i) => [i + 1, i + 1]));
    const stored = await store.messages(c.id);
    expect(stored.map((m) => m.id)).toEqual(ids);
    // The first of the two sends is the one stored; the author is the conversation's visitor.
    expect(stored.map((m) => m.text)).toEqual(ids.map((_, i) => `m${2 * i}`));
    expect(stored.every((m) => m.author === 'V')).toBe(true);
    // What each send was answered with is the message as stored, whole (its time included); the resend too.
    expect(results.map((r) => r?.message)).toEqual(stored.flatMap((m) => [m, m]));
  });

  it('keeps each sender in order and numbers everything without a gap when two processes write one conversation at once', async () => {
    const [here, there] = [storeOn(db), storeOn(db)];
    const c = await conversation(here);
    const sends: Promise<unknown>[] = [];
    const order: Record<'here' | 'there', string[]> = { here: [], there: [] };
    for (let round = 0; round < 10; round++) {
      for (const [name, store] of [
        ['here', here],
        ['there', there],
      ] as const)
        for (let k = 0; k < 15; k++) {
          const id = randomUUID();
          order[name].push(id);
          sends.push(store.append(c.id, { id, from: name === 'here' ? 'visitor' : 'agent', text: `${name} ${round}.${k}` }));
        }
      await tick();
    }
    await within(Promise.all(sends), 'concurrent appends');
    const stored = await here.messages(c.id);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(stored.filter((m) => m.from === 'visitor').map((m) => m.id)).toEqual(order.here);
    expect(stored.filter((m) => m.from === 'agent').map((m) => m.id)).toEqual(order.there);
  });

  it('stores once a message sent through two processes at the same moment, leaving no gap in the numbers', async () => {
    const [here, there] = [storeOn(db), storeOn(db)];
    const c = await conversation(here);
    for (let round = 0; round < 10; round++) {
      const twice = randomUUID();
      const answers = await within(
        Promise.all([
          here.append(c.id, { id: randomUUID(), from: 'visitor', text: 'before' }),
          here.append(c.id, { id: twice, from: 'visitor', text: 'resent' }),
          there.append(c.id, { id: twice, from: 'visitor', text: 'resent' }),
          there.append(c.id, { id: randomUUID(), from: 'visitor', text: 'after' }),
        ]),
        'racing resends',
      );
      expect(answers[1]!.message.seq).toBe(answers[2]!.message.seq);
      expect([answers[1]!.duplicate, answers[2]!.duplicate].sort()).toEqual([false, true]);
    }
    const stored = await here.messages(c.id);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('a batch that fails stores nothing, and its resend stores each message once', async () => {
    const { pool, fail } = flaky();
    const store = storeOn(pool);
    const c = await conversation(store);
    const first = { id: randomUUID(), from: 'visitor' as const, text: 'acknowledged, then resent' };
    expect((await store.append(c.id, first))?.duplicate).toBe(false);
    const batch = Array.from({ length: 5 }, (_, i) => ({ id: randomUUID(), from: 'visitor' as const, text: `b${i}` }));
    fail(1);
    const failed = await Promise.allSettled(batch.map((m) => store.append(c.id, m)));
    expect(failed.map((r) => r.status)).toEqual(batch.map(() => 'rejected'));
    expect(await store.messages(c.id)).toHaveLength(1);
    // The clients resend everything unacknowledged, and one acknowledged message whose answer was lost.
    const resent = await Promise.all([first, ...batch].map((m) => store.append(c.id, m)));
    expect(resent.map((r) => r?.duplicate)).toEqual([true, false, false, false, false, false]);
    expect((await store.messages(c.id)).map((m) => [m.seq, m.text])).toEqual([
      [1, 'acknowledged, then resent'],
      ...batch.map((m, i) => [i + 2, m.text]),
    ]);
  });

  it('a message PostgreSQL refuses fails alone, not the others of its batch', async () => {
    const store = storeOn(db);
    const c = await conversation(store);
    const good = Array.from({ length: 4 }, (_, i) => ({ id: randomUUID(), from: 'visitor' as const, text: `ok ${i}` }));
    // No such attachment: the foreign key refuses this one row.
    const bad = { id: randomUUID(), from: 'visitor' as const, text: 'x', attachment: randomUUID() };
    const answers = await Promise.allSettled([good[0]!, good[1]!, bad, good[2]!, good[3]!].map((m) => store.append(c.id, m)));
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((await store.messages(c.id)).map((m) => m.text)).toEqual(['ok 0', 'ok 1', 'ok 2', 'ok 3']);
  });

  it('says whether an agent had the conversation when a message was stored (who its room may hold)', async () => {
    const store = storeOn(db);
    const c = await conversation(store);
    expect(await store.append(c.id, { id: randomUUID(), from: 'visitor', text: 'en attente' })).toMatchObject({ agentAssigned: false });
    await store.assign(c.id, 'denis', 'Denis Douc');
    expect(await store.append(c.id, { id: randomUUID(), from: 'agent', text: 'Bonjour' })).toMatchObject({
      agentAssigned: true,
      message: { author: 'Denis Douc' },
    });
  });

  it('refuses new messages in an ended conversation, and still answers a resend of one stored before', async () => {
    const store = storeOn(db);
    const c = await conversation(store);
    const before = { id: randomUUID(), from: 'visitor' as const, text: 'avant la fin' };
    await store.append(c.id, before);
    await store.end(c.id);
    const [resend, late, unknown] = await Promise.all([
      store.append(c.id, before),
      store.append(c.id, { id: randomUUID(), from: 'visitor', text: 'trop tard' }),
      store.append(randomUUID(), { id: randomUUID(), from: 'visitor', text: 'nulle part' }),
    ]);
    expect(resend).toMatchObject({ duplicate: true, message: { seq: 1, text: 'avant la fin' } });
    expect(late).toBeUndefined();
    expect(unknown).toBeUndefined();
    // Stored nowhere: the statement writes a message only into the conversation it just bumped.
    expect(await db.query('select 1 from chat_messages where body = any($1)', [['trop tard', 'nulle part']])).toMatchObject({
      rowCount: 0,
    });
  });

  it('deletes the messages of a conversation deleted (by hand: Relais keeps them all)', async () => {
    const store = storeOn(db);
    const [gone, kept] = [await conversation(store), await conversation(store)];
    for (const c of [gone, kept]) await store.append(c.id, { id: randomUUID(), from: 'visitor', text: 'bonjour' });
    await db.query('delete from conversations where id = $1', [gone.id]);
    expect(await store.messages(gone.id)).toEqual([]);
    expect(await store.messages(kept.id)).toHaveLength(1);
  });
});
