/**
 * The stores under staff logins, on real PostgreSQL (a fresh schema) and Redis (a random prefix),
 * with a clock the test moves: configured passwords stored, rotated and overridden by the person's
 * own; sessions by hash, idle and absolute expiry, log out everywhere; lockout windows.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.ts';
import { migrate } from '../../db/migrate.ts';
import { startStaffAuth } from '../../server/auth/index.ts';
import { CredentialStore, syncConfiguredPassword, syncConfiguredPasswords } from '../../server/auth/credentials.ts';
import { passwordIdentity } from '../../server/auth/identity.ts';
import { decode, hashPassword, verifyPassword } from '../../server/auth/passwords.ts';
import { LOCKOUT, SESSION } from '../../server/auth/policy.ts';
import { SessionStore } from '../../server/auth/sessions.ts';
import { LoginThrottle } from '../../server/auth/throttle.ts';
import { waitFor } from '../support/calls.ts';
import { freshSchema, type FreshSchema } from '../support/pg.ts';

let schema: FreshSchema;
let db: pg.Pool;
let redis: Redis;
let store: CredentialStore;
const prefix = `relais-auth-${randomBytes(3).toString('hex')}`;
let clock = Date.parse('2026-11-24T09:00:00Z');
const now = () => clock;
const HOUR = 3_600_000;

beforeAll(async () => {
  schema = await freshSchema();
  db = new pg.Pool({ connectionString: schema.url, max: 4 });
  await migrate(db);
  redis = new Redis('redis://127.0.0.1:6379');
  store = new CredentialStore(db);
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await db?.end();
  await schema?.drop();
});

const matches = async (id: string, password: string) => (await verifyPassword(password, (await store.get(id))!.hash)).ok;

describe('configured passwords', () => {
  it('are stored hashed when nothing is, then kept while the secret is the same', async () => {
    expect(await syncConfiguredPassword(store, 'anna', 'first-secret-anna')).toBe('stored');
    const stored = (await store.get('anna'))!;
    expect(stored).toMatchObject({ source: 'config', hash: expect.stringMatching(/^scrypt\$/) });
    expect(JSON.stringify(await store.list())).not.toContain('first-secret-anna');
    expect(await syncConfiguredPassword(store, 'anna', 'first-secret-anna')).toBe('kept');
    expect((await store.get('anna'))!.hash).toBe(stored.hash);
  });

  it('follow a new secret (rotation through the secrets file): the old one stops working', async () => {
    await syncConfiguredPassword(store, 'bruno', 'first-secret-bruno');
    expect(await syncConfiguredPassword(store, 'bruno', 'second-secret-bruno')).toBe('rotated');
    expect(await matches('bruno', 'second-secret-bruno')).toBe(true);
    expect(await matches('bruno', 'first-secret-bruno')).toBe(false);
  });

  it('no longer override a password the person chose', async () => {
    await syncConfiguredPassword(store, 'chloe', 'first-secret-chloe');
    await store.set('chloe', await hashPassword('chloe-chose-this-one'), 'user');
    expect(await syncConfiguredPassword(store, 'chloe', 'second-secret-chloe')).toBe('kept');
    expect(await syncConfiguredPassword(store, 'chloe', undefined)).toBe('kept');
    expect(await store.get('chloe')).toMatchObject({ source: 'user' });
    expect(await matches('chloe', 'chloe-chose-this-one')).toBe(true);
  });

  it('go when the configuration drops them (only those that came from it)', async () => {
    await syncConfiguredPassword(store, 'damien', 'first-secret-damien');
    expect(await syncConfiguredPassword(store, 'damien', undefined)).toBe('removed');
    expect(await store.get('damien')).toBeUndefined();
  });

  it('are stored once when two processes start together', async () => {
    const staff = { emma: { password: 'first-secret-emma' } };
    const [a, b] = await Promise.all([syncConfiguredPasswords(store, staff), syncConfiguredPasswords(store, staff)]);
    expect([a.stored ?? [], b.stored ?? []].flat()).toEqual(['emma']);
    expect(await matches('emma', 'first-secret-emma')).toBe(true);
  });
});

describe('the password identity provider', () => {
  const log = pino({ level: 'silent' });

  it('proves only ids of the configuration, even when the table has a row for another', async () => {
    await store.set('mallory', await hashPassword('mallory-password'), 'user');
    await store.set('felix', await hashPassword('felix-password-1'), 'user');
    const provider = passwordIdentity({ staff: { felix: {} } as never, credentials: store, dummyHash: await hashPassword('x'), log });
    expect(await provider.verify('felix', 'felix-password-1')).toBe('felix');
    expect(await provider.verify('felix', 'felix-password-2')).toBeUndefined();
    expect(await provider.verify('mallory', 'mallory-password')).toBeUndefined();
    expect(await provider.verify('nobody', 'felix-password-1')).toBeUndefined();
  });

  it('rehashes a right password stored with older parameters, keeping where it came from', async () => {
    await store.set('gina', await hashPassword('gina-old-params', { N: 2 ** 14, r: 8, p: 1 }), 'config');
    const provider = passwordIdentity({ staff: { gina: {} } as never, credentials: store, dummyHash: await hashPassword('x'), log });
    expect(await provider.verify('gina', 'gina-old-params')).toBe('gina');
    await waitFor('the new hash', async () => decode((await store.get('gina'))!.hash)?.N === 2 ** 15);
    expect(await store.get('gina')).toMatchObject({ source: 'config' });
    expect(await matches('gina', 'gina-old-params')).toBe(true);
  });
});

describe('sessions', () => {
  const sessions = () => new SessionStore(redis, prefix, now);

  it('keep only the token’s SHA-256 in Redis, with the staff id, role and times', async () => {
    const { token, session } = await sessions().open('hugo', 'agent');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const keys = await redis.keys(`${prefix}:auth:*`);
    expect(keys.join()).not.toContain(token);
    const stored = await redis.hgetall(`${prefix}:auth:session:${session.id}`);
    expect(stored).toEqual({ staff: 'hugo', role: 'agent', createdAt: String(clock), lastSeenAt: String(clock) });
    expect(await sessions().find(token)).toMatchObject({ staff: 'hugo', role: 'agent' });
    expect(await sessions().find(session.id)).toBeUndefined();
    expect(await sessions().find(`${token.slice(0, -1)}A`)).toBeUndefined();
  });

  it('end after 12 hours unused, and each use extends them', async () => {
    const { token } = await sessions().open('ines', 'agent');
    clock += SESSION.idleMs - HOUR;
    expect(await sessions().find(token)).toBeDefined();
    clock += SESSION.idleMs - HOUR;
    expect(await sessions().find(token)).toBeDefined();
    clock += SESSION.idleMs;
    expect(await sessions().find(token)).toBeUndefined();
    expect(await sessions().countOf('ines')).toBe(0);
  });

  it('end 7 days after login however much they are used', async () => {
    const { token } = await sessions().open('jules', 'agent');
    const end = clock + SESSION.absoluteMs;
    while (clock + 11 * HOUR < end) {
      clock += 11 * HOUR;
      expect(await sessions().find(token)).toBeDefined();
    }
    clock = end;
    expect(await sessions().find(token)).toBeUndefined();
  });

  it('end all at once for one person, except the one that asked', async () => {
    const s = sessions();
    const [a, b, c] = await Promise.all([s.open('karim', 'agent'), s.open('karim', 'agent'), s.open('karim', 'agent')]);
    const other = await s.open('lea', 'agent');
    expect(await s.countOf('karim')).toBe(3);
    expect((await s.closeAllOf('karim', a.session.id)).sort()).toEqual([b.session.id, c.session.id].sort());
    expect(await s.find(a.token)).toBeDefined();
    expect(await s.find(b.token)).toBeUndefined();
    expect(await s.find(other.token)).toBeDefined();
    expect(await s.close(a.session.id)).toBe(true);
    expect(await s.countOf('karim')).toBe(0);
  });
});

describe('lockout', () => {
  const throttle = () => new LoginThrottle(redis, prefix, now);

  it('locks an id after 5 wrong passwords in 15 minutes, for 15 minutes', async () => {
    const t = throttle();
    for (let i = 1; i < LOCKOUT.accountFailures; i++) expect(await t.failed('marc', `10.0.0.${i}`)).toEqual({ retryAfterMs: 0 });
    expect(await t.failed('marc', '10.0.0.9')).toEqual({ locked: 'account', retryAfterMs: LOCKOUT.lockMs });
    expect(await t.retryAfterMs('MARC ', '10.0.1.1')).toBe(LOCKOUT.lockMs);
    clock += LOCKOUT.lockMs - 1000;
    expect(await t.retryAfterMs('marc', '10.0.1.1')).toBe(1000);
    clock += 1000;
    expect(await t.retryAfterMs('marc', '10.0.1.1')).toBe(0);
    // A fresh series is needed for the next lock.
    expect((await t.failed('marc', '10.0.1.1')).locked).toBeUndefined();
  });

  it('forgets failures older than the window, and a right password clears the count', async () => {
    const t = throttle();
    for (let i = 0; i < LOCKOUT.accountFailures - 1; i++) await t.failed('nora', '10.0.2.1');
    clock += LOCKOUT.windowMs;
    expect((await t.failed('nora', '10.0.2.1')).locked).toBeUndefined();
    for (let i = 0; i < LOCKOUT.accountFailures - 2; i++) await t.failed('nora', '10.0.2.1');
    await t.succeeded('nora');
    expect((await t.failed('nora', '10.0.2.1')).locked).toBeUndefined();
  });

  it('locks an address trying many ids, whatever the ids', async () => {
    const t = throttle();
    const outcomes = [];
    for (let i = 0; i < LOCKOUT.addressFailures; i++) outcomes.push(await t.failed(`guess-${i}`, '10.0.3.1'));
    expect(outcomes.at(-2)).toEqual({ retryAfterMs: 0 });
    expect(outcomes.at(-1)).toEqual({ locked: 'address', retryAfterMs: LOCKOUT.lockMs });
    expect(await t.retryAfterMs('someone-else', '10.0.3.1')).toBe(LOCKOUT.lockMs);
    expect(await t.retryAfterMs('someone-else', '10.0.3.2')).toBe(0);
  });
});

describe('startStaffAuth', () => {
  it('syncs the configured passwords at start, and logs one line per lockout, never the password', async () => {
    const raw = parse(readFileSync(new URL('../../config/iseedor.yaml', import.meta.url), 'utf8'));
    raw.redis = { url: 'redis://127.0.0.1:6379', prefix };
    const env = new Proxy({}, { get: (_, name) => `secret-for-${String(name).toLowerCase()}` });
    const config = parseConfig(raw, env);
    const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const auth = await startStaffAuth(config, { db, redis, now: () => new Date(clock), log });
    expect(lines.find((l) => l.msg === 'console passwords synced with the configuration')).toMatchObject({
      stored: ['denis', 'eleonore', 'gary', 'hector', 'illiana'],
    });

    const attempts = [];
    for (let i = 0; i < LOCKOUT.accountFailures + 2; i++)
      attempts.push(await auth.login({ staff: 'hector', password: `guess-number-${i}`, address: '10.0.4.1' }));
    expect(attempts.map((a) => (a.ok ? 'ok' : a.retryAfterMs > 0 ? 'locked' : 'wrong'))).toEqual([
      'wrong',
      'wrong',
      'wrong',
      'wrong',
      'locked',
      'locked',
      'locked',
    ]);
    const locks = lines.filter((l) => l.msg === 'staff login locked after repeated wrong passwords');
    expect(locks).toEqual([expect.objectContaining({ level: 40, staff: 'hector', address: '10.0.4.1', locked: 'account', minutes: 15 })]);
    expect(JSON.stringify(lines)).not.toMatch(/guess-number|secret-for-/);
  });
});
