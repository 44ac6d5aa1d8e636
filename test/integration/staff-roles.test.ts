/**
 * Roles on a whole test Relais: what an agent, a supervisor and an admin may call (the
 * permissions table), the API token still an admin, the Origin rule on cookie requests that change
 * something, and agents' chat sockets (and a chat's files) opened by the session cookie but never
 * by a visitor's token.
 */
import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../server/auth/cookie.ts';
import { waitFor } from '../support/calls.ts';
import { closeChatClients, visitor } from '../support/chat.ts';
import { API_TOKEN, startTestRelais, type TestRelais } from '../support/relais.ts';
import { asStaff, logIn, loginRequest, ownOrigin } from '../support/staff.ts';

let t: TestRelais;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestRelais();
  // hector: agent; gary: supervisor (the technical lead); denis: admin (config/iseedor.yaml).
  for (const id of ['hector', 'gary', 'denis']) tokens[id] = await logIn(t, id);
});
afterEach(() => closeChatClients());
afterAll(async () => t?.stop());

const as = (id: string, method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
  asStaff(t, tokens[id]!, method, url, payload);
const bearer = (method: 'GET' | 'PUT', url: string, payload?: unknown) =>
  t.relais.http.inject({
    method,
    url,
    headers: { authorization: `Bearer ${API_TOKEN}` },
    ...(payload ? { payload: payload as object } : {}),
  });
const available = { presence: 'available' };
/** The smallest PNG: one transparent pixel. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4e80000000049454e44ae426082',
  'hex',
);
const someId = randomUUID();

describe('an agent', () => {
  it.each([
    ['GET', '/api/stats'],
    ['GET', '/api/agents'],
    ['GET', '/api/agents/gary'],
    ['PUT', '/api/agents/gary/presence'],
    ['DELETE', `/api/callbacks/${someId}`],
    ['GET', `/api/customers/${someId}/export`],
    ['DELETE', `/api/customers/${someId}`],
    ['GET', '/api/auth/staff'],
    ['DELETE', '/api/auth/staff/gary/sessions'],
  ] as const)('is refused %s %s with 403', async (method, url) => {
    const res = await as('hector', method, url, method === 'PUT' ? available : undefined);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('API_ERR_FORBIDDEN');
  });

  it('sets and reads their own presence, and sees the queues, callbacks and customers', async () => {
    const own = await as('hector', 'PUT', '/api/agents/hector/presence', available);
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ id: 'hector', presence: 'available' });
    expect((await as('hector', 'GET', '/api/agents/hector')).json()).toMatchObject({ id: 'hector', presence: 'available' });
    for (const url of ['/api/queues', '/api/callbacks', '/api/customers?q=dupont', '/api/auth/me'])
      expect((await as('hector', 'GET', url)).statusCode, url).toBe(200);
    await t.relais.routing.setPresence('hector', 'offline');
  });

  it('writes notes as themselves, never as someone else', async () => {
    const customer = await t.relais.records.identifyVisitor('note.test@example.fr', 'chat', { name: 'Note Test' });
    const url = `/api/customers/${customer!.id}/notes`;
    const mine = await as('hector', 'POST', url, { body: 'Rappeler demain' });
    expect(mine.statusCode).toBe(201);
    expect(mine.json()).toMatchObject({ author: 'hector' });
    expect((await as('hector', 'POST', url, { author: 'gary', body: 'Signé Gary' })).statusCode).toBe(403);
  });
});

describe('a supervisor', () => {
  it("sees statistics and everyone's presence, changes an agent's, and reaches GDPR routes", async () => {
    expect((await as('gary', 'GET', '/api/stats')).statusCode).toBe(200);
    expect((await as('gary', 'GET', '/api/agents')).statusCode).toBe(200);
    expect((await as('gary', 'PUT', '/api/agents/hector/presence', available)).json()).toMatchObject({
      id: 'hector',
      presence: 'available',
    });
    // Past the guard: the customer does not exist.
    expect((await as('gary', 'GET', `/api/customers/${someId}/export`)).statusCode).toBe(404);
    expect((await as('gary', 'DELETE', `/api/callbacks/${someId}`)).statusCode).toBe(404);
    await t.relais.routing.setPresence('hector', 'offline');
  });

  it("is refused the staff's accounts", async () => {
    expect((await as('gary', 'GET', '/api/auth/staff')).statusCode).toBe(403);
  });
});

describe('an admin and the API token', () => {
  it("an admin manages the staff's sessions", async () => {
    const victim = await logIn(t, 'eleonore');
    const res = await as('denis', 'DELETE', '/api/auth/staff/eleonore/sessions');
    expect(res.json()).toEqual({ ended: 1 });
    expect((await asStaff(t, victim, 'GET', '/api/auth/me')).statusCode).toBe(401);
  });

  it('the API token is still an admin for machine clients', async () => {
    expect((await bearer('GET', '/api/auth/me')).json()).toEqual({
      staff: { id: '@api-token', name: 'API token', role: 'admin' },
      via: 'token',
    });
    for (const url of ['/api/stats', '/api/agents', '/api/auth/staff']) expect((await bearer('GET', url)).statusCode, url).toBe(200);
    expect((await bearer('PUT', '/api/agents/gary/presence', { presence: 'offline' })).statusCode).toBe(200);
  });

  it('a wrong token is refused even beside a valid session cookie', async () => {
    const res = await t.relais.http.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: 'Bearer nope', cookie: `${SESSION_COOKIE}=${tokens.denis}` },
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('requests with the session cookie that change something', () => {
  const put = (headers: Record<string, string | undefined>) =>
    asStaff(t, tokens.hector!, 'PUT', '/api/agents/hector/presence', { presence: 'offline' }, headers);

  it('must come from Relais’ own origin', async () => {
    expect((await put({ origin: ownOrigin(t) })).statusCode).toBe(200);
    expect((await put({ origin: `http://localhost:${t.config.server.port}` })).statusCode).toBe(200);
    for (const origin of [undefined, 'https://evil.example', 'http://127.0.0.1:1', 'null']) {
      const res = await put({ origin });
      expect(res.statusCode, String(origin)).toBe(403);
      expect(res.json().error.code).toBe('API_ERR_FORBIDDEN');
    }
  });

  it('reading needs no Origin', async () => {
    expect((await asStaff(t, tokens.hector!, 'GET', '/api/queues', undefined, {})).statusCode).toBe(200);
  });
});

describe("agents' chat sockets", () => {
  const base = () => ownOrigin(t);
  const open: Socket[] = [];
  afterEach(() => open.splice(0).forEach((s) => s.disconnect()));

  /** Connects to /agent; resolves with the socket once connected, or the refusal's code. */
  function agentSocket(opts: { cookie?: string; origin?: string; auth?: object }): Promise<{ socket: Socket; refused?: string }> {
    const socket = io(`${base()}/agent`, {
      transports: ['websocket'],
      reconnection: false,
      auth: opts.auth ?? {},
      extraHeaders: {
        origin: opts.origin ?? base(),
        ...(opts.cookie ? { cookie: `${SESSION_COOKIE}=${opts.cookie}` } : {}),
      },
    });
    open.push(socket);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('agent socket: neither connected nor refused within 5 s')), 5000);
      socket.on('connect', () => (clearTimeout(timer), resolve({ socket })));
      socket.on(
        'connect_error',
        (err: Error & { data?: { code?: string } }) => (clearTimeout(timer), resolve({ socket, refused: err.data?.code ?? err.message })),
      );
    });
  }

  it("open with the console's session cookie, take a chat, and fetch its files with the cookie", async () => {
    const denis = await logIn(t, 'denis');
    const { refused, socket } = await agentSocket({ cookie: denis });
    expect(refused).toBeUndefined();
    await t.relais.routing.setPresence('denis', 'available');
    const offers: any[] = [];
    socket.on('offer', (o) => offers.push(o));
    const v = await visitor(t);
    const started = await v.ask('start', { topic: 'sales', name: 'Marie Dupont', email: 'marie.dupont@example.fr' });
    expect(started.ok).toBe(true);
    await waitFor('the offer on the cookie socket', () => offers.length > 0);
    const { conversation, offerId } = offers[0];
    expect(await socket.timeout(5000).emitWithAck('accept', { conversationId: conversation.id, offerId })).toMatchObject({ ok: true });

    const upload = await t.relais.http.inject({
      method: 'POST',
      url: '/chat/attachments',
      headers: { authorization: `Bearer ${(started as { token: string }).token}`, 'content-type': 'image/png' },
      payload: PNG,
    });
    expect(upload.statusCode).toBe(201);
    const file = `/chat/attachments/${upload.json().id}?conversation=${conversation.id}`;
    // An <img> or a same-origin fetch sends no Origin on GET: the cookie alone opens the file.
    expect((await asStaff(t, denis, 'GET', file, undefined, {})).statusCode).toBe(200);
    expect((await asStaff(t, tokens.gary!, 'GET', file, undefined, {})).statusCode).toBe(401);
    expect(await socket.timeout(5000).emitWithAck('close', { conversationId: conversation.id })).toMatchObject({ ok: true });
    await t.relais.routing.setPresence('denis', 'offline');
  });

  it('never open with a visitor’s conversation token, as credentials or as a cookie', async () => {
    await t.relais.routing.setPresence('denis', 'available');
    await agentSocket({ cookie: await logIn(t, 'denis') });
    const v = await visitor(t);
    const started = await v.ask('start', { topic: 'sales', name: 'Paul Petit', email: 'paul.petit@example.fr' });
    expect(started.ok).toBe(true);
    const visitorToken = (started as { token: string }).token;
    expect((await agentSocket({ auth: { agent: 'denis', token: visitorToken } })).refused).toBe('CHAT_ERR_UNAUTHORISED');
    expect((await agentSocket({ cookie: visitorToken })).refused).toBe('CHAT_ERR_UNAUTHORISED');
    expect((await agentSocket({})).refused).toBe('CHAT_ERR_UNAUTHORISED');
    await t.relais.routing.setPresence('denis', 'offline');
  });

  it("refuse a cookie sent from another origin, even one of the chat's sites", async () => {
    // config/iseedor.yaml lists http://localhost:8080 for the shop: visitors may connect from it, agents' cookies may not.
    const { refused } = await agentSocket({ cookie: await logIn(t, 'gary'), origin: 'http://localhost:8080' });
    expect(refused).toBe('CHAT_ERR_UNAUTHORISED');
  });

  it('still open with a staff id and the API token (the agents’ page, tests, benchmarks)', async () => {
    expect((await agentSocket({ auth: { agent: 'gary', token: API_TOKEN } })).refused).toBeUndefined();
  });

  it('close when their session ends (logout)', async () => {
    const token = await logIn(t, 'gary');
    const { socket } = await agentSocket({ cookie: token });
    expect(socket.connected).toBe(true);
    expect((await asStaff(t, token, 'POST', '/api/auth/logout')).statusCode).toBe(204);
    await waitFor('the socket closed', () => !socket.connected);
    expect((await loginRequest(t, 'gary', 'wrong-password-here')).statusCode).toBe(401);
  });
});
