/**
 * Customer lookup latency, on the real PostgreSQL and Redis with the PrestaShop stand-in: a caller
 * ID looked up for the first time (local record + shop + merge + cache), and again (cache), each
 * against a baseline measured in the same run: the shop's own webservice requests for the first,
 * one Redis GET and one PostgreSQL read for the second (DESIGN §5).
 *
 *   npx tsx bench/customer-lookup.ts [--customers 300] [--rounds 3] [--json]
 *
 * The shop holds `--customers` customers, each with a mobile number written "06 xx xx xx xx"; every
 * one is looked up once uncached (new record, shop asked), then `--rounds` times cached.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { CustomerRecords } from '../customers/index.ts';
import { prestashopClient } from '../customers/prestashop.ts';
import { migrate } from '../db/migrate.ts';
import { startFakePrestashop, type FakeShopCustomer } from '../demo/fake-prestashop.ts';
import { freshSchema } from '../test/support/pg.ts';
import { percentile } from './stats.ts';

const { values: args } = parseArgs({
  options: { customers: { type: 'string', default: '300' }, rounds: { type: 'string', default: '3' }, json: { type: 'boolean' } },
});
const N = Number(args.customers);
const ROUNDS = Number(args.rounds);

const mobile = (i: number) =>
  `06 ${String(10 + Math.floor(i / 1_000_000)).slice(-2)} ${String(i)
    .padStart(6, '0')
    .replace(/(\d\d)(\d\d)(\d\d)/, '$1 $2 $3')}`;
const customers: FakeShopCustomer[] = Array.from({ length: N }, (_, i) => ({
  id: i + 1,
  firstname: `Client${i}`,
  lastname: 'Banc',
  email: `client${i}@example.fr`,
  company: '',
  groups: i % 5 === 0 ? [4, 3] : [3],
  dateAdd: '2025-01-01 10:00:00',
  addresses: [{ alias: 'Maison', address1: '1 rue', postcode: '75001', city: 'Paris', country: 'FR', phone: '', phoneMobile: mobile(i) }],
  orders: [],
  tickets: [],
}));

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function summary(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99) };
}

const schema = await freshSchema();
const db = new pg.Pool({ connectionString: schema.url, max: 4 });
await migrate(db);
const redis = new Redis('redis://127.0.0.1:6379');
const prefix = `relais-bench-${randomBytes(3).toString('hex')}`;
const shopServer = await startFakePrestashop({ customers });
const shop = prestashopClient({ url: shopServer.url, key: shopServer.key, timeoutMs: 5000, home: 'FR', timezone: 'Europe/Paris' });
const records = new CustomerRecords({
  db,
  redis,
  prefix,
  home: 'FR',
  shop,
  premiumShopGroups: [4],
  // The uncached figure is the whole lookup: no timeout cutting it short.
  lookupTimeoutMs: 10_000,
  cacheSeconds: 3600,
  retention: { interactionsDays: 1095, provisionalDays: 365 },
  log: pino({ level: 'silent' }),
});

try {
  const numbers = customers.map((_, i) => mobile(i).replace(/ /g, ''));
  // Warm-up: connections, JIT.
  for (const n of numbers.slice(0, 5)) await shop.customersByPhone(`+33${n.slice(1)}`);

  const shopAlone: number[] = [];
  for (const n of numbers) shopAlone.push(await timed(() => shop.customersByPhone(`+33${n.slice(1)}`)));
  const uncached: number[] = [];
  for (const n of numbers) uncached.push(await timed(() => records.identifyCaller(n)));

  const ids = (await db.query<{ id: string }>('select id from customers')).rows.map((r) => r.id);
  const storesAlone: number[] = [];
  const cached: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, n] of numbers.entries()) {
      storesAlone.push(
        await timed(async () => {
          await redis.get(`${prefix}:nothing:${i}`);
          await db.query('select * from customers where id = $1', [ids[i % ids.length]]);
        }),
      );
      cached.push(await timed(() => records.identifyCaller(n)));
    }
  }
  const named = (await db.query<{ n: number }>('select count(*)::int as n from customers where name is not null')).rows[0]!.n;
  const result = {
    customers: N,
    identified: named,
    uncached: summary(uncached),
    shopAlone: summary(shopAlone),
    cached: summary(cached),
    storesAlone: summary(storesAlone),
  };
  const ratio = (a: { p50: number }, b: { p50: number }) => (a.p50 / b.p50).toFixed(2);
  if (args.json) console.log(JSON.stringify(result));
  else {
    const f = (s: { n: number; p50: number; p99: number }) => `p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms (n=${s.n})`;
    console.log(`customer lookup by caller ID, ${N} shop customers (${named} identified)`);
    console.log(`  uncached lookup (record + shop + merge + cache): ${f(result.uncached)}`);
    console.log(`  baseline, the shop's own requests for it:        ${f(result.shopAlone)}`);
    console.log(`  ratio uncached ÷ shop alone (p50): ${ratio(result.uncached, result.shopAlone)}`);
    console.log(`  cached lookup:                                   ${f(result.cached)}`);
    console.log(`  baseline, one Redis GET + one PostgreSQL read:   ${f(result.storesAlone)}`);
    console.log(`  ratio cached ÷ stores alone (p50): ${ratio(result.cached, result.storesAlone)}`);
  }
  if (named !== N) throw new Error(`only ${named} of ${N} callers were identified`);
} finally {
  await records.close();
  await shopServer.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await db.end();
  await schema.drop();
}
