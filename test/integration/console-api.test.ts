/**
 * The console's server side on real Redis and PostgreSQL: who may start it, what supervisors
 * alone see, its live socket (cookie only, never a visitor's token), the browser phone's SIP
 * WebSocket (staff only), its pages' headers, the history and its CSV, callbacks called now.
 */
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../server/auth/cookie.ts';
import { API_TOKEN, startTestRelais, type TestRelais } from '../support/relais.ts';
import { asStaff, logIn, ownOrigin } from '../support/staff.ts';
import { closeChatClients } from '../support/chat.ts';
import { conversationToken } from '../../chat/signatures.ts';
import { randomUUID } from 'node:crypto';
import { waitFor } from '../support/calls.ts';

let t: TestRelais;
const sockets: Socket[] = [];

beforeAll(async () => {
  t = await startTestRelais();
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
  closeChatClients();
});
afterAll(async () => t?.stop());

function consoleSocket(headers: Record<string, string>): Socket {
  const s = io(`${ownOrigin(t)}/console`, { transports: ['websocket'], extraHeaders: headers, reconnection: false });
  sockets.push(s);
  return s;
}

/** Resolves with the first of connect (null) or connect_error (its message). */
const outcome = (s: Socket) =>
  new Promise<string | null>((resolve) => {
    s.once('connect', () => resolve(null));
    s.once('connect_error', (e) => resolve(e.message));
  });

describe('the console over HTTP', () => {
  it('starts for a logged-in person with their SIP account, and not for the API token or nobody', async () => {
    const token = await logIn(t, 'eleonore');
    const res = await asStaff(t, token, 'GET', '/api/console/bootstrap');
    expect(res.statusCode, res.body).toBe(200);
    const boot = res.json();
    expect(boot.me).toMatchObject({ id: 'eleonore', name: 'Eleonore Eider', role: 'agent', teams: ['after-sales'] });
    expect(boot.phone).toEqual({ wsPath: '/sip', user: 'eleonore-webrtc', password: t.passwords.eleonore, domain: 'relais' });
    expect(boot.dispositions).toContain('Résolu');
    expect(Math.abs(Date.parse(boot.serverTime) - t.now().getTime())).toBeLessThan(5000);
    const machine = await t.relais.http.inject({ url: '/api/console/bootstrap', headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(machine.statusCode).toBe(403);
    expect((await t.relais.http.inject({ url: '/api/console/bootstrap' })).statusCode).toBe(401);
  });

  it('keeps the history, its CSV and the configuration view for supervisors', async () => {
    const agent = await logIn(t, 'eleonore');
    const supervisor = await logIn(t, 'gary');
    for (const url of [
      '/api/console/history?from=2026-11-01&to=2026-11-30',
      '/api/console/history.csv?from=2026-11-01&to=2026-11-30',
      '/api/console/config',
    ]) {
      expect((await asStaff(t, agent, 'GET', url)).statusCode, url).toBe(403);
      expect((await asStaff(t, supervisor, 'GET', url)).statusCode, url).toBe(200);
    }
    const csv = await asStaff(t, supervisor, 'GET', '/api/console/history.csv?from=2026-11-01&to=2026-11-30');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain('relais-historique-2026-11-01-2026-11-30.csv');
    expect(csv.body.startsWith('\uFEFFpériode;équipe;reçus')).toBe(true);
    const bad = await asStaff(t, supervisor, 'GET', '/api/console/history?from=2026-12-01&to=2026-11-01');
    expect(bad.statusCode).toBe(400);
    const config = (await asStaff(t, supervisor, 'GET', '/api/console/config')).json();
    expect(config.teams.find((x: { id: string }) => x.id === 'technical').members.map((m: { name: string }) => m.name)).toEqual([
      'Gary Gerenuk',
      'Hector Harfang',
      'Illiana Indri',
    ]);
  });

  it('serves its pages with a strict content security policy, and only its own files', async () => {
    const page = await t.relais.http.inject({ url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['cache-control']).toBe('no-cache');
    const script = /src="\/console\/(assets\/[^"]+\.js)"/.exec(page.body)![1]!;
    const asset = await t.relais.http.inject({ url: `/console/${script}` });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    for (const url of ['/console/../package.json', '/console/%2e%2e/package.json', '/console/.sources-hash', '/console/assets/nope.js'])
      expect((await t.relais.http.inject({ url })).statusCode, url).toBe(404);
  });

  it('places a scheduled callback now, and says why it cannot for one that is over', async () => {
    const token = await logIn(t, 'denis');
    const created = await t.relais.http.inject({
      method: 'POST',
      url: '/api/callbacks',
      payload: { number: '0655500001', team: 'sales', preferredAt: new Date(t.now().getTime() + 3 * 3600_000).toISOString() },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    const now = await asStaff(t, token, 'POST', `/api/callbacks/${id}/call-now`);
    expect(now.statusCode, now.body).toBe(200);
    expect((await t.relais.callbacks!.get(id))?.status).toBe('queued');
    await t.relais.callbacks!.cancel(id);
    const again = await asStaff(t, token, 'POST', `/api/callbacks/${id}/call-now`);
    expect(again.statusCode).toBe(409);
    expect((await asStaff(t, token, 'POST', '/api/callbacks/00000000-0000-4000-8000-000000000000/call-now')).statusCode).toBe(404);
  });
});

describe('the console socket', () => {
  it('opens with the session cookie and gives the agent their state; refuses nobody and a visitor token', async () => {
    const token = await logIn(t, 'hector');
    const s = consoleSocket({ cookie: `${SESSION_COOKIE}=${token}`, origin: ownOrigin(t) });
    const agent = new Promise<{ presence: string }>((resolve) => s.once('agent', resolve));
    expect(await outcome(s)).toBeNull();
    expect((await agent).presence).toBe('offline');
    const ack = await s.timeout(5000).emitWithAck('presence', { presence: 'available' });
    expect(ack).toEqual({ ok: true });
    expect((await t.relais.routing.agent('hector')).presence).toBe('available');
    const bad = await s.timeout(5000).emitWithAck('presence', { presence: 'asleep' });
    expect(bad.ok).toBe(false);

    expect(await outcome(consoleSocket({ origin: ownOrigin(t) }))).toMatch(/API_ERR_UNAUTHENTICATED/);
    // A real visitor's conversation token, as the widget keeps it.
    const visitorToken = conversationToken(t.config.chat!.tokenSecret, randomUUID(), t.now().getTime());
    const asVisitor = consoleSocket({ cookie: `${SESSION_COOKIE}=${visitorToken}`, origin: ownOrigin(t) });
    expect(await outcome(asVisitor)).toMatch(/API_ERR_UNAUTHENTICATED/);
  });

  it('gives the live wall to supervisors only', async () => {
    const agent = consoleSocket({ cookie: `${SESSION_COOKIE}=${await logIn(t, 'illiana')}`, origin: ownOrigin(t) });
    expect(await outcome(agent)).toBeNull();
    const refused = await agent.timeout(5000).emitWithAck('watchWall', { on: true });
    expect(refused).toMatchObject({ ok: false, error: { code: 'API_ERR_FORBIDDEN' } });

    const supervisor = consoleSocket({ cookie: `${SESSION_COOKIE}=${await logIn(t, 'gary')}`, origin: ownOrigin(t) });
    expect(await outcome(supervisor)).toBeNull();
    const walls: { team: string; agents: { id: string }[] }[][] = [];
    supervisor.on('wall', (w) => walls.push(w));
    expect(await supervisor.timeout(5000).emitWithAck('watchWall', { on: true })).toEqual({ ok: true });
    await waitFor('a wall', () => walls.length > 0);
    expect(walls[0]!.map((w) => w.team)).toEqual(Object.keys(t.config.teams));
    await t.relais.routing.setPresence('illiana', 'paused', 'café');
    await waitFor('the wall after a presence change', () => walls.length > 1, 3000);
  });
});

describe("the browser phone's SIP WebSocket", () => {
  const open = (headers: Record<string, string>) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${t.config.server.port}/sip`, 'sip', { headers });
      ws.once('open', () => (ws.close(), resolve('open')));
      ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.once('error', (e) => resolve(e.message));
    });

  it('reaches Asterisk for staff, and nobody else', async () => {
    expect(await open({ origin: ownOrigin(t) })).toBe('401');
    expect(await open({ cookie: `${SESSION_COOKIE}=not-a-session`, origin: ownOrigin(t) })).toBe('401');
    const token = await logIn(t, 'eleonore');
    expect(await open({ cookie: `${SESSION_COOKIE}=${token}`, origin: ownOrigin(t) })).toBe('open');
  });
});
