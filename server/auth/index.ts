/**
 * Staff logins, wired: passwords in PostgreSQL (synced from the configuration at start), sessions
 * and lockout counters in Redis, the guard of staff routes and agent sockets. The HTTP side is
 * server/routes/auth.ts; roles per route are in permissions.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../../config/load.ts';
import type { StaffRole } from '../../config/schema.ts';
import { CredentialStore, syncConfiguredPassword, syncConfiguredPasswords, type CredentialSource } from './credentials.ts';
import { staffGuard, type StaffGuard, type StaffPrincipal } from './guard.ts';
import { passwordIdentity, type PasswordIdentityProvider } from './identity.ts';
import { ownOrigins } from './origins.ts';
import { hashPassword } from './passwords.ts';
import { SessionStore } from './sessions.ts';
import { LoginThrottle } from './throttle.ts';

export interface StaffView {
  id: string;
  name: string;
  role: StaffRole;
}

export type LoginResult = { ok: true; staff: StaffView; token: string } | { ok: false; retryAfterMs: number }; // retryAfterMs > 0: locked

export type PasswordChange = { ok: true } | { ok: false; retryAfterMs: number };

export interface StaffAccount extends StaffView {
  /** Where their password comes from; null: none, they cannot log in. */
  password: CredentialSource | null;
  passwordChangedAt: string | null;
  sessions: number;
}

export interface StaffAuth {
  guard: StaffGuard;
  passwords: PasswordIdentityProvider;
  /** A password login, with the lockout: a session token, or how long this id or address is locked. */
  login(attempt: { staff: string; password: string; address: string }): Promise<LoginResult>;
  logout(sessionId: string): Promise<void>;
  /** Ends a person's sessions but `except`; returns how many ended. */
  endSessionsOf(staffId: string, except?: string): Promise<number>;
  /** A person changes their own password; their other sessions end. Wrong `current` counts as a failed login. */
  changePassword(who: StaffPrincipal, current: string, next: string, address: string): Promise<PasswordChange>;
  /** Back to the configured password (the person forgot theirs); their sessions end. */
  resetPassword(staffId: string): Promise<CredentialSource | null>;
  accounts(): Promise<StaffAccount[]>;
  /** Called with the ids of sessions that ended, so what they opened (agent sockets) closes too. */
  onSessionsEnded(listener: (sessionIds: string[]) => void): void;
}

export async function startStaffAuth(config: Config, d: { db: pg.Pool; redis: Redis; now: () => Date; log: Logger }): Promise<StaffAuth> {
  const now = () => d.now().getTime();
  const prefix = config.redis.prefix;
  const credentials = new CredentialStore(d.db);
  const sessions = new SessionStore(d.redis, prefix, now);
  const throttle = new LoginThrottle(d.redis, prefix, now);
  const [changed, dummyHash] = await Promise.all([
    syncConfiguredPasswords(credentials, config.staff),
    hashPassword(randomBytes(16).toString('hex')),
  ]);
  if (Object.keys(changed).length) d.log.info(changed, 'console passwords synced with the configuration');
  const passwords = passwordIdentity({ staff: config.staff, credentials, dummyHash, log: d.log });
  const guard = staffGuard({ config, sessions, ownOrigins: ownOrigins(config) });
  const listeners: ((ids: string[]) => void)[] = [];
  const ended = (ids: string[]) => {
    if (ids.length) for (const l of listeners) l(ids);
    return ids.length;
  };
  const view = (id: string): StaffView => ({ id, name: config.staff[id]!.name, role: config.staff[id]!.role });

  /** A wrong password: counted, and logged once when it locks something. */
  const failed = async (staff: string, address: string) => {
    const f = await throttle.failed(staff, address);
    if (f.locked)
      d.log.warn(
        { staff: staff.slice(0, 64), address, locked: f.locked, minutes: Math.ceil(f.retryAfterMs / 60_000) },
        'staff login locked after repeated wrong passwords',
      );
    return f.retryAfterMs;
  };

  return {
    guard,
    passwords,
    async login({ staff, password, address }) {
      const id = staff.trim().toLowerCase();
      const wait = await throttle.retryAfterMs(id, address);
      if (wait > 0) return { ok: false, retryAfterMs: wait };
      if (!(await passwords.verify(id, password))) return { ok: false, retryAfterMs: await failed(id, address) };
      await throttle.succeeded(id);
      const { token } = await sessions.open(id, config.staff[id]!.role);
      d.log.info({ staff: id, address }, 'staff logged in');
      return { ok: true, staff: view(id), token };
    },
    async logout(sessionId) {
      if (await sessions.close(sessionId)) ended([sessionId]);
    },
    async endSessionsOf(staffId, except) {
      return ended(await sessions.closeAllOf(staffId, except));
    },
    async changePassword(who, current, next, address) {
      const wait = await throttle.retryAfterMs(who.id, address);
      if (wait > 0) return { ok: false, retryAfterMs: wait };
      if (!(await passwords.verify(who.id, current))) return { ok: false, retryAfterMs: await failed(who.id, address) };
      await credentials.set(who.id, await hashPassword(next), 'user');
      const others = ended(await sessions.closeAllOf(who.id, who.sessionId));
      d.log.info({ staff: who.id, sessionsEnded: others }, 'console password changed');
      return { ok: true };
    },
    async resetPassword(staffId) {
      await credentials.remove(staffId);
      await syncConfiguredPassword(credentials, staffId, config.staff[staffId]?.password);
      ended(await sessions.closeAllOf(staffId));
      d.log.info({ staff: staffId }, 'console password reset to the configured one');
      return (await credentials.get(staffId))?.source ?? null;
    },
    async accounts() {
      const stored = new Map((await credentials.list()).map((c) => [c.staffId, c]));
      return Promise.all(
        Object.keys(config.staff).map(async (id) => ({
          ...view(id),
          password: stored.get(id)?.source ?? null,
          passwordChangedAt: stored.get(id)?.changedAt.toISOString() ?? null,
          sessions: await sessions.countOf(id),
        })),
      );
    },
    onSessionsEnded(listener) {
      listeners.push(listener);
    },
  };
}

export { SESSION_COOKIE } from './cookie.ts';
export type { StaffGuard, StaffPrincipal } from './guard.ts';
