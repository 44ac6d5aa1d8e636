/**
 * A stand-in for osTicket, which cannot run here: its ticket API (`POST /api/tickets.json`) with
 * the answers of include/class.api.php and include/api.tickets.php, writing tickets into
 * osTicket's own tables (the subset Relais reads, real column names and types) in a real
 * MySQL/MariaDB database, where Relais then reads them as it would read a real osTicket's.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import mysql, { type Pool, type PoolConnection, type RowDataPacket } from 'mysql2/promise';
import { parseDataUrl } from '../customers/osticket.ts';
import { seedCustomers } from './seed.ts';

/** A ticket as the fake received it, after osTicket's own decoding of the JSON request. */
export interface ReceivedTicket {
  number: string;
  name: string;
  email: string;
  phone?: string;
  subject: string;
  /** The message text, decoded from its data URL. */
  message: string;
  messageType: string;
  topicId?: number;
  attachments: { name: string; type: string; data: Buffer }[];
  source: string;
  ip: string;
  alert: boolean;
  autorespond: boolean;
}

export interface FakeOsticket {
  /** Base URL: tickets are POSTed to `${url}/api/tickets.json`. */
  url: string;
  /** Bound to 127.0.0.1, as osTicket binds every key to one IP address. */
  apiKey: string;
  tickets: ReceivedTicket[];
  /** 'down': every request gets 503, as from a proxy in front of a stopped helpdesk. */
  setMode(mode: 'normal' | 'down'): void;
  close(): Promise<void>;
}

// osTicket's install DDL (setup/inc/streams/core/install-mysql.sql, v1.14+), `ticket__cdata` as
// osTicket builds it from the ticket form. Subsets: help_topic (no form/page links); the others whole.
const schema = (p: string) => [
  `CREATE TABLE IF NOT EXISTS \`${p}ticket\` (
  \`ticket_id\` int(11) unsigned NOT NULL auto_increment, \`ticket_pid\` int(11) unsigned DEFAULT NULL,
  \`number\` varchar(20), \`user_id\` int(11) unsigned NOT NULL default '0',
  \`user_email_id\` int(11) unsigned NOT NULL default '0', \`status_id\` int(10) unsigned NOT NULL default '0',
  \`dept_id\` int(10) unsigned NOT NULL default '0', \`sla_id\` int(10) unsigned NOT NULL default '0',
  \`topic_id\` int(10) unsigned NOT NULL default '0', \`staff_id\` int(10) unsigned NOT NULL default '0',
  \`team_id\` int(10) unsigned NOT NULL default '0', \`email_id\` int(11) unsigned NOT NULL default '0',
  \`lock_id\` int(11) unsigned NOT NULL default '0', \`flags\` int(10) unsigned NOT NULL default '0',
  \`sort\` int(11) unsigned NOT NULL DEFAULT '0', \`ip_address\` varchar(64) NOT NULL default '',
  \`source\` enum('Web','Email','Phone','API','Other') NOT NULL default 'Other',
  \`source_extra\` varchar(40) NULL default NULL, \`isoverdue\` tinyint(1) unsigned NOT NULL default '0',
  \`isanswered\` tinyint(1) unsigned NOT NULL default '0', \`duedate\` datetime default NULL,
  \`est_duedate\` datetime default NULL, \`reopened\` datetime default NULL, \`closed\` datetime default NULL,
  \`lastupdate\` datetime default NULL, \`created\` datetime NOT NULL, \`updated\` datetime NOT NULL,
  PRIMARY KEY (\`ticket_id\`), KEY \`user_id\` (\`user_id\`), KEY \`dept_id\` (\`dept_id\`),
  KEY \`staff_id\` (\`staff_id\`), KEY \`team_id\` (\`team_id\`), KEY \`status_id\` (\`status_id\`),
  KEY \`created\` (\`created\`), KEY \`closed\` (\`closed\`), KEY \`duedate\` (\`duedate\`),
  KEY \`topic_id\` (\`topic_id\`), KEY \`sla_id\` (\`sla_id\`), KEY \`ticket_pid\` (\`ticket_pid\`)
) DEFAULT CHARSET=utf8`,
  `CREATE TABLE IF NOT EXISTS \`${p}ticket__cdata\` (
  \`ticket_id\` int(11) unsigned NOT NULL, \`subject\` mediumtext, \`priority\` mediumtext,
  PRIMARY KEY (\`ticket_id\`)
) DEFAULT CHARSET=utf8`,
  `CREATE TABLE IF NOT EXISTS \`${p}ticket_status\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT, \`name\` varchar(60) NOT NULL DEFAULT '',
  \`state\` varchar(16) DEFAULT NULL, \`mode\` int(11) unsigned NOT NULL DEFAULT '0',
  \`flags\` int(11) unsigned NOT NULL DEFAULT '0', \`sort\` int(11) unsigned NOT NULL DEFAULT '0',
  \`properties\` text NOT NULL, \`created\` datetime NOT NULL, \`updated\` datetime NOT NULL,
  PRIMARY KEY (\`id\`), UNIQUE KEY \`name\` (\`name\`), KEY \`state\` (\`state\`)
) DEFAULT CHARSET=utf8`,
  `CREATE TABLE IF NOT EXISTS \`${p}user\` (
  \`id\` int(10) unsigned NOT NULL auto_increment, \`org_id\` int(10) unsigned NOT NULL,
  \`default_email_id\` int(10) NOT NULL, \`status\` int(11) unsigned NOT NULL DEFAULT '0',
  \`name\` varchar(128) NOT NULL, \`created\` datetime NOT NULL, \`updated\` datetime NOT NULL,
  PRIMARY KEY (\`id\`), KEY \`org_id\` (\`org_id\`)
) DEFAULT CHARSET=utf8`,
  `CREATE TABLE IF NOT EXISTS \`${p}user_email\` (
  \`id\` int(10) unsigned NOT NULL auto_increment, \`user_id\` int(10) unsigned NOT NULL,
  \`flags\` int(10) unsigned NOT NULL DEFAULT 0, \`address\` varchar(128) NOT NULL,
  PRIMARY KEY (\`id\`), UNIQUE KEY \`address\` (\`address\`), KEY \`user_email_lookup\` (\`user_id\`)
) DEFAULT CHARSET=utf8`,
  `CREATE TABLE IF NOT EXISTS \`${p}help_topic\` (
  \`topic_id\` int(11) unsigned NOT NULL auto_increment, \`topic_pid\` int(10) unsigned NOT NULL default '0',
  \`isactive\` tinyint(1) unsigned NOT NULL default '1', \`ispublic\` tinyint(1) unsigned NOT NULL default '1',
  \`status_id\` int(10) unsigned NOT NULL default '0', \`priority_id\` int(10) unsigned NOT NULL default '0',
  \`dept_id\` int(10) unsigned NOT NULL default '0', \`sort\` int(10) unsigned NOT NULL default '0',
  \`topic\` varchar(32) NOT NULL default '', \`notes\` text, \`created\` datetime NOT NULL,
  \`updated\` datetime NOT NULL,
  PRIMARY KEY (\`topic_id\`), UNIQUE KEY \`topic\` (\`topic\`, \`topic_pid\`), KEY \`topic_pid\` (\`topic_pid\`)
) DEFAULT CHARSET=utf8`,
];

// include/i18n/en_US/ticket_status.yaml: [id, name, state, mode, sort, properties].
const statuses: [number, string, string, number, number, object][] = [
  [1, 'Open', 'open', 3, 1, { description: 'Open tickets.' }],
  [2, 'Resolved', 'closed', 1, 2, { allowreopen: true, reopenstatus: 0, description: 'Resolved tickets' }],
  [3, 'Closed', 'closed', 3, 3, { allowreopen: true, reopenstatus: 0, description: 'Closed tickets.' }],
  [4, 'Archived', 'archived', 3, 4, { description: 'Tickets only adminstratively available.' }],
  [5, 'Deleted', 'deleted', 3, 5, { description: 'Tickets queued for deletion.' }],
];
const statusId = { Open: 1, Resolved: 2, Closed: 3 } as const;
/** The demo's help topics, ids fixed so the demo configuration can name them. */
export const demoTopics = ['Support technique', 'Facturation', 'Ventes'] as const;

async function userFor(db: Pool | PoolConnection, p: string, email: string, name: string): Promise<number> {
  const [found] = await db.execute<RowDataPacket[]>(`SELECT user_id FROM ${p}user_email WHERE address = ?`, [email]);
  if (found[0]) return found[0].user_id as number;
  const [user] = await db.execute<mysql.ResultSetHeader>(
    `INSERT INTO ${p}user (org_id, default_email_id, status, name, created, updated) VALUES (0, 0, 0, ?, NOW(), NOW())`,
    [name],
  );
  const [addr] = await db.execute<mysql.ResultSetHeader>(`INSERT INTO ${p}user_email (user_id, flags, address) VALUES (?, 0, ?)`, [
    user.insertId,
    email,
  ]);
  await db.execute(`UPDATE ${p}user SET default_email_id = ? WHERE id = ?`, [addr.insertId, user.insertId]);
  return user.insertId;
}

async function prepare(pool: Pool, p: string, seed: boolean): Promise<void> {
  for (const ddl of schema(p)) await pool.query(ddl);
  for (const [id, name, state, mode, sort, props] of statuses) {
    await pool.execute(
      `INSERT IGNORE INTO ${p}ticket_status (id, name, state, mode, flags, sort, properties, created, updated) VALUES (?, ?, ?, ?, 0, ?, ?, NOW(), NOW())`,
      [id, name, state, mode, sort, JSON.stringify(props)],
    );
  }
  for (const [i, topic] of demoTopics.entries()) {
    await pool.execute(`INSERT IGNORE INTO ${p}help_topic (topic_id, topic, dept_id, created, updated) VALUES (?, ?, 1, NOW(), NOW())`, [
      i + 1,
      topic,
    ]);
  }
  if (!seed) return;
  for (const c of seedCustomers) {
    for (const t of c.tickets) {
      const [exists] = await pool.execute<RowDataPacket[]>(`SELECT 1 FROM ${p}ticket WHERE number = ?`, [t.number]);
      if (exists.length) continue;
      const userId = await userFor(pool, p, c.email, `${c.firstname} ${c.lastname}`);
      const topicId = (demoTopics as readonly string[]).indexOf(t.topic) + 1;
      const closed = t.status === 'Open' ? null : t.updated;
      const [ticket] = await pool.execute<mysql.ResultSetHeader>(
        `INSERT INTO ${p}ticket (number, user_id, status_id, dept_id, topic_id, source, closed, lastupdate, created, updated)
         VALUES (?, ?, ?, 1, ?, 'Web', ?, ?, ?, ?)`,
        [t.number, userId, statusId[t.status], topicId, closed, t.updated, t.created, t.updated],
      );
      await pool.execute(`INSERT INTO ${p}ticket__cdata (ticket_id, subject) VALUES (?, ?)`, [ticket.insertId, t.subject]);
    }
  }
}

// Ticket::create gathers its errors; the API answers 400 with them as "key: message" lines.
const validationErrors = (errors: [string, string][]) =>
  `Unable to create new ticket: validation errors:\n${errors.map(([k, v]) => `${k}: ${v}`).join('\n')}`;
const sources = ['Web', 'Email', 'Phone', 'API', 'Other'];

/** The request body read as api.tickets.php and Ticket::create read it, or the 400 answer's text. */
function readTicket(body: Record<string, unknown>, ip: string): Omit<ReceivedTicket, 'number'> | string {
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '');
  const errors: [string, string][] = [];
  const [name, email, subject] = [str(body.name), str(body.email), str(body.subject)];
  // A missing or malformed name/email fails osTicket's user form, which reports only this.
  if (!name || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) errors.push(['user', 'Incomplete client information']);
  // Ticket form field ids of a default install: 20 subject, 21 message.
  if (!subject) errors.push(['20', 'Issue Summary is a required field']);
  const message =
    typeof body.message === 'string' ? (parseDataUrl(body.message) ?? { type: 'text/plain', data: Buffer.from(body.message) }) : undefined;
  if (!message || !message.data.toString('utf8').trim()) errors.push(['21', 'Issue Details is a required field']);
  // ticket.source is an ENUM, which MySQL matches ignoring case.
  const source = sources.find((s) => s.toLowerCase() === str(body.source ?? 'API').toLowerCase());
  if (!source) errors.push(['source', 'Indicate ticket source']);
  const topicId = body.topicId === undefined ? undefined : Number(body.topicId);
  if (topicId !== undefined && !(Number.isInteger(topicId) && topicId >= 1 && topicId <= demoTopics.length))
    errors.push(['topicId', 'Invalid help topic selected']);
  const attachments: ReceivedTicket['attachments'] = [];
  for (const entry of Array.isArray(body.attachments) ? body.attachments : body.attachments === undefined ? [] : [null]) {
    const [fileName, url] = entry && typeof entry === 'object' ? (Object.entries(entry)[0] ?? []) : [];
    const file = typeof url === 'string' ? parseDataUrl(url) : undefined;
    if (!fileName || !file) errors.push([String(fileName ?? 'attachments'), 'Poorly encoded base64 data']);
    else attachments.push({ name: fileName, type: file.type, data: file.data });
  }
  if (errors.length) return validationErrors(errors);
  return {
    name,
    email,
    ...(body.phone !== undefined ? { phone: str(body.phone).toUpperCase() } : {}),
    subject,
    message: message!.data.toString('utf8'),
    messageType: message!.type,
    ...(topicId !== undefined ? { topicId } : {}),
    attachments,
    source: source!,
    ip: str(body.ip) || ip,
    alert: body.alert === undefined ? true : Boolean(body.alert),
    autorespond: body.autorespond === undefined ? true : Boolean(body.autorespond),
  };
}

async function insertTicket(pool: Pool, p: string, t: Omit<ReceivedTicket, 'number'>): Promise<string> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const userId = await userFor(conn, p, t.email, t.name);
    let number: string;
    // osTicket's default "######" format: random digits, drawn again until unused.
    do number = String(randomInt(100000, 1000000));
    while ((await conn.execute<RowDataPacket[]>(`SELECT 1 FROM ${p}ticket WHERE number = ?`, [number]))[0].length);
    const [ticket] = await conn.execute<mysql.ResultSetHeader>(
      `INSERT INTO ${p}ticket (number, user_id, status_id, dept_id, topic_id, ip_address, source, lastupdate, created, updated)
       VALUES (?, ?, 1, 1, ?, ?, ?, NOW(), NOW(), NOW())`,
      [number, userId, t.topicId ?? 0, t.ip, t.source],
    );
    await conn.execute(`INSERT INTO ${p}ticket__cdata (ticket_id, subject) VALUES (?, ?)`, [ticket.insertId, t.subject]);
    await conn.commit();
    return number;
  } catch (err) {
    await conn.rollback().catch(() => {});
    throw err;
  } finally {
    conn.release();
  }
}

export async function startFakeOsticket(opts: {
  database: { url: string; tablePrefix?: string };
  port?: number;
  host?: string;
  seed?: boolean;
  /** The key Relais is configured with (the demo); random by default. */
  apiKey?: string;
}): Promise<FakeOsticket> {
  const p = opts.database.tablePrefix ?? 'ost_';
  if (!/^[A-Za-z0-9_]{0,32}$/.test(p)) throw new Error(`invalid osTicket table prefix: ${p}`);
  const pool = mysql.createPool({ uri: opts.database.url, connectionLimit: 3, dateStrings: true, charset: 'UTF8MB4_GENERAL_CI' });
  await prepare(pool, p, opts.seed ?? true).catch(async (err) => {
    await pool.end();
    throw err;
  });
  const apiKey = opts.apiKey ?? randomBytes(16).toString('hex').toUpperCase(); // osTicket's keys: 32 hex digits
  const keyIp = '127.0.0.1';
  const tickets: ReceivedTicket[] = [];
  let mode: 'normal' | 'down' = 'normal';

  const reply = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8' }).end(text);
  };
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (mode === 'down') return reply(res, 503, 'Service Unavailable');
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (req.method !== 'POST' || path !== '/api/tickets.json') return reply(res, 404, 'Not Found');
    const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    // osTicket looks the key up together with the caller's IP: a key used from elsewhere is unknown.
    if (req.headers['x-api-key'] !== apiKey || ip !== keyIp) return reply(res, 401, 'Valid API key required');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > 16 << 20) return reply(res, 413, 'Request Entity Too Large');
      chunks.push(chunk);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(res, 400, 'Syntax error');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return reply(res, 400, 'Unexpected or invalid data received');
    const received = readTicket(body as Record<string, unknown>, ip);
    if (typeof received === 'string') return reply(res, 400, received);
    const number = await insertTicket(pool, p, received);
    tickets.push({ number, ...received });
    reply(res, 201, number);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => reply(res, 500, 'Unable to create new ticket: unknown error'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => void pool.end().finally(() => reject(err)));
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    apiKey,
    tickets,
    setMode: (m) => void (mode = m),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}
