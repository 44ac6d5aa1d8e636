/**
 * The osTicket connector against the local stand-in of osTicket's ticket API, which writes into
 * osTicket's tables in a real MariaDB (a fresh database for this suite), read back by the client.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelpdeskError, osticketClient, type Helpdesk, type OsticketOptions } from '../../customers/osticket.ts';
import { demoTopics, startFakeOsticket, type FakeOsticket } from '../../demo/fake-osticket.ts';
import { freshMariaDb, type FreshMariaDb } from '../support/mariadb.ts';
import { rejection } from '../support/errors.ts';

let db: FreshMariaDb;
let fake: FakeOsticket;
let helpdesk: Helpdesk;
const marie = 'marie.dupont@example.fr';
// The MariaDB that setup starts keeps DATETIMEs in the machine's zone, UTC on these machines;
// the seeded tickets' times are stored as written, whatever the zone.
const options = (over: Partial<OsticketOptions> = {}): OsticketOptions => ({
  url: fake.url,
  apiKey: fake.apiKey,
  timeoutMs: 2000,
  database: { url: db.url, tablePrefix: 'ost_' },
  timezone: 'UTC',
  ...over,
});
const failure = (p: Promise<unknown>) => rejection(p, HelpdeskError);
const ticket = { name: 'Marie Dupont', email: marie, subject: 'Rappel demandé', message: 'Rappelez-moi, merci.' };

beforeAll(async () => {
  db = await freshMariaDb();
  fake = await startFakeOsticket({ database: { url: db.url } });
  helpdesk = osticketClient(options());
});
afterAll(async () => {
  await helpdesk?.close();
  await fake?.close();
  await db?.drop();
});

describe('createTicket', () => {
  it('posts every field as osTicket reads them, and the ticket is listed first, Open', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
    const message = 'Bonjour, ma seedbox est lente — débit à 2 Mo/s.\nMerci de me rappeler.';
    const number = await helpdesk.createTicket({
      name: 'Marie Dupont',
      email: marie,
      phone: '+33612345678',
      subject: 'Appel du 25/11 : seedbox lente',
      message,
      topicId: demoTopics.indexOf('Support technique') + 1,
      attachments: [{ name: 'facture.pdf', type: 'application/pdf', data: pdf }],
    });
    expect(number).toMatch(/^[1-9][0-9]{5}$/);
    expect(fake.tickets.at(-1)).toEqual({
      number,
      name: 'Marie Dupont',
      email: marie,
      phone: '+33612345678',
      subject: 'Appel du 25/11 : seedbox lente',
      message,
      messageType: 'text/plain',
      topicId: 1,
      attachments: [{ name: 'facture.pdf', type: 'application/pdf', data: pdf }],
      source: 'API',
      ip: '127.0.0.1',
      alert: true,
      autorespond: true,
    });

    // The address as typed differently: osTicket's collation ignores case.
    const list = await helpdesk.ticketsOf('Marie.Dupont@EXAMPLE.fr', 10);
    expect(list.map((t) => t.number)).toEqual([number, '482913']);
    expect(list[0]).toMatchObject({ subject: 'Appel du 25/11 : seedbox lente', status: 'Open', state: 'open' });
    expect(Math.abs(Date.parse(list[0]!.createdAt) - Date.now())).toBeLessThan(5 * 60_000);
    expect(list[0]!.updatedAt).toBe(list[0]!.createdAt);
    expect(await helpdesk.ticketsOf(marie, 1)).toHaveLength(1);
  });

  it('answers auth for a wrong API key', async () => {
    const other = osticketClient(options({ apiKey: 'A'.repeat(32) }));
    try {
      const err = await failure(other.createTicket(ticket));
      expect(err.kind).toBe('auth');
      expect(err.message).toContain('401');
    } finally {
      await other.close();
    }
  });

  it('answers rejected, with osTicket’s reasons, for missing fields', async () => {
    const before = fake.tickets.length;
    const err = await failure(helpdesk.createTicket({ name: 'Marie Dupont', email: '', subject: '', message: 'x' }));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain('Unable to create new ticket: validation errors');
    expect(err.message).toContain('user: Incomplete client information');
    expect(err.message).toContain('Issue Summary is a required field');
    expect((await failure(helpdesk.createTicket({ ...ticket, email: 'marie.dupont' }))).kind).toBe('rejected');
    expect((await failure(helpdesk.createTicket({ ...ticket, topicId: 99 }))).kind).toBe('rejected');
    expect(fake.tickets).toHaveLength(before);
  });

  it('answers unavailable when the helpdesk is down or nothing listens', async () => {
    fake.setMode('down');
    try {
      expect((await failure(helpdesk.createTicket(ticket))).kind).toBe('unavailable');
    } finally {
      fake.setMode('normal');
    }
    const closed = await listen(() => {});
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const nowhere = osticketClient(options({ url: `http://127.0.0.1:${port}` }));
    try {
      expect((await failure(nowhere.createTicket(ticket))).kind).toBe('unavailable');
    } finally {
      await nowhere.close();
    }
  });

  it('gives up after timeoutMs on a server that accepts and never answers, and on the caller’s abort', async () => {
    const sockets: Socket[] = [];
    const silent = await listen((s) => sockets.push(s));
    const port = (silent.address() as { port: number }).port;
    const slow = osticketClient(options({ url: `http://127.0.0.1:${port}`, timeoutMs: 300 }));
    try {
      const started = performance.now();
      const err = await failure(slow.createTicket(ticket));
      expect(err.kind).toBe('timeout');
      expect(performance.now() - started).toBeLessThan(300 + 200);

      const abort = new AbortController();
      const reason = new Error('caller hung up');
      setTimeout(() => abort.abort(reason), 50);
      await expect(slow.createTicket(ticket, abort.signal)).rejects.toBe(reason);
    } finally {
      await slow.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('the fake, like osTicket', () => {
  it('refuses a missing key, attachments that are not data URLs, and bad JSON', async () => {
    const post = (body: unknown, key = fake.apiKey) =>
      fetch(`${fake.url}/api/tickets.json`, { method: 'POST', headers: { 'X-API-Key': key }, body: JSON.stringify(body) });
    const noKey = await fetch(`${fake.url}/api/tickets.json`, { method: 'POST', body: '{}' });
    expect([noKey.status, await noKey.text()]).toEqual([401, 'Valid API key required']);
    const bad = await post({ ...ticket, attachments: [{ 'a.pdf': 'JVBERi0=' }] });
    expect([bad.status, await bad.text()]).toEqual([
      400,
      'Unable to create new ticket: validation errors:\na.pdf: Poorly encoded base64 data',
    ]);
    const badBase64 = await post({ ...ticket, attachments: [{ 'a.pdf': 'data:application/pdf;base64,%%%' }] });
    expect(badBase64.status).toBe(400);
    const notJson = await fetch(`${fake.url}/api/tickets.json`, { method: 'POST', headers: { 'X-API-Key': fake.apiKey }, body: '{' });
    expect(notJson.status).toBe(400);
  });
});

describe('ticketsOf', () => {
  it('lists a seeded ticket with its subject, status and dates', async () => {
    const seeded = (await helpdesk.ticketsOf(marie, 10)).find((t) => t.number === '482913');
    expect(seeded).toEqual({
      number: '482913',
      subject: 'Seedbox lente depuis hier soir',
      status: 'Open',
      state: 'open',
      createdAt: '2026-11-20T18:22:04.000Z',
      updatedAt: '2026-11-21T09:10:40.000Z',
    });
    expect(await helpdesk.ticketsOf('julien.martin@example.fr', 10)).toEqual([
      expect.objectContaining({ number: '310527', status: 'Closed', state: 'closed' }),
    ]);
    expect(await helpdesk.ticketsOf('sophie.bernard@example.fr', 10)).toEqual([
      expect.objectContaining({ number: '517204', status: 'Resolved', state: 'closed' }),
    ]);
  });

  it('finds nothing for an unknown address', async () => {
    expect(await helpdesk.ticketsOf('personne@example.fr', 10)).toEqual([]);
    expect(await helpdesk.ticketsOf('thomas.petit@example.be', 10)).toEqual([]);
    expect(await helpdesk.ticketsOf('  ', 10)).toEqual([]);
  });

  it('treats an address that looks like SQL as an address', async () => {
    const before = await helpdesk.ticketsOf(marie, 10);
    for (const email of ["' OR '1'='1", "x' OR 1=1 -- ", "x'; DROP TABLE ost_ticket; --", '%', '\\']) {
      expect(await helpdesk.ticketsOf(email, 10)).toEqual([]);
    }
    expect(await helpdesk.ticketsOf(marie, 10)).toEqual(before);
  });

  it('answers auth for a wrong password and bad-answer for tables that are not there', async () => {
    const wrong = new URL(db.url);
    wrong.password = 'wrong';
    const denied = osticketClient(options({ database: { url: wrong.toString(), tablePrefix: 'ost_' } }));
    const elsewhere = osticketClient(options({ database: { url: db.url, tablePrefix: 'other_' } }));
    try {
      expect((await failure(denied.ticketsOf(marie, 10))).kind).toBe('auth');
      expect((await failure(elsewhere.ticketsOf(marie, 10))).kind).toBe('bad-answer');
    } finally {
      await denied.close();
      await elsewhere.close();
    }
    expect(() => osticketClient(options({ database: { url: db.url, tablePrefix: 'ost_; DROP' } }))).toThrow(/prefix/);
  });
});

function listen(onConnection: (s: Socket) => void): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer(onConnection);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
