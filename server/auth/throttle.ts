/**
 * Login lockout, counted in Redis so every Relais process agrees. Wrong passwords are counted per
 * staff id, known or not (a lock must not tell which ids exist), and per client address; past the
 * limits (policy.ts LOCKOUT) that id or that address is locked for a while. The instants come from
 * the clock given, so tests move through the windows without waiting.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LOCKOUT } from './policy.ts';

export type Locked = 'account' | 'address';

export interface FailureOutcome {
  /** What this failure locked, if anything. */
  locked?: Locked;
  /** How long until another attempt is allowed (0: now). */
  retryAfterMs: number;
}

export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number,
  ) {}

  // Ids typed at the login form are anything: they are keyed by a bounded, case-folded form.
  private key = (what: 'fail' | 'lock', kind: Locked, name: string) =>
    `${this.prefix}:auth:${what}:${kind}:${kind === 'account' ? accountName(name) : name}`;

  /** How long until this id and this address may try again (0: now). */
  async retryAfterMs(account: string, address: string): Promise<number> {
    const [a, b] = await this.redis.mget(this.key('lock', 'account', account), this.key('lock', 'address', address));
    const now = this.now();
    return Math.max(0, ...[a, b].map((until) => (until ? Number(until) - now : 0)));
  }

  /** Counts a wrong password for this id from this address, locking either past its limit. */
  async failed(account: string, address: string): Promise<FailureOutcome> {
    const [accountCount, addressCount] = await Promise.all([this.count('account', account), this.count('address', address)]);
    let locked: Locked | undefined;
    if (accountCount >= LOCKOUT.accountFailures) locked = await this.lock('account', account);
    if (addressCount >= LOCKOUT.addressFailures) locked = await this.lock('address', address);
    return { locked, retryAfterMs: await this.retryAfterMs(account, address) };
  }

  /** A right password clears the id's count (not the address's: one good account must not unlock a guesser). */
  async succeeded(account: string): Promise<void> {
    await this.redis.del(this.key('fail', 'account', account));
  }

  /** Records one failure in a sliding window; returns how many are in it now. */
  private async count(kind: Locked, name: string): Promise<number> {
    const key = this.key('fail', kind, name);
    const now = this.now();
    const results = await this.redis
      .multi()
      .zadd(key, now, `${now}:${randomBytes(4).toString('hex')}`)
      .zremrangebyscore(key, '-inf', now - LOCKOUT.windowMs)
      .zcard(key)
      .pexpire(key, LOCKOUT.windowMs)
      .exec();
    return Number(results?.[2]?.[1] ?? 0);
  }

  private async lock(kind: Locked, name: string): Promise<Locked> {
    const until = this.now() + LOCKOUT.lockMs;
    // The count starts again after the lock: the next lock takes a full series of failures.
    await this.redis
      .multi()
      .set(this.key('lock', kind, name), String(until), 'PX', LOCKOUT.lockMs)
      .del(this.key('fail', kind, name))
      .exec();
    return kind;
  }
}

const accountName = (typed: string) => typed.trim().toLowerCase().slice(0, 64);
