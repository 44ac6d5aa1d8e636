/**
 * Customer records against real PostgreSQL, Redis and MariaDB, with the shop's and the helpdesk's
 * stand-ins speaking their real formats: identification by caller ID and email, the cache, merges,
 * the timeline, a slow or failing shop, tickets, and the GDPR operations; the staff API on top.
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerRecords } from '../../customers/index.ts';
import { CustomerStore } from '../../customers/store.ts';
import { osticketClient } from '../../customers/osticket.ts';
import { prestashopClient } from '../../customers/prestashop.ts';
import { migrate } from '../../db/migrate.ts';
import { startFakeOsticket, type FakeOsticket } from '../../demo/fake-osticket.ts';
import { startFakePrestashop, type FakePrestashop } from '../../demo/fake-prestashop.ts';
import { registerErrorHandler } from '../../server/api-errors.ts';
import { requireToken } from '../../server/auth/token.ts';
import { registerCustomerRoutes } from '../../server/routes/customers.ts';
import { waitFor } from '../support/calls.ts';
import { freshMariaDb, type FreshMariaDb } from '../support/mariadb.ts';
import { freshSchema, type FreshSchema } from '../support/pg.ts';

const TIMEOUT_MS = 800;
const TOKEN = 'customers-test-token';

let schema: FreshSchema;
let db: pg.Pool;
let redis: Redis;
let prefix: string;
let mariadb: FreshMariaDb;
let shop: FakePrestashop;
let helpdesk: FakeOsticket;
let records: CustomerRecords;
let api: FastifyInstance;
const logs: { level: number; msg: string }[] = [];

beforeAll(async () => {
  schema = await freshSchema();
  db = new pg.Pool({ connectionString: schema.url, max: 4 });
  await migrate(db);
  redis = new Redis('redis://127.0.0.1:6379');
  prefix = `relais-customers-${randomBytes(3).toString('hex')}`;
  mariadb = await freshMariaDb();
  shop = await startFakePrestashop();
  helpdesk = await startFakeOsticket({ database: { url: mariadb.url } });
  const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  records = new CustomerRecords({
    db,
    redis,
    prefix,
    home: 'FR',
    shop: prestashopClient({ url: shop.url, key: shop.key, timeoutMs: 5000, home: 'FR', timezone: 'Europe/Paris' }),
    helpdesk: osticketClient({
      url: helpdesk.url,
      apiKey: helpdesk.apiKey,
      timeoutMs: 3000,
      database: { url: mariadb.url, tablePrefix: 'ost_' },
      timezone: 'UTC',
    }),
    premiumShopGroups: [4],
    lookupTimeoutMs: TIMEOUT_MS,
    cacheSeconds: 60,
    retention: { interactionsDays: 1095, provisionalDays: 365 },
    log,
  });
  api = Fastify();
  registerErrorHandler(api);
  await api.register(async (scope) => {
    scope.addHook('preHandler', requireToken(TOKEN));
    registerCustomerRoutes(scope, records);
  });
}, 60_000);

afterAll(async () => {
  await api?.close();
  await records?.close();
  await shop?.close();
  await helpdesk?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await db?.end();
  await schema?.drop();
  await mariadb?.drop();
});

const shopRequests = () => shop.requests.length;
const warnings = (pattern: RegExp) => logs.filter((l) => l.level === 40 && pattern.test(l.msg)).length;

describe('a caller identified by their number', () => {
  it('finds the shop customer behind a number stored in another format, with their tier', async () => {
    // Her address says "06 12 34 56 78"; the trunk sends 0612345678.
    const marie = await records.identifyCaller('0612345678');
    expect(marie).toMatchObject({ name: 'Marie Dupont', tier: 'premium', provisional: false, shopId: '1' });
    expect(marie!.phones).toEqual(['+33612345678']);
    expect(marie!.emails).toEqual(['marie.dupont@example.fr']);
    expect(await records.priorityOf('+33 6 12 34 56 78')).toBe('premium');

    const julien = await records.identifyCaller('0142685300');
    expect(julien).toMatchObject({ name: 'Julien Martin', tier: 'basic', provisional: false });
    expect(await records.priorityOf('0142685300')).toBe('normal');
  });

  it('answers from the cache: the shop is asked once per number', async () => {
    await records.identifyCaller('+33698765432');
    const asked = shopRequests();
    const again = await records.identifyCaller('06 98 76 54 32');
    expect(again?.name).toBe('Sophie Bernard');
    expect(shopRequests()).toBe(asked);
  });

  it('gives a withheld number no record', async () => {
    expect(await records.identifyCaller('anonymous')).toBeNull();
    expect(await records.priorityOf('')).toBe('normal');
  });
});

describe('an unknown caller', () => {
  it('gets a provisional record, merged with the shop account when they later chat with their email', async () => {
    const caller = await records.identifyCaller('0677889900');
    expect(caller).toMatchObject({ name: null, provisional: true, tier: 'basic', phones: ['+33677889900'] });
    const t0 = new Date('2026-11-24T09:00:00Z');
    await records.interactions.begin({
      id: 'call-unknown',
      channel: 'call',
      direction: 'inbound',
      contact: '+33677889900',
      customerId: caller!.id,
      at: t0,
    });
    await records.interactions.change('call-unknown', { team: 'sales', agent: 'alice', answeredAt: new Date(t0.getTime() + 20_000) });
    await records.interactions.end('call-unknown', 'answered', new Date(t0.getTime() + 200_000));

    // Later she chats, giving the email of her shop account, and the agent adds the number she called from.
    const visitor = await records.identifyVisitor('Camille.Leroy@example.fr', 'chat', { name: 'Camille' });
    expect(visitor).toMatchObject({ name: 'Camille Leroy', provisional: false, shopId: '5' });
    await records.interactions.begin({
      id: 'chat-camille',
      channel: 'chat',
      direction: 'inbound',
      contact: 'camille.leroy@example.fr',
      customerId: visitor!.id,
      at: new Date(t0.getTime() + 3_600_000),
    });
    const merged = await records.link(visitor!.id, { kind: 'phone', value: '+33677889900' }, 'chat');
    expect(merged.id).toBe(visitor!.id); // the shop-matched record survives
    expect(merged.phones).toContain('+33677889900');

    // The provisional id still resolves, and the timeline holds both, phone then chat.
    expect((await records.get(caller!.id))?.id).toBe(visitor!.id);
    const timeline = (await records.timeline(caller!.id))!;
    expect(timeline.map((e) => [e.kind, e.channel, e.id])).toEqual([
      ['interaction', 'call', 'call-unknown'],
      ['interaction', 'chat', 'chat-camille'],
    ]);
    expect(timeline[0]).toMatchObject({ team: 'sales', agent: 'alice', outcome: 'answered', answeredAt: '2026-11-24T09:00:20.000Z' });
    // The next call from that number is hers at once.
    expect((await records.identifyCaller('06 77 88 99 00'))?.name).toBe('Camille Leroy');
  });

  it('keeps two shop accounts apart even when they come to share a number', async () => {
    const sophie = (await records.identifyCaller('0698765432'))!;
    const julien = (await records.identifyCaller('0142685300'))!;
    const after = await records.link(julien.id, { kind: 'phone', value: '+33698765432' }, 'staff');
    expect(after.id).toBe(julien.id);
    expect((await records.get(sophie.id))?.phones).toContain('+33698765432');
  });
});

describe('a record created by two processes at once', () => {
  it('is one record: the identity decides, the other attempt leaves nothing behind, and both answer it as a read would', async () => {
    const [here, there] = [new CustomerStore(db), new CustomerStore(db)];
    const email = `double-${randomBytes(3).toString('hex')}@example.fr`;
    // Both looked and found nobody: both create.
    const [a, b] = await Promise.all([
      here.findOrCreate({ kind: 'email', value: email }, 'chat', { name: 'Double' }, null),
      there.findOrCreate({ kind: 'email', value: email }, 'chat', { name: 'Double' }, null),
    ]);
    expect(a.id).toBe(b.id);
    expect(a).toEqual(await here.findBy({ kind: 'email', value: email }));
    expect(a).toMatchObject({ name: 'Double', provisional: true, emails: [email], phones: [], shopId: null });
    const { rows } = await db.query('select count(*)::int as n from customers where name = $1', ['Double']);
    expect(rows[0].n).toBe(1);
  });
});

describe('a slow or failing shop', () => {
  it('never holds a lookup past the timeout; the record is completed when the shop answers', async () => {
    shop.setLatency(2500);
    try {
      const started = Date.now();
      const thomas = await records.identifyCaller('+32 470 12 34 56');
      const took = Date.now() - started;
      expect(took).toBeLessThan(TIMEOUT_MS + 250);
      expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(thomas).toMatchObject({ provisional: true, name: null });
      await waitFor(
        'the shop answered and completed the record',
        async () => (await records.get(thomas!.id))?.name === 'Thomas Petit',
        6000,
      );
    } finally {
      shop.setLatency(0);
    }
  });

  it('answers at once for a customer already matched with the shop, refreshing the record in the background', async () => {
    await redis.del(`${prefix}:customers:phone:+33142685300`); // the cached answer expired
    shop.setLatency(1500);
    try {
      const asked = shopRequests();
      const started = Date.now();
      const julien = await records.identifyCaller('0142685300');
      expect(Date.now() - started).toBeLessThan(200);
      expect(julien).toMatchObject({ name: 'Julien Martin', provisional: false });
      await waitFor('the shop was asked again', () => shopRequests() > asked, 3000);
    } finally {
      shop.setLatency(0);
    }
  });

  it.each([
    ['down', 1],
    ['html', 2],
    ['garbage', 3],
    ['huge', 4],
    ['wrong-shape', 5],
  ] as const)('goes on unidentified when the shop answers %s, and says so once per outage', async (mode, n) => {
    const numbers = [1, 2, 3].map((k) => `06110${n}000${k}`);
    const before = warnings(/shop unavailable/);
    const recovered = logs.filter((l) => /shop answers again/.test(l.msg)).length;
    shop.setMode(mode);
    try {
      for (const n of numbers) {
        const c = await records.identifyCaller(n);
        expect(c).toMatchObject({ provisional: true, name: null });
      }
      expect(warnings(/shop unavailable/)).toBe(before + 1);
    } finally {
      shop.setMode('normal');
    }
    // Back to normal: the numbers are asked again (a failure is not cached), one line says so.
    await records.identifyCaller(numbers[0]!);
    expect(logs.filter((l) => /shop answers again/.test(l.msg)).length).toBe(recovered + 1);
  });
});

describe('helpdesk tickets', () => {
  it("lists a customer's tickets from the helpdesk database, and opens one linked to an interaction", async () => {
    const marie = (await records.identifyCaller('0612345678'))!;
    expect((await records.ticketsOf(marie))!.map((t) => [t.number, t.subject, t.status])).toEqual([
      ['482913', 'Seedbox lente depuis hier soir', 'Open'],
    ]);
    await records.interactions.begin({
      id: 'call-ticket',
      channel: 'call',
      direction: 'inbound',
      contact: '+33612345678',
      customerId: marie.id,
      at: new Date(),
    });
    const number = await records.openTicket(
      {
        name: 'Marie Dupont',
        email: 'marie.dupont@example.fr',
        phone: '+33612345678',
        subject: 'Message vocal',
        message: 'Rappelez-moi svp',
      },
      'call-ticket',
    );
    expect(number).toMatch(/^\d{6}$/);
    expect(helpdesk.tickets.at(-1)).toMatchObject({ name: 'Marie Dupont', email: 'marie.dupont@example.fr', subject: 'Message vocal' });
    const tickets = (await records.ticketsOf(marie))!;
    expect(tickets[0]).toMatchObject({ number, subject: 'Message vocal', status: 'Open' });
    const timeline = (await records.timeline(marie.id))!;
    expect(timeline.find((e) => e.id === 'call-ticket')?.links).toEqual({ ticket: number });
  });
});

describe('the staff API', () => {
  const get = (url: string, token: string | null = TOKEN) =>
    api.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('needs the token, and checks ids and bodies', async () => {
    expect((await get('/api/customers?q=dupont', null)).statusCode).toBe(401);
    expect((await get('/api/customers?q=dupont', 'wrong')).statusCode).toBe(401);
    expect((await get('/api/customers/not-a-uuid/timeline')).statusCode).toBe(400);
    expect((await get('/api/customers/00000000-0000-4000-8000-000000000000/timeline')).statusCode).toBe(404);
    expect((await get('/api/customers')).statusCode).toBe(400);
  });

  it('finds customers by name, phone in any format, or email; shows orders and tickets', async () => {
    const byName = (await get('/api/customers?q=dupont')).json();
    expect(byName.map((c: { name: string }) => c.name)).toEqual(['Marie Dupont']);
    expect((await get(`/api/customers?q=${encodeURIComponent('06 12 34 56 78')}`)).json()[0].name).toBe('Marie Dupont');
    expect((await get('/api/customers?q=MARIE.DUPONT@example.fr')).json()[0].name).toBe('Marie Dupont');
    expect((await get('/api/customers?q=%25')).json()).toEqual([]); // LIKE wildcards match themselves

    const record = (await get(`/api/customers/${byName[0].id}`)).json();
    expect(record.orders.map((o: { reference: string }) => o.reference)).toEqual(['XKBKNABJK', 'QWERTYUIO']);
    expect(record.tickets.length).toBeGreaterThanOrEqual(1);
  });

  it('adds notes to the timeline, in order', async () => {
    const marie = (await records.identifyCaller('0612345678'))!;
    const post = (body: object) =>
      api.inject({ method: 'POST', url: `/api/customers/${marie.id}/notes`, headers: { authorization: `Bearer ${TOKEN}` }, payload: body });
    expect((await post({ author: 'alice', body: '' })).statusCode).toBe(400);
    expect((await post({ author: 'alice', body: 'x', extra: 1 })).statusCode).toBe(400);
    const created = await post({ author: 'alice', body: '<b>Client</b> très pressé' });
    expect(created.statusCode).toBe(201);
    const entries = (await get(`/api/customers/${marie.id}/timeline`)).json().entries;
    expect(entries.at(-1)).toMatchObject({ kind: 'note', author: 'alice', body: '<b>Client</b> très pressé' });
  });
});

describe('privacy (GDPR)', () => {
  it('exports everything held on a customer, then erases them, keeping interactions anonymised', async () => {
    const marie = (await records.identifyCaller('0612345678'))!;
    const auth = { authorization: `Bearer ${TOKEN}` };
    const exported = await api.inject({ method: 'GET', url: `/api/customers/${marie.id}/export`, headers: auth });
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-disposition']).toContain('attachment');
    const doc = exported.json();
    expect(doc.customer.name).toBe('Marie Dupont');
    expect(doc.identities.map((i: { kind: string }) => i.kind).sort()).toEqual(['email', 'phone', 'shop']);
    expect(doc.interactions.map((i: { id: string }) => i.id)).toContain('call-ticket');
    expect(doc.notes.length).toBeGreaterThanOrEqual(1);

    const erased = await api.inject({ method: 'DELETE', url: `/api/customers/${marie.id}`, headers: auth });
    expect(erased.statusCode).toBe(204);
    expect((await api.inject({ method: 'GET', url: `/api/customers/${marie.id}`, headers: auth })).statusCode).toBe(404);
    const left = await db.query("select customer_id, contact, outcome from interactions where id = 'call-ticket'");
    expect(left.rows).toEqual([{ customer_id: null, contact: null, outcome: null }]);
    expect((await db.query('select count(*)::int as n from customer_notes where customer_id = $1', [marie.id])).rows[0].n).toBe(0);
    expect(await records.search('dupont')).toEqual([]);
    // The cache forgot her too: a new call is a new record (the shop still knows her).
    const next = await records.identifyCaller('0612345678');
    expect(next?.id).not.toBe(marie.id);
  });

  it('purges by the retention periods: old interactions, and provisional records not seen for a year', async () => {
    const stale = (await records.identifyCaller('0655443322'))!;
    await db.query("update customers set last_seen_at = now() - interval '400 days' where id = $1", [stale.id]);
    await records.interactions.begin({
      id: 'call-ancient',
      channel: 'call',
      direction: 'inbound',
      contact: '+33655443322',
      customerId: stale.id,
      at: new Date(Date.now() - 1200 * 86_400_000),
    });
    await db.query("update customers set last_seen_at = now() - interval '400 days' where id = $1", [stale.id]);
    const recent = (await records.identifyCaller('0655443311'))!;

    const result = await records.purge(new Date());
    expect(result.interactions).toBeGreaterThanOrEqual(1);
    expect(result.customers).toBeGreaterThanOrEqual(1);
    expect(await records.get(stale.id)).toBeNull();
    expect((await db.query("select count(*)::int as n from interactions where id = 'call-ancient'")).rows[0].n).toBe(0);
    expect((await records.get(recent.id))?.phones).toEqual(['+33655443311']);
  });
});
