/**
 * The shop's customers and orders, read through the PrestaShop 8 webservice (`/api/...`, JSON
 * output). Every answer is checked here, where it enters: a shop that is down, slow, behind a
 * maintenance page or answering something unexpected becomes one typed `ShopError`.
 */
import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { storedForms } from './phone.ts';

export interface ShopCustomer {
  id: number;
  firstname: string;
  lastname: string;
  email: string;
  company: string | null;
  /** Group ids, default group first. */
  groups: number[];
  /** ISO 8601 (UTC), the shop's `date_add` read in the shop's time zone. */
  createdAt: string;
}

export interface ShopOrder {
  id: number;
  reference: string;
  /** ISO 8601 (UTC). */
  createdAt: string;
  /** Two decimals: "29.99". */
  totalPaid: string;
  payment: string;
  /** PrestaShop order state id (`current_state`). */
  state: number;
}

export interface Shop {
  customerByEmail(email: string, signal?: AbortSignal): Promise<ShopCustomer | null>;
  /** Customers whose addresses hold this number (phone or phone_mobile), searching every form of storedForms(e164, home). */
  customersByPhone(e164: string, signal?: AbortSignal): Promise<ShopCustomer[]>;
  customerById(id: number, signal?: AbortSignal): Promise<ShopCustomer | null>;
  /** Newest first. */
  ordersOf(customerId: number, limit: number, signal?: AbortSignal): Promise<ShopOrder[]>;
}

/**
 * What the caller may do: `timeout` and `unavailable` are worth a later retry; `auth` needs the
 * key fixed; `bad-answer` means the shop (or something in front of it) answers what we cannot read.
 */
export type ShopErrorKind = 'timeout' | 'unavailable' | 'auth' | 'bad-answer';

export class ShopError extends Error {
  constructor(
    readonly kind: ShopErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ShopError';
  }
}

export interface PrestashopOptions {
  /** Shop base, e.g. https://shop.example/ ; requests go to `${url}/api/...`. */
  url: string;
  /** Webservice key, sent as the basic-auth user with an empty password. */
  key: string;
  /** Per request, hard limit (headers and body). */
  timeoutMs: number;
  /** Default 1 MiB; larger answers are rejected as bad-answer without reading them whole. */
  maxBodyBytes?: number;
  /** Country of national numbers. */
  home: CountryCode;
  /** The shop's time zone (e.g. Europe/Paris): `date_add` is wall-clock time there. */
  timezone: string;
}

type Params = Record<string, string>;

const E164 = /^\+[1-9]\d{3,14}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
/** PrestaShop's own column size for names, emails and payment labels. */
const MAX_TEXT = 255;
/** Bounds on fan-out: one number shared by a whole office must not pull the whole address book. */
const MAX_ADDRESSES = 50;
const MAX_CUSTOMERS = 20;
const MAX_ORDERS = 100;
const ORDER_FIELDS = '[id,reference,date_add,total_paid,payment,current_state]';

// Wire shapes. Fields are strings, "id" is a number (ObjectModel casts it); both are accepted.
const Id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,10}$/)]).transform(Number);
const Flag = z.union([z.enum(['0', '1']), z.literal(0), z.literal(1), z.boolean()]).transform((v) => v === '1' || v === 1 || v === true);
const Text = z.string().transform(bound);
const ShopDate = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'not a "YYYY-MM-DD hh:mm:ss" date');
const Money = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,10})?$/, 'not an amount')
  .transform(money);

const CustomerWire = z.object({
  id: Id,
  firstname: Text,
  lastname: Text,
  email: Text,
  // customer.company is a NULL-able column: null, "" or a name.
  company: z.string().nullable().optional(),
  id_default_group: Id,
  date_add: ShopDate,
  deleted: Flag,
  is_guest: Flag.optional(),
  associations: z.object({ groups: z.array(z.object({ id: Id })).optional() }).optional(),
});
const AddressWire = z.object({ id_customer: Id, deleted: Flag });
const OrderWire = z.object({ id: Id, reference: Text, date_add: ShopDate, total_paid: Money, payment: Text, current_state: Id });

/** A list answer: `{"customers":[...]}` (PrestaShop sends `[]` instead when nothing matched, see `list`). */
const listOf = <K extends string, T extends z.ZodType>(key: K, item: T) =>
  z.object({ [key]: z.array(item) } as Record<K, z.ZodArray<T>>).transform((v) => (v as Record<string, z.output<T>[]>)[key]!);
const Customers = listOf('customers', CustomerWire);
const Addresses = listOf('addresses', AddressWire);
const Orders = listOf('orders', OrderWire);
/** PrestaShop's error body in JSON output. */
const Errors = z.object({ errors: z.array(z.object({ code: z.unknown(), message: z.unknown() })).min(1) });

export function prestashopClient(opts: PrestashopOptions): Shop {
  const base = new URL(opts.url.replace(/\/+$/, '') + '/api/');
  if (!/^https?:$/.test(base.protocol)) throw new TypeError(`PrestaShop url must be http(s): ${opts.url}`);
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const headers = { authorization: `Basic ${Buffer.from(`${opts.key}:`).toString('base64')}`, accept: 'application/json' };
  const toIso = wallClockReader(opts.timezone); // throws here, at start, on an unknown zone

  async function list<T>(resource: string, schema: z.ZodType<T[]>, params: Params, signal?: AbortSignal): Promise<T[]> {
    const url = new URL(resource, base);
    url.search = new URLSearchParams({ ...params, output_format: 'JSON' }).toString();
    const json = await request(url, signal);
    // PHP's json_encode of the empty result array: [] rather than {"customers":[]}.
    if (Array.isArray(json) && json.length === 0) return [];
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const at = issue?.path.join('.') || '-';
    throw new ShopError('bad-answer', clip(`PrestaShop ${resource}: unexpected answer at ${at}: ${issue?.message}`));
  }

  async function request(url: URL, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) throw new ShopError('timeout', 'PrestaShop request aborted');
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => ((timedOut = true), ctl.abort()), opts.timeoutMs);
    const onAbort = () => ctl.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // Redirects are not followed: they lead to login or maintenance pages, or drop the credentials.
      return await answer(await fetch(url, { headers, redirect: 'manual', signal: ctl.signal }));
    } catch (err) {
      if (err instanceof ShopError) throw err;
      if (ctl.signal.aborted)
        throw new ShopError('timeout', timedOut ? `PrestaShop did not answer within ${opts.timeoutMs} ms` : 'PrestaShop request aborted');
      throw new ShopError('unavailable', clip(`PrestaShop could not be reached: ${reason(err)}`));
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function answer(res: Response): Promise<unknown> {
    const type = res.headers.get('content-type') ?? '';
    if (res.status >= 300 && res.status < 400) {
      void res.body?.cancel().catch(() => undefined);
      throw new ShopError('bad-answer', clip(`PrestaShop redirected (${res.status}) to ${res.headers.get('location')}: check the url`));
    }
    if (res.status !== 200) {
      const why = await errorText(res, type);
      if (res.status === 401 || res.status === 403) throw new ShopError('auth', clip(`PrestaShop refused the key (${res.status})${why}`));
      throw new ShopError(res.status >= 500 ? 'unavailable' : 'bad-answer', clip(`PrestaShop answered ${res.status}${why}`));
    }
    if (!/\bjson\b/i.test(type)) {
      void res.body?.cancel().catch(() => undefined);
      const what = /html/i.test(type) ? 'an HTML page' : `"${type || 'no content type'}"`;
      throw new ShopError('bad-answer', clip(`PrestaShop answered ${what} instead of JSON`));
    }
    const text = await readBounded(res, maxBody);
    const json = parseJson(text);
    if (json === undefined) throw new ShopError('bad-answer', clip(`PrestaShop answered invalid JSON: ${text.slice(0, 80)}`));
    return json;
  }

  /** ": <PrestaShop's error message>" when the body is its JSON error, else a hint of what came. */
  async function errorText(res: Response, type: string): Promise<string> {
    if (!/\bjson\b/i.test(type)) {
      void res.body?.cancel().catch(() => undefined);
      return /html/i.test(type) ? ' (an HTML page)' : '';
    }
    const parsed = Errors.safeParse(parseJson(await readBounded(res, Math.min(maxBody, 65_536)).catch(() => '')));
    return parsed.success ? ': ' + parsed.data.errors.map((e) => `${String(e.message)} (error ${String(e.code)})`).join('; ') : '';
  }

  const toCustomer = (c: z.output<typeof CustomerWire>): ShopCustomer => ({
    id: c.id,
    firstname: c.firstname,
    lastname: c.lastname,
    email: c.email,
    company: c.company ? bound(c.company) || null : null,
    // The association is in table order, not the default group first: that is id_default_group.
    groups: [...new Set([c.id_default_group, ...(c.associations?.groups ?? []).map((g) => g.id)])].filter((g) => g > 0),
    createdAt: date(c.date_add),
  });
  const date = (local: string): string => {
    const iso = toIso(local);
    if (!iso) throw new ShopError('bad-answer', `PrestaShop answered an impossible date: ${local.slice(0, 40)}`);
    return iso;
  };
  const customersWhere = async (params: Params, signal?: AbortSignal) =>
    // Deleted customers are soft-deleted rows; inactive (blocked) accounts are kept on purpose:
    // the person still exists, has orders, and a blocked account is often why they call.
    (await list('customers', Customers, { ...params, display: 'full', sort: '[id_ASC]' }, signal)).filter((c) => !c.deleted);

  return {
    async customerByEmail(email, signal) {
      const value = email.trim();
      // "[", "]" and "|" are filter syntax: such an address cannot be asked for exactly.
      if (!EMAIL.test(value) || /[[\]|]/.test(value)) return null;
      const found = await customersWhere({ 'filter[email]': `[${value}]` }, signal);
      // Guest checkouts create a second account with the same email: the registered one, else the latest.
      const best = found.filter((c) => !c.is_guest).at(-1) ?? found.at(-1);
      return best ? toCustomer(best) : null;
    },

    async customersByPhone(e164, signal) {
      if (!E164.test(e164)) return [];
      const forms = `[${storedForms(e164, opts.home).join('|')}]`;
      // Filters are ANDed, so "phone or phone_mobile" takes two requests.
      const where = (field: string) => ({ [`filter[${field}]`]: forms, display: '[id_customer,deleted]', limit: String(MAX_ADDRESSES) });
      const found = (await Promise.all([where('phone'), where('phone_mobile')].map((p) => list('addresses', Addresses, p, signal)))).flat();
      // id_customer 0: a brand's or supplier's address, not a customer's.
      const ids = [...new Set(found.filter((a) => !a.deleted && a.id_customer > 0).map((a) => a.id_customer))].slice(0, MAX_CUSTOMERS);
      if (!ids.length) return [];
      return (await customersWhere({ 'filter[id]': `[${ids.join('|')}]` }, signal)).map(toCustomer);
    },

    async customerById(id, signal) {
      if (!Number.isSafeInteger(id) || id <= 0) return null;
      const [found] = await customersWhere({ 'filter[id]': `[${id}]` }, signal);
      return found ? toCustomer(found) : null;
    },

    async ordersOf(customerId, limit, signal) {
      const n = Math.min(Math.floor(limit), MAX_ORDERS);
      if (!Number.isSafeInteger(customerId) || customerId <= 0 || !(n > 0)) return [];
      const params = { 'filter[id_customer]': `[${customerId}]`, display: ORDER_FIELDS, sort: '[date_add_DESC,id_DESC]', limit: String(n) };
      // date=1: without it, the webservice refuses to sort or filter on date_add.
      const orders = await list('orders', Orders, { ...params, date: '1' }, signal);
      return orders
        .map(({ date_add, total_paid, current_state, ...o }) => ({
          ...o,
          createdAt: date(date_add),
          totalPaid: total_paid,
          state: current_state,
        }))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id) // whatever a module did to the sort
        .slice(0, n);
    },
  };
}

/** Reads the body, giving up (and closing it) as soon as it passes `max` bytes. */
async function readBounded(res: Response, max: number): Promise<string> {
  const tooBig = () => new ShopError('bad-answer', `PrestaShop answer exceeds ${max} bytes`);
  if (Number(res.headers.get('content-length')) > max) {
    void res.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      void reader.cancel().catch(() => undefined);
      throw tooBig();
    }
    chunks.push(value);
  }
  // Decoded once: a chunk boundary may split a multi-byte character.
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `YYYY-MM-DD hh:mm:ss` wall-clock time in `timeZone` → ISO UTC, or undefined for an impossible
 * date ("0000-00-00 00:00:00"). Like Temporal's "compatible": the first of a repeated hour, and a
 * skipped hour read with the offset before the change (02:30 becomes 03:30).
 */
export function wallClockReader(timeZone: string): (local: string) => string | undefined {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    ...{ year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' },
  });
  const offsetAt = (t: number) => {
    const p = Object.fromEntries(fmt.formatToParts(new Date(t)).map((x) => [x.type, Number(x.value)]));
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(t / 1000) * 1000;
  };
  return (local) => {
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(local);
    if (!m) return undefined;
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    const check = new Date(wall);
    if (y < 1000 || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
    const before = offsetAt(wall - 86_400_000);
    const after = offsetAt(wall + 86_400_000);
    for (const off of before >= after ? [before, after] : [after, before])
      if (offsetAt(wall - off) === off) return new Date(wall - off).toISOString();
    return new Date(wall - before).toISOString();
  };
}

/** "29.990000" → "29.99", rounding half up on the decimal digits (no binary floating point). */
function money(raw: string): string {
  const [int = '0', frac = ''] = raw.split('.');
  const digits = frac.padEnd(3, '0');
  const cents = Number(int) * 100 + Number(digits.slice(0, 2)) + (Number(digits[2]) >= 5 ? 1 : 0);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** User text from the shop: trimmed and bounded (whole code points), otherwise as typed. */
function bound(s: string): string {
  const t = s.trim();
  return t.length <= MAX_TEXT ? t : [...t].slice(0, MAX_TEXT).join('').trimEnd();
}

/** One line, at most ~200 characters: messages end up in logs and on screens. */
function clip(s: string): string {
  const line = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length <= 200 ? line : `${line.slice(0, 199)}…`;
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return code ? `${message} (${code})` : message;
}
