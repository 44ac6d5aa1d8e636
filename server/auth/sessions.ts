/**
 * Staff sessions in Redis, so every Relais process knows them. The browser holds a random 32-byte
 * token; Redis holds only its SHA-256 (someone reading Redis cannot log in), with the staff id,
 * the role at login, and when it was created and last used. Each person's session ids are also in
 * a set, so all of them can be ended at once (log out everywhere, a password change).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { StaffRole } from '../../config/schema.ts';
import { SESSION } from './policy.ts';

export interface StaffSession {
  /** SHA-256 of the token, hex: the session's name in Redis (and in logs). */
  id: string;
  staff: string;
  /** The role when the session was opened (the guard applies the configuration's current one). */
  role: StaffRole;
  createdAt: number;
  lastSeenAt: number;
}

/** 32 random bytes in base64url. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export const sessionIdOf = (token: string) => createHash('sha256').update(token).digest('hex');

// Touching a session that was just closed must not bring back a husk of it.
const TOUCH = `if redis.call('exists', KEYS[1]) == 1 then
  redis.call('hset', KEYS[1], 'lastSeenAt', ARGV[1])
  redis.call('pexpire', KEYS[1], ARGV[2])
end`;

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** The clock that decides idle and absolute expiry (Redis' own expiry only collects what is left). */
    private readonly now: () => number,
  ) {}

  private key = (id: string) => `${this.prefix}:auth:session:${id}`;
  private keyOf = (staff: string) => `${this.prefix}:auth:sessions-of:${staff}`;

  async open(staff: string, role: StaffRole): Promise<{ token: string; session: StaffSession }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: StaffSession = { id: sessionIdOf(token), staff, role, createdAt: now, lastSeenAt: now };
    await this.forget(staff, await this.deadIn(staff));
    await this.redis
      .multi()
      .hset(this.key(session.id), { staff, role, createdAt: String(now), lastSeenAt: String(now) })
      .pexpire(this.key(session.id), SESSION.idleMs)
      .sadd(this.keyOf(staff), session.id)
      .pexpire(this.keyOf(staff), SESSION.absoluteMs)
      .exec();
    return { token, session };
  }

  /** The live session a token opens, its idle time extended; undefined for anything else. */
  async find(token: unknown): Promise<StaffSession | undefined> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return undefined;
    const id = sessionIdOf(token);
    const h = await this.redis.hgetall(this.key(id));
    if (!h.staff || !h.role) return undefined;
    const s: StaffSession = {
      id,
      staff: h.staff,
      role: h.role as StaffRole,
      createdAt: Number(h.createdAt),
      lastSeenAt: Number(h.lastSeenAt),
    };
    const now = this.now();
    const endsAt = Math.min(s.lastSeenAt + SESSION.idleMs, s.createdAt + SESSION.absoluteMs);
    if (!(now < endsAt)) {
      await this.close(id);
      return undefined;
    }
    if (now - s.lastSeenAt >= SESSION.touchEveryMs) {
      s.lastSeenAt = now;
      const left = Math.min(SESSION.idleMs, s.createdAt + SESSION.absoluteMs - now);
      await this.redis.eval(TOUCH, 1, this.key(id), String(now), String(left));
    }
    return s;
  }

  /** Ends one session; true when it existed. */
  async close(id: string): Promise<boolean> {
    const staff = await this.redis.hget(this.key(id), 'staff');
    const [[, deleted]] = (await this.redis.multi().del(this.key(id)).exec()) as [[null, number]];
    if (staff) await this.redis.srem(this.keyOf(staff), id);
    return deleted === 1;
  }

  /** Ends every session of a person but `except`; returns the ids ended. */
  async closeAllOf(staff: string, except?: string): Promise<string[]> {
    const ids = (await this.redis.smembers(this.keyOf(staff))).filter((id) => id !== except);
    if (ids.length === 0) return [];
    await this.redis
      .multi()
      .del(...ids.map(this.key))
      .srem(this.keyOf(staff), ...ids)
      .exec();
    return ids;
  }

  /** How many sessions a person has open now. */
  async countOf(staff: string): Promise<number> {
    const ids = await this.redis.smembers(this.keyOf(staff));
    return ids.length - (await this.deadIn(staff, ids)).length;
  }

  /** Ids in a person's set whose session Redis already expired. */
  private async deadIn(staff: string, ids?: string[]): Promise<string[]> {
    const all = ids ?? (await this.redis.smembers(this.keyOf(staff)));
    if (all.length === 0) return [];
    const exists = await Promise.all(all.map((id) => this.redis.exists(this.key(id))));
    return all.filter((_, i) => exists[i] === 0);
  }

  private async forget(staff: string, ids: string[]): Promise<void> {
    if (ids.length) await this.redis.srem(this.keyOf(staff), ...ids);
  }
}
