import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prestashopClient, ShopError, wallClockReader, type PrestashopOptions } from '../../customers/prestashop.ts';
import { rejection } from '../support/errors.ts';

/** What the scripted shop answers next; `chunks` are written one by one, without Content-Length. */
interface Scripted {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  chunks?: string[];
}

/** A tiny local server answering, in order, what each test scripts: the hostile shop. */
async function scriptedShop() {
  const queue: Scripted[] = [];
  const seen: { path: string; query: URLSearchParams; authorization?: string }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, query: url.searchParams, authorization: req.headers.authorization });
    const a = queue.shift() ?? { status: 599, body: 'nothing scripted' };
    res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers });
    if (a.chunks) {
      for (const c of a.chunks) res.write(c);
      return void res.end();
    }
    res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    seen,
    answer: (...a: Scripted[]) => void queue.push(...a),
    reset: () => void ((queue.length = 0), (seen.length = 0)),
    close: () => (server.closeAllConnections(), new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}

const wireCustomer = (over: Record<string, unknown> = {}) => ({
  id: 1,
  id_default_group: '4',
  deleted: '0',
  lastname: 'Dupont',
  firstname: 'Marie',
  email: 'marie.dupont@example.fr',
  company: null,
  active: '1',
  is_guest: '0',
  date_add: '2024-03-12 10:15:00',
  associations: { groups: [{ id: '3' }, { id: '4' }] },
  ...over,
});

const failure = (p: Promise<unknown>) => rejection(p, ShopError);

describe('prestashopClient against hostile or odd answers', () => {
  let shop: Awaited<ReturnType<typeof scriptedShop>>;
  const client = (over: Partial<PrestashopOptions> = {}) =>
    prestashopClient({
      url: shop.url,
      key: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345',
      timeoutMs: 2_000,
      home: 'FR',
      timezone: 'Europe/Paris',
      ...over,
    });

  beforeAll(async () => {
    shop = await scriptedShop();
  });
  afterAll(() => shop.close());
  beforeEach(() => shop.reset());

  it('sends the key as basic-auth user with an empty password, and asks for JSON', async () => {
    shop.answer({ body: [] });
    await client().customerByEmail('marie.dupont@example.fr');
    expect(shop.seen[0]!.authorization).toBe(`Basic ${Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345:').toString('base64')}`);
    expect(shop.seen[0]!.path).toBe('/api/customers');
    expect(Object.fromEntries(shop.seen[0]!.query)).toEqual({
      'filter[email]': '[marie.dupont@example.fr]',
      display: 'full',
      sort: '[id_ASC]',
      output_format: 'JSON',
    });
  });

  it('reads the empty list PrestaShop sends as [] (not {"customers":[]}) as nothing found', async () => {
    shop.answer({ body: [] }, { body: [] }, { body: [] });
    expect(await client().customerByEmail('nobody@example.fr')).toBeNull();
    expect(await client().customersByPhone('+33699999999')).toEqual([]);
    expect(shop.seen).toHaveLength(3); // no customer request when no address matched
  });

  it('puts the default group first (the association comes in table order), ids as numbers or strings', async () => {
    shop.answer({ body: { customers: [wireCustomer({ id: '1', company: '  ' })] } });
    expect(await client().customerByEmail('marie.dupont@example.fr')).toEqual({
      id: 1,
      firstname: 'Marie',
      lastname: 'Dupont',
      email: 'marie.dupont@example.fr',
      company: null,
      groups: [4, 3],
      createdAt: '2024-03-12T09:15:00.000Z', // 10:15 in Paris, winter time
    });
  });

  it('returns names as typed but trimmed and bounded, and prefers a registered account to a guest one', async () => {
    const long = 'É'.repeat(300);
    shop.answer({
      body: {
        customers: [
          wireCustomer({ id: 7, firstname: '  <b>Marie</b> ', lastname: long, company: ' Dupont & Fils ' }),
          wireCustomer({ id: 9, is_guest: '1', firstname: 'Guest' }),
        ],
      },
    });
    const c = await client().customerByEmail('marie.dupont@example.fr');
    expect(c).toMatchObject({ id: 7, firstname: '<b>Marie</b>', company: 'Dupont & Fils' });
    expect(c!.lastname).toBe('É'.repeat(255));
  });

  it('searches every stored form of the number in phone and phone_mobile, skipping deleted addresses and customers', async () => {
    shop.answer(
      {
        body: {
          addresses: [
            { id_customer: '3', deleted: '0' },
            { id_customer: '8', deleted: '1' },
            { id_customer: '0', deleted: '0' },
          ],
        },
      },
      {
        body: {
          addresses: [
            { id_customer: '1', deleted: '0' },
            { id_customer: '3', deleted: '0' },
          ],
        },
      },
      { body: { customers: [wireCustomer({ id: 1 }), wireCustomer({ id: 3, deleted: '1' })] } },
    );
    const found = await client().customersByPhone('+33612345678');
    expect(found.map((c) => c.id)).toEqual([1]);
    const forms = '[+33612345678|+33 6 12 34 56 78|0033612345678|0612345678|06 12 34 56 78|06.12.34.56.78|06-12-34-56-78]';
    const [phone, mobile, customers] = shop.seen;
    expect(phone!.query.get('filter[phone]')).toBe(forms);
    expect(mobile!.query.get('filter[phone_mobile]')).toBe(forms);
    expect(phone!.query.get('display')).toBe('[id_customer,deleted]');
    expect(customers!.query.get('filter[id]')).toBe('[3|1]');
  });

  it('asks nothing for what cannot be searched exactly', async () => {
    const c = client();
    expect(await c.customersByPhone('0612345678')).toEqual([]);
    expect(await c.customersByPhone('anonymous')).toEqual([]);
    expect(await c.customerByEmail('not an email')).toBeNull();
    expect(await c.customerByEmail('a|b@example.fr')).toBeNull(); // "|" would turn the filter into an OR
    expect(await c.customerById(0)).toBeNull();
    expect(await c.ordersOf(1, 0)).toEqual([]);
    expect(shop.seen).toEqual([]);
  });

  it('reads orders newest first with amounts to the cent, asking the sort PrestaShop accepts (date=1)', async () => {
    shop.answer({
      body: {
        orders: [
          {
            id: 87,
            reference: 'QWERTYUIO',
            date_add: '2026-03-02 09:41:52',
            total_paid: '1.005000',
            payment: 'Carte bancaire',
            current_state: '5',
          },
          {
            id: 101,
            reference: 'XKBKNABJK',
            date_add: '2026-09-02 14:03:11',
            total_paid: '29.990000',
            payment: 'Carte bancaire',
            current_state: '2',
          },
        ],
      },
    });
    const orders = await client().ordersOf(1, 5);
    expect(orders).toEqual([
      { id: 101, reference: 'XKBKNABJK', createdAt: '2026-09-02T12:03:11.000Z', totalPaid: '29.99', payment: 'Carte bancaire', state: 2 },
      { id: 87, reference: 'QWERTYUIO', createdAt: '2026-03-02T08:41:52.000Z', totalPaid: '1.01', payment: 'Carte bancaire', state: 5 },
    ]);
    expect(Object.fromEntries(shop.seen[0]!.query)).toMatchObject({
      'filter[id_customer]': '[1]',
      sort: '[date_add_DESC,id_DESC]',
      date: '1',
      limit: '5',
    });
  });

  it.each([
    [
      'an HTML page with 200',
      'bad-answer',
      { headers: { 'content-type': 'text/html' }, body: '<html><body>Oops</body></html>' },
      /HTML page/,
    ],
    ['JSON that is not JSON', 'bad-answer', { body: '<br />\n<b>Warning</b>: Undefined index {"customers":[' }, /invalid JSON/],
    ['an object instead of []', 'bad-answer', { body: {} }, /unexpected answer/],
    ['a wrong field type', 'bad-answer', { body: { customers: [wireCustomer({ email: 42 })] } }, /customers\.0\.email/],
    ['an impossible date', 'bad-answer', { body: { customers: [wireCustomer({ date_add: '0000-00-00 00:00:00' })] } }, /impossible date/],
    [
      'a 302 to a login page',
      'bad-answer',
      { status: 302, headers: { location: 'https://shop.example/login' }, body: '' },
      /redirected \(302\)/,
    ],
    [
      'a 503 maintenance page',
      'unavailable',
      { status: 503, headers: { 'content-type': 'text/html' }, body: '<h1>Maintenance</h1>' },
      /503 \(an HTML page\)/,
    ],
    [
      'a 500 with PrestaShop errors',
      'unavailable',
      { status: 500, body: { errors: [{ code: 2, message: '[PHP Error #1] boom' }] } },
      /500: \[PHP Error #1\] boom \(error 2\)/,
    ],
    [
      'a 401',
      'auth',
      { status: 401, body: { errors: [{ code: 20, message: 'Authentification key is not active' }] } },
      /refused the key \(401\): Authentification/,
    ],
    ['a 403', 'auth', { status: 403, body: { errors: [{ code: 132, message: 'No permission for this key on this shop' }] } }, /403/],
    [
      'a 400 with a 5000-character message',
      'bad-answer',
      { status: 400, body: { errors: [{ code: 32, message: 'x'.repeat(5000) }] } },
      /^PrestaShop answered 400: x+…$/,
    ],
  ] satisfies [string, ShopError['kind'], Scripted, RegExp][])('maps %s to a ShopError %s', async (_what, kind, scripted, message) => {
    shop.answer(scripted);
    const err = await failure(client().customerByEmail('marie.dupont@example.fr'));
    expect(err.kind).toBe(kind);
    expect(err.message).toMatch(message);
  });

  it('rejects an answer over maxBodyBytes, announced or streamed, without reading it whole', async () => {
    shop.answer({ headers: { 'content-length': '5000000' }, chunks: ['['] });
    expect((await failure(client({ maxBodyBytes: 1000 }).customerByEmail('a@b.fr'))).message).toBe('PrestaShop answer exceeds 1000 bytes');
    shop.answer({ chunks: ['{"customers":[', ...Array<string>(50).fill(`${JSON.stringify(wireCustomer())},`), '{}]}'] });
    const err = await failure(client({ maxBodyBytes: 4096 }).customerByEmail('a@b.fr'));
    expect([err.kind, err.message]).toEqual(['bad-answer', 'PrestaShop answer exceeds 4096 bytes']);
  });

  it('reports an unreachable shop as unavailable, and an aborted request as timeout', async () => {
    const gone = await scriptedShop();
    await gone.close();
    const down = await failure(client({ url: gone.url }).customerById(1));
    expect(down.kind).toBe('unavailable');
    expect(down.message).toMatch(/could not be reached: .*ECONNREFUSED/);

    const aborted = await failure(client().customerById(1, AbortSignal.abort()));
    expect([aborted.kind, aborted.message]).toEqual(['timeout', 'PrestaShop request aborted']);
    expect(shop.seen).toEqual([]); // not even sent
  });
});

describe('wallClockReader (the shop stores date_add in its own time zone)', () => {
  const paris = wallClockReader('Europe/Paris');

  it('reads winter (UTC+1) and summer (UTC+2) times, and other zones', () => {
    expect(paris('2026-01-15 10:00:00')).toBe('2026-01-15T09:00:00.000Z');
    expect(paris('2026-07-15 10:00:00')).toBe('2026-07-15T08:00:00.000Z');
    expect(wallClockReader('America/Martinique')('2026-07-15 10:00:00')).toBe('2026-07-15T14:00:00.000Z');
  });

  it('takes the first of a repeated hour and moves a skipped one forward', () => {
    // 25 October 2026, 03:00 CEST → 02:00 CET: 02:30 happens twice.
    expect(paris('2026-10-25 02:30:00')).toBe('2026-10-25T00:30:00.000Z');
    // 29 March 2026, 02:00 CET → 03:00 CEST: 02:30 does not exist, read as 03:30 CEST.
    expect(paris('2026-03-29 02:30:00')).toBe('2026-03-29T01:30:00.000Z');
  });

  it('refuses impossible dates and unknown zones', () => {
    expect(paris('0000-00-00 00:00:00')).toBeUndefined();
    expect(paris('2026-02-30 10:00:00')).toBeUndefined();
    expect(paris('2026-02-10T10:00:00')).toBeUndefined();
    expect(() => wallClockReader('Europe/Atlantis')).toThrow(RangeError);
  });
});
