/**
 * One Relais process at a time owns an Asterisk's Stasis application: two owners would both
 * answer the same call's events. The owner holds a lease in Redis and renews it; the others wait
 * and take over when it is released (clean stop) or expires (crash).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

// Renew only our own lease, take it back if it vanished (Redis restarted empty), never steal it.
const RENEW = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if not holder then return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) and 1 or 0 end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface LeaseHandlers {
  /** This process now owns the application: connect and adopt the calls. */
  acquired(): Promise<void>;
  /** Another process owns it now: stop acting on calls at once. */
  lost(): void;
}

export class AriLease {
  readonly holder = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private held = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly log: Logger,
    private readonly ttlMs = 6000,
  ) {}

  get owned(): boolean {
    return this.held;
  }

  /**
   * Tries now, then every third of the TTL: renews while held, acquires when free. Resolves once
   * the first try is settled: this process owns the application (and `acquired` has run), or
   * stands by.
   */
  async start(handlers: LeaseHandlers): Promise<void> {
    const tick = async (first: boolean) => {
      try {
        if (this.held) {
          if (!(await this.redis.eval(RENEW, 1, this.key, this.holder, this.ttlMs))) {
            this.held = false;
            this.log.warn({ key: this.key }, 'ARI lease lost to another Relais: standing by');
            handlers.lost();
          }
        } else if ((await this.redis.set(this.key, this.holder, 'PX', this.ttlMs, 'NX')) === 'OK') {
          this.held = true;
          this.log.info({ key: this.key, holder: this.holder }, 'ARI lease acquired');
          // Later takeovers must not hold up renewals: connecting may take a while.
          const taking = handlers.acquired().catch((err) => this.log.error({ err }, 'taking over ARI failed'));
          if (first) await taking;
        }
      } catch (err) {
        // Redis unreachable: nobody can take the lease meanwhile, so the owner goes on owning.
        this.log.warn({ err: (err as Error).message, held: this.held }, 'ARI lease not renewed');
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(false), this.ttlMs / 3);
    };
    await tick(true);
  }

  /** Stops renewing and frees the lease, so a standby process takes over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.held) return;
    this.held = false;
    await this.redis.eval(RELEASE, 1, this.key, this.holder).catch(() => undefined);
  }
}
