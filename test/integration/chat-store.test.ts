/** The chat's message store on real PostgreSQL, under concurrency: order, deduplication, no pool deadlock. */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatStore } from '../../chat/store.ts';
import { migrate } from '../../db/migrate.ts';
import { freshSchema, type FreshSchema } from '../support/pg.ts';

let schema: FreshSchema;
let db: pg.Pool;

beforeAll(async () => {
  schema = await freshSchema();
  // A small pool: more appends at once than connections.
  db = new pg.Pool({ connectionString: schema.url, max: 2 });
  await migrate(db);
});
afterAll(async () => {
  await db?.end();
  await schema?.drop();
});

describe('appending messages', () => {
  it('stores many at once, more than the pool has connections, each once and in a total order', async () => {
    const store = new ChatStore(db);
    const c = await store.create({
      site: 's',
      team: 'sales',
      visitorName: 'V',
      visitorEmail: null,
      verified: false,
      page: null,
      customerId: null,
    });
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const deadline = new Promise((_, reject) => setTimeout(() => reject(new Error('appends did not finish: pool deadlock?')), 10_000));
    const sent = ids.flatMap((id) => [id, id]).map((id, i) => store.append(c.id, { id, from: 'visitor', author: 'V', text: `m${i}` }));
    const results = (await Promise.race([Promise.all(sent), deadline])) as Awaited<(typeof sent)[number]>[];
    expect(results.filter((r) => r && !r.duplicate)).toHaveLength(20);
    const stored = await store.messages(c.id);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => m.id))).toEqual(new Set(ids));
  });
});
