/**
 * Staff logins over HTTP on a whole test Relais (real Redis and PostgreSQL): the cookie and its
 * flags, one answer for unknown ids and wrong passwords, lockout per id and per address and its end
 * (on the suite's clock), idle expiry, logout, password changes ending the other sessions, and the
 * admins' reset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCKOUT, SESSION } from '../../server/auth/policy.ts';
import { API_TOKEN, startTestRelais, type TestRelais } from '../support/relais.ts';
import { asStaff, freshAddress, logIn, loginRequest, ownOrigin, tokenOf } from '../support/staff.ts';

let t: TestRelais;
const PROXY = '10.99.0.1';

beforeAll(async () => {
  // A TLS proxy at 10.99.0.1 (only its X-Forwarded-For is believed).
  t = await startTestRelais({ patch: (c) => void (c.server = { ...c.server!, trustedProxies: [PROXY] }) });
});
afterAll(async () => t?.stop());

const me = (token: string) => asStaff(t, token, 'GET', '/api/auth/me');
const later = (ms: number) => t.setNow(new Date(t.now().getTime() + ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('logging in', () => {
  it('answers who logged in and sets the session cookie with exactly these flags', async () => {
    const res = await loginRequest(t, 'hector', t.consolePasswords.hector!);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ staff: { id: 'hector', name: 'Hector Harfang', role: 'agent' } });
    expect(res.headers['cache-control']).toBe('no-store');
    const cookies = [res.headers['set-cookie']].flat();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^__Host-relais_session=[A-Za-z0-9_-]{43}; Max-Age=604800; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    expect((await me(tokenOf(res))).json()).toEqual({ staff: { id: 'hector', name: 'Hector Harfang', role: 'agent' }, via: 'session' });
  });

  it('gives each login its own session', async () => {
    expect(await logIn(t, 'hector')).not.toBe(await logIn(t, 'hector'));
  });

  it('answers an unknown id exactly as a wrong password, in about the same time', async () => {
    const timed = async (staff: string, password: string) => {
      const started = performance.now();
      const res = await loginRequest(t, staff, password);
      return { res, ms: performance.now() - started };
    };
    const wrong = [];
    const unknown = [];
    for (let i = 0; i < 3; i++) {
      wrong.push(await timed('eleonore', `not-her-password-${i}`));
      unknown.push(await timed('zoe', `not-her-password-${i}`));
    }
    for (const { res } of [...wrong, ...unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'API_ERR_UNAUTHENTICATED', message: 'wrong staff id or password' } });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // Both paths run one scrypt verification: a known id is not answered faster or slower.
    const ratio = median(wrong.map((w) => w.ms)) / median(unknown.map((u) => u.ms));
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('refuses a login posted by another site’s page, and malformed bodies', async () => {
    const foreign = await loginRequest(t, 'hector', t.consolePasswords.hector!, { origin: 'https://evil.example' });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.headers['set-cookie']).toBeUndefined();
    for (const payload of [{}, { staff: 'hector' }, { staff: 'hector', password: 'x'.repeat(2000) }, { staff: 'hector', password: 1 }]) {
      const res = await t.relais.http.inject({ method: 'POST', url: '/api/auth/login', payload, remoteAddress: freshAddress() });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });
});

describe('lockout', () => {
  it('locks an id after 5 wrong passwords for 15 minutes, the right one included, then lets it in', async () => {
    const answers = [];
    for (let i = 0; i < LOCKOUT.accountFailures; i++) answers.push(await loginRequest(t, 'gary', `wrong-password-${i}`));
    expect(answers.slice(0, -1).map((r) => r.statusCode)).toEqual([401, 401, 401, 401]);
    const lock = answers.at(-1)!;
    expect(lock.statusCode).toBe(429);
    expect(lock.json().error.code).toBe('API_ERR_RATE_LIMITED');
    expect(lock.headers['retry-after']).toBe(String(LOCKOUT.lockMs / 1000));

    const right = await loginRequest(t, 'gary', t.consolePasswords.gary!);
    expect(right.statusCode).toBe(429);
    expect(right.body).toBe(lock.body);
    later(LOCKOUT.lockMs - 60_000);
    expect((await loginRequest(t, 'gary', t.consolePasswords.gary!)).headers['retry-after']).toBe('60');
    later(60_000);
    expect((await loginRequest(t, 'gary', t.consolePasswords.gary!)).statusCode).toBe(200);
  });

  it('locks an unknown id the same way, so locks tell nothing about which ids exist', async () => {
    const answers = [];
    for (let i = 0; i < LOCKOUT.accountFailures + 1; i++) answers.push(await loginRequest(t, 'xavier', `wrong-password-${i}`));
    expect(answers.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 429, 429]);
    expect(answers[5]!.headers['retry-after']).toBe(String(LOCKOUT.lockMs / 1000));
    later(LOCKOUT.lockMs);
  });

  it('locks an address that tries many ids, and only that address', async () => {
    const address = freshAddress();
    const codes = [];
    for (let i = 0; i < LOCKOUT.addressFailures; i++)
      codes.push((await loginRequest(t, `guess-${i}`, 'some-password', { address })).statusCode);
    expect(codes.slice(0, -1).every((c) => c === 401)).toBe(true);
    expect(codes.at(-1)).toBe(429);
    expect((await loginRequest(t, 'illiana', t.consolePasswords.illiana!, { address })).statusCode).toBe(429);
    expect((await loginRequest(t, 'illiana', t.consolePasswords.illiana!)).statusCode).toBe(200);
    later(LOCKOUT.lockMs);
    expect((await loginRequest(t, 'illiana', t.consolePasswords.illiana!, { address })).statusCode).toBe(200);
  });

  it("behind the trusted proxy, counts each client's own address; X-Forwarded-For from anyone else is ignored", async () => {
    const via = (client: string, staff: string, password: string, from = PROXY) =>
      t.relais.http.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { staff, password },
        remoteAddress: from,
        headers: { origin: ownOrigin(t), 'x-forwarded-for': client },
      });
    for (let i = 0; i < LOCKOUT.addressFailures; i++) await via('198.51.100.7', `proxied-guess-${i}`, 'some-password');
    expect((await via('198.51.100.7', 'hector', t.consolePasswords.hector!)).statusCode).toBe(429);
    expect((await via('198.51.100.8', 'hector', t.consolePasswords.hector!)).statusCode).toBe(200);
    // Not the proxy: its own address counts, whatever it claims to forward.
    const spoofer = freshAddress();
    for (let i = 0; i < LOCKOUT.addressFailures; i++) await via(`203.0.113.${i}`, `spoofed-guess-${i}`, 'some-password', spoofer);
    expect((await via('203.0.113.200', 'hector', t.consolePasswords.hector!, spoofer)).statusCode).toBe(429);
    later(LOCKOUT.lockMs);
  });
});

describe('sessions', () => {
  it('end after 12 hours unused; using one keeps it going', async () => {
    const token = await logIn(t, 'hector');
    later(SESSION.idleMs - 3_600_000);
    expect((await me(token)).statusCode).toBe(200);
    later(SESSION.idleMs - 3_600_000);
    expect((await me(token)).statusCode).toBe(200);
    later(SESSION.idleMs);
    const res = await me(token);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('API_ERR_UNAUTHENTICATED');
  });

  it('end at logout, whose answer makes the browser forget the cookie', async () => {
    const token = await logIn(t, 'eleonore');
    expect((await asStaff(t, token, 'POST', '/api/auth/logout', undefined, {})).statusCode).toBe(403);
    const res = await asStaff(t, token, 'POST', '/api/auth/logout');
    expect(res.statusCode).toBe(204);
    expect(res.headers['set-cookie']).toBe('__Host-relais_session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict');
    expect((await me(token)).statusCode).toBe(401);
    // Logging out again (an expired session, another tab) still clears the cookie.
    expect((await asStaff(t, token, 'POST', '/api/auth/logout')).statusCode).toBe(204);
  });

  it('all end with "log out everywhere"', async () => {
    const [a, b] = [await logIn(t, 'hector'), await logIn(t, 'hector')];
    const res = await asStaff(t, a, 'DELETE', '/api/auth/sessions');
    expect(res.statusCode).toBe(200);
    expect(res.json().ended).toBeGreaterThanOrEqual(2);
    expect((await me(a)).statusCode).toBe(401);
    expect((await me(b)).statusCode).toBe(401);
  });
});

describe('passwords', () => {
  const NEW = 'illiana-chose-this-one';

  it('a person changes theirs: their other sessions end, this one stays; the old password stops working', async () => {
    const [here, elsewhere, other] = [await logIn(t, 'illiana'), await logIn(t, 'illiana'), await logIn(t, 'hector')];
    const change = (body: object) => asStaff(t, here, 'POST', '/api/auth/password', body);
    expect((await change({ current: 'not-the-password', next: NEW })).statusCode).toBe(403);
    const short = await change({ current: t.consolePasswords.illiana, next: 'too-short' });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.details).toEqual([{ path: 'next', message: 'at least 12 characters' }]);
    expect((await change({ current: t.consolePasswords.illiana, next: t.consolePasswords.illiana })).statusCode).toBe(400);
    expect((await change({ current: t.consolePasswords.illiana, next: NEW })).statusCode).toBe(204);

    expect((await me(here)).statusCode).toBe(200);
    expect((await me(elsewhere)).statusCode).toBe(401);
    expect((await me(other)).statusCode).toBe(200);
    expect((await loginRequest(t, 'illiana', t.consolePasswords.illiana!)).statusCode).toBe(401);
    expect((await loginRequest(t, 'illiana', NEW)).statusCode).toBe(200);
  });

  it('the API token has none to change', async () => {
    const res = await t.relais.http.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: { authorization: `Bearer ${API_TOKEN}` },
      payload: { current: 'whatever-it-is', next: 'something-longer' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('API_ERR_FORBIDDEN');
  });

  it('an admin sees where each password comes from, and resets a forgotten one to the configured one', async () => {
    const admin = await logIn(t, 'denis');
    const illiana = await logIn(t, 'illiana', NEW);
    const accounts = (await asStaff(t, admin, 'GET', '/api/auth/staff')).json() as { id: string; password: string; sessions: number }[];
    expect(accounts.find((a) => a.id === 'illiana')).toMatchObject({ role: 'agent', password: 'user', sessions: expect.any(Number) });
    expect(accounts.find((a) => a.id === 'gary')).toMatchObject({ role: 'supervisor', password: 'config' });
    expect((await asStaff(t, illiana, 'GET', '/api/auth/staff')).statusCode).toBe(403);

    const reset = await asStaff(t, admin, 'DELETE', '/api/auth/staff/illiana/password');
    expect(reset.json()).toEqual({ password: 'config' });
    expect((await me(illiana)).statusCode).toBe(401);
    expect((await loginRequest(t, 'illiana', NEW)).statusCode).toBe(401);
    expect((await loginRequest(t, 'illiana', t.consolePasswords.illiana!)).statusCode).toBe(200);
    expect((await asStaff(t, admin, 'DELETE', '/api/auth/staff/mallory/password')).statusCode).toBe(404);
  });

  it('never appear in an answer', async () => {
    const res = await loginRequest(t, 'hector', t.consolePasswords.hector!);
    expect(res.body).not.toContain(t.consolePasswords.hector!);
    const admin = await logIn(t, 'denis');
    expect((await asStaff(t, admin, 'GET', '/api/auth/staff')).body).not.toMatch(/scrypt|console-/);
  });
});
