/**
 * A local stand-in for a PrestaShop 8 shop's webservice, speaking its wire format (read-only):
 * `/api/<resource>` with the key as basic-auth user, JSON output (`output_format=JSON` or an
 * `Output-Format`/`Io-Format` header), `display`, `filter[field]`, `sort`, `limit`, `date=1`, and
 * the real shapes: fields as strings, "id" as a number, `associations`, `[]` for an empty list,
 * `{"errors":[{"code":..,"message":..}]}` with PrestaShop's own codes and messages
 * (classes/webservice/WebserviceRequest.php). Modes stand for what sits in front of a real shop
 * on a bad day: a maintenance page, PHP warnings, a runaway answer.
 */
import { createHash, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seedCustomers } from './seed.ts';
import { buildTables, FIELDS, type FakeShopCustomer, type Row } from './prestashop-tables.ts';

export type { FakeShopCustomer } from './prestashop-tables.ts';

export type FakePrestashopMode = 'normal' | 'down' | 'html' | 'garbage' | 'huge' | 'wrong-shape';

export interface FakePrestashop {
  /** Shop base (http://127.0.0.1:port); the webservice is under /api/. */
  url: string;
  /** 32 uppercase letters and digits, like the keys PrestaShop generates. */
  key: string;
  /** Every request, in arrival order (path without the query). */
  requests: { path: string; query: URLSearchParams }[];
  /** Answers `ms` later (0 to stop). */
  setLatency(ms: number): void;
  setMode(m: FakePrestashopMode): void;
  close(): Promise<void>;
}

type Display = 'minimum' | 'full' | string[];
interface Answer {
  status: number;
  headers: Record<string, string>;
  /** Chunks are written one by one (chunked encoding, no Content-Length to trust). */
  body: string | Buffer[];
}

class WsError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const VERSION = '8.1.7';
const REALM = 'Basic realm="Welcome to PrestaShop Webservice, please enter the authentication key as the login. No password required."';
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n';
const HTML = { 'content-type': 'text/html; charset=utf-8' };
const JSON_TYPE = { 'content-type': 'application/json' };
const words = (s: string) => s.trim().split(/\s+/);
const SINGULAR: Record<string, string> = { customers: 'customer', addresses: 'address', orders: 'order', groups: 'group' };
// Known to PrestaShop, not readable with this fake's key: 401 code 26, like a real key without that permission.
const OTHER_RESOURCES = words(`carriers carts cart_rules categories combinations configurations contacts content_management_system
  countries currencies customer_messages customer_threads deliveries employees guests images image_types languages manufacturers
  messages order_carriers order_details order_histories order_invoices order_payments order_slip order_states products
  product_features search shops states stock_availables stores suppliers tags taxes zones`);
// Numeric columns compare as numbers; varchar ones (phones, references) as text, like MySQL.
const NUMERIC = /^(id|id_.*|current_state|deleted|active|is_guest|valid|reduction|total_.*)$/;
const SORT_SYNTAX =
  `The "sort" value has to be formed as this example: "field_ASC" or '[field_1_DESC,field_2_ASC,field_3_ASC,...]'` +
  ' ("field" has to be an available field)';

export async function startFakePrestashop(
  opts: {
    port?: number;
    host?: string;
    customers?: FakeShopCustomer[];
    /** The key Relais is configured with (the demo); random by default. */ key?: string;
  } = {},
): Promise<FakePrestashop> {
  const key = opts.key ?? Array.from({ length: 32 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[randomInt(36)]).join('');
  const tables = buildTables(opts.customers ?? seedCustomers);
  const requests: FakePrestashop['requests'] = [];
  let latency = 0;
  let mode: FakePrestashopMode = 'normal';
  const timers = new Set<NodeJS.Timeout>();

  const handle = (req: IncomingMessage): Answer => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({ path: url.pathname, query: url.searchParams });
    if (mode !== 'normal') return hostile(mode, url.pathname);
    const route = /^\/api\/?([^/]*)\/?([^/]*)$/.exec(url.pathname);
    if (!route) return { status: 404, headers: HTML, body: page('404', 'Page not found') };
    const q = url.searchParams;
    const h = req.headers;
    const format = String(h['io-format'] ?? h['output-format'] ?? q.get('output_format') ?? q.get('io_format') ?? 'XML');
    const given = basicUser(h.authorization) ?? q.get('ws_key');
    // dispatcher.php stops before any webservice code when no key is given at all.
    if (given === null) return { status: 401, headers: { ...HTML, 'www-authenticate': REALM }, body: '401 Unauthorized' };
    const meta = { 'psws-version': VERSION, 'x-powered-by': 'PrestaShop Webservice', 'execution-time': '0.004' };
    try {
      const k = given.trim();
      if (!k) throw new WsError(401, 17, 'Authentication key is empty');
      if (k.length !== 32) throw new WsError(401, 18, 'Invalid authentication key format');
      if (k !== key) throw new WsError(401, 20, 'Authentification key is not active');
      // The real shop answers XML by default. This fake speaks JSON only, and says so in PrestaShop's XML error shape.
      if (format !== 'JSON') throw new WsError(400, 0, 'This fake PrestaShop only answers JSON: add output_format=JSON');
      const json = webservice(tables, req.method ?? 'GET', route[1] ?? '', route[2] ?? '', q);
      if (json === null) return { status: 404, headers: meta, body: '' }; // unknown id: PrestaShop sends no body at all
      const body = JSON.stringify(json);
      const sha1 = createHash('sha1').update(body).digest('hex');
      return { status: 200, headers: { ...meta, ...JSON_TYPE, 'content-sha1': sha1 }, body: req.method === 'HEAD' ? '' : body };
    } catch (e) {
      if (!(e instanceof WsError)) throw e;
      // An unknown key fails two checks, and PrestaShop reports both.
      const errors = e.code === 20 ? [e, new WsError(401, 21, 'No permission for this authentication key')] : [e];
      const headers = { ...meta, ...(e.status === 401 ? { 'www-authenticate': REALM } : {}) };
      if (format === 'JSON') {
        const body = JSON.stringify({ errors: errors.map((x) => ({ code: x.code, message: x.message })) });
        return { status: e.status, headers: { ...headers, ...JSON_TYPE }, body };
      }
      const xml = errors.map((x) => `<error>\n<code><![CDATA[${x.code}]]></code>\n<message><![CDATA[${x.message}]]></message>\n</error>\n`);
      const body = `${XML_HEAD}<errors>\n${xml.join('')}</errors>\n</prestashop>\n`;
      return { status: e.status, headers: { ...headers, 'content-type': 'text/xml;charset=utf-8' }, body };
    }
  };

  const send = (res: ServerResponse, a: Answer) => {
    if (res.destroyed) return; // the client gave up (timeout, abort)
    res.writeHead(a.status, a.headers);
    if (typeof a.body === 'string') return void res.end(a.body);
    for (const chunk of a.body) if (!res.destroyed) res.write(chunk);
    res.end();
  };
  const server = createServer((req, res) => {
    let a: Answer;
    try {
      a = handle(req);
    } catch (err) {
      a = { status: 500, headers: HTML, body: page('500', String(err)) };
    }
    if (latency <= 0) return send(res, a);
    const t = setTimeout(() => (timers.delete(t), send(res, a)), latency);
    timers.add(t);
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    key,
    requests,
    setLatency: (ms) => void (latency = ms),
    setMode: (m) => void (mode = m),
    close: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections(); // fetch keeps connections alive
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** GET/HEAD on a resource, in WebserviceRequest's order: filters, then display, then sort, then limit. */
function webservice(tables: Record<string, Row[]>, method: string, resource: string, id: string, q: URLSearchParams): unknown {
  if (resource === '') return Object.keys(FIELDS); // the JSON renderer lists the readable resource names
  const fields = FIELDS[resource];
  if (!fields) {
    if (OTHER_RESOURCES.includes(resource))
      throw new WsError(401, 26, `Resource of type "${resource}" is not allowed with this authentication key`);
    const all = [...Object.keys(FIELDS), ...OTHER_RESOURCES].sort();
    const hint = `Did you mean: "${closest(resource, all)}"? The full list is: "${all.join('", "')}"`;
    throw new WsError(400, 27, `Resource of type "${resource}" does not exists. ${hint}`);
  }
  if (method !== 'GET' && method !== 'HEAD') {
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) throw new WsError(405, 23, `Method ${method} is not valid`);
    throw new WsError(405, 25, `Method ${method} is not allowed for the resource ${resource} with this authentication key`);
  }
  const rows = tables[resource] ?? [];
  const asked = q.get('display');
  if (id) {
    const row = rows.find((r) => r.id === Math.trunc(Number(id)));
    if (!row) return null;
    const entity = render(row, parseDisplay(asked ?? 'full', fields));
    // With a display parameter, even one entity comes wrapped in the plural list node.
    return asked === null ? { [SINGULAR[resource]!]: entity } : { [resource]: [entity] };
  }
  // date_add and date_upd only become filterable and sortable with date=1.
  const usable = fields.filter((f) => q.get('date') === '1' || (f !== 'date_add' && f !== 'date_upd'));
  let found = rows;
  for (const [param, value] of q) {
    const field = /^filter\[([^\]]*)\]$/.exec(param)?.[1];
    if (field === undefined) continue;
    const hint = `Did you mean: "${closest(field, usable)}"? The full list is: "${usable.join('", "')}"`;
    if (!usable.includes(field)) throw new WsError(400, 32, `This filter does not exist. ${hint}`);
    if (value === '') throw new WsError(400, 33, `The filter "${field}" is malformed.`);
    const test = matcher(value, NUMERIC.test(field));
    found = found.filter((r) => test(String(r[field] ?? '')));
  }
  const display = parseDisplay(asked ?? 'minimum', fields);
  const sort = q.get('sort');
  if (sort !== null) {
    const keys = (/^\[(.*)\]$/.exec(sort)?.[1] ?? sort).split(',').map((s) => {
      const cut = s.lastIndexOf('_');
      return { field: s.slice(0, Math.max(cut, 0)), dir: cut < 0 ? '' : s.slice(cut + 1).toUpperCase() };
    });
    for (const { field, dir } of keys) {
      if (dir !== 'ASC' && dir !== 'DESC') throw new WsError(400, 37, SORT_SYNTAX);
      if (!usable.includes(field))
        throw new WsError(400, 38, `Unable to filter by this field. However, these are available: ${usable.join(', ')}, for i18n fields:`);
    }
    const order = (a: Row, b: Row) => {
      for (const { field, dir } of keys) {
        const c = compare(String(a[field] ?? ''), String(b[field] ?? ''), NUMERIC.test(field));
        if (c) return dir === 'ASC' ? c : -c;
      }
      return 0;
    };
    found = [...found].sort(order);
  }
  const limit = q.get('limit');
  if (limit !== null) {
    const [a = 0, b, ...more] = limit.split(',').map((p) => parseInt(p.trim(), 10) || 0); // PHP's (int) cast
    if (more.length) throw new WsError(400, 39, 'The "limit" value has to be formed as this example: "5,25" or "10"');
    found = b === undefined ? found.slice(0, a) : found.slice(a, a + b);
  }
  // PHP's json_encode of the empty result array: [] rather than {"customers":[]}.
  return found.length ? { [resource]: found.map((r) => render(r, display)) } : [];
}

function parseDisplay(display: string, fields: string[]): Display {
  if (display === 'full' || display === 'minimum') return display;
  const list = /^\[(.*)\]$/.exec(display)?.[1];
  const available = `These are available: ${fields.join(', ')}`;
  if (list === undefined)
    throw new WsError(400, 36, `The 'display' syntax is wrong. You can set 'full' or '[field_1,field_2,field_3,...]'. ${available}`);
  const wanted = list.split(',').map((f) => f.trim());
  // PrestaShop also takes association sub-fields (groups[id]); this fake does not.
  const bad = wanted.find((f) => !fields.includes(f));
  if (bad !== undefined) throw new WsError(400, 35, `Unable to display this field "${bad}". However, ${available.toLowerCase()}`);
  return wanted;
}

function render(row: Row, display: Display): Row {
  if (display === 'minimum') return { id: row.id };
  if (display === 'full') return row;
  return Object.fromEntries(Object.entries(row).filter(([k]) => display.includes(k))); // table order, not the asked order
}

/** PrestaShop's getSQLRetrieveFilter: [a|b] OR, [a,b] interval, [a] exact, %[a]% LIKE, >[a], <[a], ![a|b]. */
function matcher(raw: string, numeric: boolean): (cell: string) => boolean {
  const m = /^(.*)\[(.*)\](.*)$/s.exec(raw);
  const is = (c: string, v: string) => compare(c, v, numeric) === 0;
  if (!m) return (c) => is(c, raw);
  const [, pre = '', inner = '', post = ''] = m;
  if (pre === '%' || post === '%') {
    const like = new RegExp(
      `^${escape(fold(pre + inner + post))
        .replace(/%/g, '.*')
        .replace(/_/g, '.')}$`,
      's',
    );
    return (c) => like.test(fold(c));
  }
  const values = inner.split('|');
  if (pre === '!') return (c) => values.every((v) => !is(c, v));
  if (pre === '>') return (c) => compare(c, inner, numeric) > 0;
  if (pre === '<') return (c) => compare(c, inner, numeric) < 0;
  if (pre !== '' || post !== '') return () => true; // PrestaShop adds no condition then
  if (inner.indexOf('|') > 0) return (c) => values.some((v) => is(c, v));
  const range = /^([\d.:\-\s]+),([\d.:\-\s]+)$/.exec(inner);
  if (!range) return (c) => is(c, inner);
  const [lo = '', hi = ''] = [range[1]!, range[2]!].sort((a, b) => compare(a, b, numeric));
  return (c) => compare(c, lo, numeric) >= 0 && compare(c, hi, numeric) <= 0;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** MySQL's utf8mb4_general_ci, roughly: case and accents ignored, trailing spaces too. */
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/ +$/, '');
function compare(a: string, b: string, numeric: boolean): number {
  if (numeric) return (Number(a) || 0) - (Number(b) || 0);
  const [x, y] = [fold(a), fold(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The word sharing the longest start with `input`, then the closest in length (PrestaShop uses a Levenshtein distance). */
function closest(input: string, candidates: string[]): string {
  const score = (w: string) => {
    let i = 0;
    while (i < w.length && w[i] === input[i]) i++;
    return i * 100 - Math.abs(w.length - input.length);
  };
  return candidates.reduce((best, w) => (score(w) > score(best) ? w : best), candidates[0] ?? '');
}

function basicUser(header: string | undefined): string | null {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m?.[1]) return null;
  const decoded = Buffer.from(m[1], 'base64').toString();
  return decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
}

/** What a broken shop, or the server in front of it, answers. */
function hostile(mode: Exclude<FakePrestashopMode, 'normal'>, path: string): Answer {
  if (mode === 'down') {
    const body = page('503 Service Unavailable', 'The shop is down for maintenance. Please come back later.');
    return { status: 503, headers: { ...HTML, 'retry-after': '600' }, body };
  }
  if (mode === 'html') return { status: 200, headers: HTML, body: page('Oops', 'An error occurred. <!-- PrestaShop front controller -->') };
  if (mode === 'garbage') {
    // PHP printing a warning before the JSON, then dying mid-way.
    const warning =
      '<br />\n<b>Warning</b>:  Undefined array key "id_lang" in <b>/var/www/html/classes/ObjectModel.php</b> on line <b>1715</b>';
    return { status: 200, headers: JSON_TYPE, body: `${warning}<br />\n{"customers":[{"id":1,"firstn` };
  }
  if (mode === 'wrong-shape') {
    const body = JSON.stringify({ data: [{ type: path.split('/')[2] || 'customers', id: 'one', attributes: { name: 42 } }] });
    return { status: 200, headers: JSON_TYPE, body };
  }
  // 'huge': a valid answer of about 6 MB, streamed.
  const entry = JSON.stringify({ id: 1, firstname: 'x'.repeat(1000), lastname: 'y'.repeat(1000), email: 'z@example.fr' });
  const chunk = Buffer.from(`${entry},`.repeat(30));
  const body = [Buffer.from('{"customers":['), ...Array<Buffer>(100).fill(chunk), Buffer.from(`${entry}]}`)];
  return { status: 200, headers: JSON_TYPE, body };
}

const page = (title: string, text: string) =>
  `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>\n`;
