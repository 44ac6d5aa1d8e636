/**
 * osTicket, the helpdesk: tickets are created through its HTTP API (`POST /api/tickets.json`,
 * include/api.tickets.php), and a customer's tickets are read from its MySQL/MariaDB database,
 * because that API can create tickets but not list them.
 */
import mysql from 'mysql2/promise';
import { z } from 'zod';

export interface NewTicket {
  name: string;
  email: string;
  phone?: string;
  subject: string;
  /** Plain text. */
  message: string;
  topicId?: number;
  attachments?: { name: string; type: string; data: Buffer }[];
}

export interface HelpdeskTicket {
  number: string;
  subject: string;
  /** ticket_status.name: "Open", "Resolved", "Closed", or a status the helpdesk added. */
  status: string;
  /** ticket_status.state: open, closed, archived or deleted. */
  state: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * What the caller should do: `timeout` (no answer in time: a POST may still have created the
 * ticket, so do not retry blindly), `unavailable` (unreachable, 5xx: retry later), `auth` (API key,
 * its IP binding or the database user is wrong: fix the configuration), `rejected` (osTicket
 * refused this ticket's data: do not retry), `bad-answer` (an answer osTicket never gives).
 */
export type HelpdeskErrorKind = 'timeout' | 'unavailable' | 'auth' | 'rejected' | 'bad-answer';

export class HelpdeskError extends Error {
  constructor(
    readonly kind: HelpdeskErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'HelpdeskError';
  }
}

export interface OsticketOptions {
  /** Helpdesk base URL; tickets are POSTed to `${url}/api/tickets.json`. */
  url: string;
  /** Bound by osTicket to the IP address Relais calls from. */
  apiKey: string;
  timeoutMs: number;
  /** mysql://user:pass@host:port/db. Give Relais a user with SELECT only: it never writes. */
  database: { url: string; tablePrefix: string };
  /** The time zone osTicket's DATETIMEs are in (the database's), to turn them into instants. */
  timezone: string;
}

export interface Helpdesk {
  /** Creates a ticket through the HTTP API; resolves the ticket number. */
  createTicket(t: NewTicket, signal?: AbortSignal): Promise<string>;
  /** A customer's tickets by email (user_email.address, case-insensitive), newest first, read-only. */
  ticketsOf(email: string, limit: number): Promise<HelpdeskTicket[]>;
  close(): Promise<void>;
}

/** The error kind for an HTTP status other than osTicket's 201 Created. */
export function statusKind(status: number): HelpdeskErrorKind {
  if (status === 401) return 'auth';
  // 404: the API is not where configured (without URL rewriting it lives under api/http.php/).
  if (status === 404 || status === 408 || status === 429 || status >= 500) return 'unavailable';
  if (status >= 400) return 'rejected'; // 400 validation errors, 403 "Ticket denied" (ban list)
  return 'bad-answer';
}

/** The ticket number from a 201 body (plain text; "######" by default, formats may add letters). */
export function ticketNumber(body: string): string | undefined {
  const text = body.trim();
  return /^[A-Za-z0-9-]{1,20}$/.test(text) ? text : undefined;
}

/**
 * An attachment as osTicket's JSON API reads it (RFC 2397). Only `;base64` follows the type:
 * Format::parseRfc2397 reads just the first parameter, so with a charset before it the file
 * would be stored still encoded. Parameters in `type` are dropped for the same reason.
 */
export function attachmentDataUrl(a: { type: string; data: Buffer }): string {
  const type = a.type.split(';')[0]!.trim().toLowerCase();
  const mime = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type) ? type : 'application/octet-stream';
  return `data:${mime};base64,${a.data.toString('base64')}`;
}

/**
 * The message as a data URL: osTicket reads a data URL without a charset as ISO-8859-1, and a
 * bare message that happened to start with "data:" would be parsed as one.
 */
export function messageDataUrl(text: string): string {
  return `data:text/plain;charset=utf-8,${text}`;
}

/**
 * A data URL read the way osTicket's Format::parseRfc2397 reads it: contents are not
 * percent-decoded, and only the first parameter after the type counts. `undefined` when it is
 * not a data URL or its base64 is malformed (osTicket would store garbage; the fake refuses).
 */
export function parseDataUrl(url: string): { type: string; charset?: string; data: Buffer } | undefined {
  const m = /^data:([^,]*),(.*)$/s.exec(url);
  if (!m) return undefined;
  const [type, first] = m[1]!.split(';');
  const [param, value] = (first ?? '').split('=');
  const contents = m[2]!;
  if (param === 'base64') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(contents) || contents.length % 4 !== 0) return undefined;
    return { type: type || 'text/plain', data: Buffer.from(contents, 'base64') };
  }
  const charset = param === 'charset' ? value : undefined;
  return { type: type || 'text/plain', ...(charset ? { charset } : {}), data: Buffer.from(contents, 'utf8') };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(instant: number, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/**
 * A DATETIME as stored ("2026-11-20 18:22:04", wall-clock time in `timeZone`) as an ISO instant;
 * `undefined` for NULL-like values ("0000-00-00 00:00:00") and anything else.
 */
export function dbTimeToIso(value: string, timeZone: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!m || m[1] === '0000') return undefined;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  // The zone's offset at the guessed instant, then again at the corrected one (DST edges).
  let t = wall - (wallClock(wall, timeZone) - wall);
  t = wall - (wallClock(t, timeZone) - t);
  return new Date(t).toISOString();
}

const Row = z.object({
  number: z.string().nullable(),
  subject: z.string().nullable(),
  status: z.string().nullable(),
  state: z.string().nullable(),
  created: z.string(),
  updated: z.string().nullable(),
});

function dbError(err: unknown): HelpdeskError {
  if (err instanceof HelpdeskError) return err;
  const code = (err as { code?: unknown }).code;
  const text = `osTicket database: ${String(code ?? '')} ${(err as Error).message ?? err}`.slice(0, 300);
  switch (code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
    case 'ER_TABLEACCESS_DENIED_ERROR':
      return new HelpdeskError('auth', text);
    case 'ETIMEDOUT':
    case 'PROTOCOL_SEQUENCE_TIMEOUT':
      return new HelpdeskError('timeout', text);
    case 'ER_BAD_DB_ERROR':
    case 'ER_NO_SUCH_TABLE':
    case 'ER_BAD_FIELD_ERROR':
      return new HelpdeskError('bad-answer', text); // not osTicket's schema, or another prefix
    default:
      return new HelpdeskError('unavailable', text);
  }
}

export function osticketClient(opts: OsticketOptions): Helpdesk {
  const prefix = opts.database.tablePrefix;
  // Table names cannot be query parameters: the prefix is spliced in, so it must be plain.
  if (!/^[A-Za-z0-9_]{0,32}$/.test(prefix)) throw new Error(`invalid osTicket table prefix: ${prefix}`);
  new Intl.DateTimeFormat('en-US', { timeZone: opts.timezone }); // throws RangeError when unknown
  const endpoint = `${opts.url.replace(/\/+$/, '')}/api/tickets.json`;
  const pool = mysql.createPool({
    uri: opts.database.url,
    connectionLimit: 2,
    maxIdle: 1,
    idleTimeout: 60_000,
    connectTimeout: opts.timeoutMs,
    // Raw DATETIME text: the driver would otherwise read it in Node's zone, not osTicket's.
    dateStrings: true,
    charset: 'UTF8MB4_GENERAL_CI',
  });
  // user_email.address has osTicket's utf8_general_ci collation, so `=` ignores case (and the
  // unique index on address is used). Tickets belong to a user (ticket.user_id); user_email_id
  // is 0 on most tickets, so the join goes through the user.
  const sql = `SELECT t.number, c.subject, s.name AS status, s.state, t.created, t.updated
    FROM ${prefix}user_email e
    JOIN ${prefix}ticket t ON t.user_id = e.user_id
    LEFT JOIN ${prefix}ticket__cdata c ON c.ticket_id = t.ticket_id
    LEFT JOIN ${prefix}ticket_status s ON s.id = t.status_id
    WHERE e.address = ?
    ORDER BY t.created DESC, t.ticket_id DESC
    LIMIT ?`;

  async function query(email: string, limit: number): Promise<HelpdeskTicket[]> {
    // Prepared statement: the address travels as a parameter, never as SQL text.
    const [rows] = await pool.execute({ sql, timeout: opts.timeoutMs }, [email, limit]);
    const out: HelpdeskTicket[] = [];
    for (const raw of rows as unknown[]) {
      const row = Row.safeParse(raw);
      if (!row.success) throw new HelpdeskError('bad-answer', `osTicket database: unexpected row: ${row.error.message}`);
      const r = row.data;
      const createdAt = dbTimeToIso(r.created, opts.timezone);
      if (!r.number || !createdAt) continue; // half-written rows are not a customer's ticket
      out.push({
        number: r.number,
        subject: r.subject ?? '',
        status: r.status ?? '',
        state: r.state ?? '',
        createdAt,
        updatedAt: (r.updated && dbTimeToIso(r.updated, opts.timezone)) || createdAt,
      });
    }
    return out;
  }

  return {
    async createTicket(t, signal) {
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const payload = {
        name: t.name,
        email: t.email,
        ...(t.phone ? { phone: t.phone } : {}),
        subject: t.subject,
        message: messageDataUrl(t.message),
        ...(t.topicId !== undefined ? { topicId: t.topicId } : {}),
        ...(t.attachments?.length ? { attachments: t.attachments.map((a) => ({ [a.name]: attachmentDataUrl(a) })) } : {}),
      };
      let status: number;
      let body: string;
      try {
        const res = await fetch(endpoint, {
          method: 'POST',
          headers: { 'X-API-Key': opts.apiKey, 'Content-Type': 'application/json' },
          body: JSON.stringify(payload),
          redirect: 'manual', // a redirected POST becomes a GET: report it instead
          signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
        });
        status = res.status;
        body = await res.text();
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (timeout.aborted) throw new HelpdeskError('timeout', `osTicket did not answer within ${opts.timeoutMs} ms`);
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new HelpdeskError('unavailable', `osTicket unreachable: ${cause?.code ?? cause?.message ?? String(err)}`);
      }
      const excerpt = body.trim().slice(0, 200);
      if (status !== 201) throw new HelpdeskError(statusKind(status), `osTicket answered ${status}: ${excerpt}`);
      const number = ticketNumber(body);
      if (!number) throw new HelpdeskError('bad-answer', `osTicket answered 201 without a ticket number: ${excerpt}`);
      return number;
    },

    async ticketsOf(email, limit) {
      const address = email.trim();
      const n = Math.min(Math.max(Math.trunc(limit) || 1, 1), 100);
      if (!address) return [];
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new HelpdeskError('timeout', `osTicket database did not answer within ${opts.timeoutMs} ms`)),
          opts.timeoutMs,
        );
      });
      try {
        // The pool's own timeouts do not cover waiting for a free connection: race a deadline.
        return await Promise.race([query(address, n), deadline]);
      } catch (err) {
        throw dbError(err);
      } finally {
        clearTimeout(timer);
      }
    },

    async close() {
      await pool.end();
    },
  };
}
