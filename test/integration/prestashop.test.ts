/**
 * The PrestaShop client against the local fake shop (demo/fake-prestashop.ts) seeded with
 * ISeedOr's demo customers: what any shop holding demo/seed.ts must answer, then how the client
 * behaves when the shop misbehaves. The first part is written against `Shop` only, so it can be
 * pointed at a real PrestaShop 8 loaded with the same data to check that the fake tells the truth.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prestashopClient, ShopError, type PrestashopOptions, type Shop } from '../../customers/prestashop.ts';
import { startFakePrestashop, type FakePrestashop, type FakePrestashopMode } from '../../demo/fake-prestashop.ts';
import { seedCustomers } from '../../demo/seed.ts';
import { rejection } from '../support/errors.ts';

const options = (fake: FakePrestashop, over: Partial<PrestashopOptions> = {}): PrestashopOptions => ({
  url: `${fake.url}/`,
  key: fake.key,
  timeoutMs: 2_000,
  home: 'FR',
  timezone: 'Europe/Paris',
  ...over,
});

const failure = (p: Promise<unknown>) => rejection(p, ShopError);

const marie = {
  id: 1,
  firstname: 'Marie',
  lastname: 'Dupont',
  email: 'marie.dupont@example.fr',
  company: null,
  groups: [4, 3], // premium is her default group
  createdAt: '2024-03-12T09:15:00.000Z', // 10:15 in Paris (winter time)
};

describe('Shop conformance: the client on the fake shop with the demo data', () => {
  let fake: FakePrestashop;
  let shop: Shop;
  beforeAll(async () => {
    fake = await startFakePrestashop();
    shop = prestashopClient(options(fake));
  });
  afterAll(() => fake.close());

  it('finds a customer by email, default group first, case aside', async () => {
    expect(await shop.customerByEmail('marie.dupont@example.fr')).toEqual(marie);
    expect(await shop.customerByEmail('Marie.Dupont@Example.FR')).toEqual(marie);
    expect(await shop.customerByEmail('sophie.bernard@example.fr')).toMatchObject({
      id: 3,
      company: 'Bernard Hébergement',
      groups: [4, 3],
    });
  });

  it('finds customers by caller number in whatever form their address holds it', async () => {
    const ids = async (e164: string) => (await shop.customersByPhone(e164)).map((c) => `${c.firstname} ${c.lastname}`);
    expect(await shop.customersByPhone('+33612345678')).toEqual([marie]); // "06 12 34 56 78", mobile
    expect(await ids('+33142685300')).toEqual(['Julien Martin']); // "01.42.68.53.00", phone
    expect(await ids('+32470123456')).toEqual(['Thomas Petit']); // "+32 470 12 34 56", a Belgian mobile
    expect(await ids('+33240123456')).toEqual(['Sophie Bernard']); // "+33 2 40 12 34 56"
    expect(await ids('+33698765432')).toEqual(['Sophie Bernard']); // "0698765432"
  });

  it('finds a customer by id', async () => {
    expect(await shop.customerById(2)).toMatchObject({ id: 2, firstname: 'Julien', lastname: 'Martin', groups: [3], company: null });
  });

  it('answers nothing found for unknown customers', async () => {
    expect(await shop.customerByEmail('nobody@example.fr')).toBeNull();
    expect(await shop.customersByPhone('+33699999999')).toEqual([]);
    expect(await shop.customersByPhone('+33612345679')).toEqual([]);
    expect(await shop.customerById(999)).toBeNull();
    expect(await shop.ordersOf(999, 5)).toEqual([]);
    expect(await shop.ordersOf(4, 5)).toEqual([]); // Thomas has not ordered yet
  });

  it('lists orders newest first, up to the limit', async () => {
    const all = await shop.ordersOf(1, 10);
    expect(all).toEqual([
      { id: 101, reference: 'XKBKNABJK', createdAt: '2026-09-02T12:03:11.000Z', totalPaid: '29.99', payment: 'Carte bancaire', state: 2 },
      { id: 87, reference: 'QWERTYUIO', createdAt: '2026-03-02T08:41:52.000Z', totalPaid: '29.99', payment: 'Carte bancaire', state: 5 },
    ]);
    expect(await shop.ordersOf(1, 1)).toEqual(all.slice(0, 1));
    expect(await shop.ordersOf(3, 5)).toEqual([
      {
        id: 99,
        reference: 'ZAQSWXCDE',
        createdAt: '2026-08-14T15:25:03.000Z',
        totalPaid: '119.88',
        payment: 'Virement bancaire',
        state: 2,
      },
    ]);
  });
});

describe('the fake speaks the PrestaShop 8 webservice wire format', () => {
  let fake: FakePrestashop;
  const get = (path: string, key?: string) =>
    fetch(`${fake.url}${path}`, {
      headers: key === undefined ? {} : { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
    });
  beforeAll(async () => {
    fake = await startFakePrestashop();
  });
  afterAll(() => fake.close());

  it('has a 32-character uppercase key and answers lists with string fields, numeric ids and associations', async () => {
    expect(fake.key).toMatch(/^[A-Z0-9]{32}$/);
    const res = await get('/api/customers?output_format=JSON&display=full&filter[id]=[1]', fake.key);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('psws-version')).toMatch(/^8\./);
    const body = (await res.json()) as { customers: Record<string, unknown>[] };
    expect(body.customers[0]).toMatchObject({
      id: 1,
      id_default_group: '4',
      deleted: '0',
      active: '1',
      associations: { groups: [{ id: '3' }, { id: '4' }] },
    });
  });

  it('answers [] for an empty list, and minimum display without display=', async () => {
    expect(await (await get('/api/customers?output_format=JSON&filter[email]=[nobody@example.fr]', fake.key)).text()).toBe('[]');
    expect(await (await get('/api/customers?output_format=JSON&limit=2', fake.key)).json()).toEqual({ customers: [{ id: 1 }, { id: 2 }] });
  });

  it('refuses a wrong key with 401, the realm and PrestaShop error codes; date_add sorts only with date=1', async () => {
    const res = await get('/api/customers?output_format=JSON', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Basic realm="Welcome to PrestaShop Webservice, please enter the authentication key as the login. No password required."',
    );
    expect(((await res.json()) as { errors: { code: number }[] }).errors.map((e) => e.code)).toEqual([20, 21]);
    expect((await get('/api/customers?output_format=JSON', '')).status).toBe(401);
    const sorted = await get('/api/orders?output_format=JSON&sort=[date_add_DESC]', fake.key);
    expect([sorted.status, ((await sorted.json()) as { errors: { code: number }[] }).errors[0]!.code]).toEqual([400, 38]);
    expect((await get('/api/orders?output_format=JSON&sort=[date_add_DESC]&date=1', fake.key)).status).toBe(200);
  });
});

describe('the client when the shop misbehaves', () => {
  let fake: FakePrestashop;
  beforeAll(async () => {
    fake = await startFakePrestashop();
  });
  afterAll(() => fake.close());
  afterEach(() => {
    fake.setMode('normal');
    fake.setLatency(0);
  });

  it('reports a wrong key as auth', async () => {
    const err = await failure(prestashopClient(options(fake, { key: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345' })).customerByEmail(marie.email));
    expect(err.kind).toBe('auth');
    expect(err.message).toBe(
      'PrestaShop refused the key (401): Authentification key is not active (error 20); No permission for this authentication key (error 21)',
    );
  });

  it.each([
    ['down', 'unavailable', /^PrestaShop answered 503 \(an HTML page\)$/],
    ['html', 'bad-answer', /HTML page instead of JSON/],
    ['garbage', 'bad-answer', /invalid JSON: <br \/>/],
    ['huge', 'bad-answer', /exceeds 1048576 bytes/],
    ['wrong-shape', 'bad-answer', /unexpected answer/],
  ] satisfies [FakePrestashopMode, ShopError['kind'], RegExp][])(
    'turns mode %s into a %s ShopError, on every call',
    async (mode, kind, message) => {
      fake.setMode(mode);
      const shop = prestashopClient(options(fake));
      const calls = [shop.customerByEmail(marie.email), shop.customersByPhone('+33612345678'), shop.customerById(1), shop.ordersOf(1, 5)];
      for (const err of await Promise.all(calls.map(failure)))
        expect([err.kind, err.message]).toEqual([kind, expect.stringMatching(message)]);
      fake.setMode('normal');
      expect(await shop.customerByEmail(marie.email)).toEqual(marie); // nothing left broken
    },
  );

  it('gives up on a slow shop within its timeout', async () => {
    fake.setLatency(2_000);
    const started = Date.now();
    const err = await failure(prestashopClient(options(fake, { timeoutMs: 300 })).customersByPhone('+33612345678'));
    expect([err.kind, err.message]).toEqual(['timeout', 'PrestaShop did not answer within 300 ms']);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("stops when the caller's AbortSignal fires", async () => {
    fake.setLatency(2_000);
    const started = Date.now();
    const err = await failure(prestashopClient(options(fake, { timeoutMs: 5_000 })).ordersOf(1, 5, AbortSignal.timeout(100)));
    expect([err.kind, err.message]).toEqual(['timeout', 'PrestaShop request aborted']);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('soft-deleted and blocked accounts', () => {
  let fake: FakePrestashop;
  let shop: Shop;
  beforeAll(async () => {
    const [m, j, ...rest] = seedCustomers;
    fake = await startFakePrestashop({
      customers: [
        { ...m!, addresses: m!.addresses.map((a) => ({ ...a, deleted: true })) },
        { ...j!, deleted: true },
        ...rest.map((c) => (c.id === 5 ? { ...c, active: false } : c)),
      ],
    });
    shop = prestashopClient(options(fake));
  });
  afterAll(() => fake.close());

  it('ignores deleted addresses and deleted customers, keeps blocked (inactive) ones', async () => {
    expect(await shop.customersByPhone('+33612345678')).toEqual([]);
    expect(await shop.customerByEmail(marie.email)).toEqual(marie); // her account is still there
    expect(await shop.customersByPhone('+33142685300')).toEqual([]);
    expect(await shop.customerByEmail('julien.martin@example.fr')).toBeNull();
    expect(await shop.customerById(2)).toBeNull();
    expect(await shop.customerByEmail('camille.leroy@example.fr')).toMatchObject({ id: 5, firstname: 'Camille' });
  });
});
