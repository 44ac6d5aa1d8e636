/**
 * Where routing state lives: Redis, shared by every Relais process and kept across restarts.
 * One lock serialises routing decisions across processes (they take a few milliseconds); each
 * decision's writes, its journal entries and its events leave in one MULTI, so a crash never
 * leaves half a decision behind.
 */
import { randomBytes } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type { Agent, Interaction, RoutingStep } from './model.ts';

const LOCK_TTL_MS = 5000;
const LOCK_WAIT_MS = 5000;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export function newAgent(id: string, now = 0): Agent {
  return { id, presence: 'offline', since: now, idleSince: now, missed: 0, active: {}, offered: [] };
}

export class RoutingStore {
  private localTurn: Promise<unknown> = Promise.resolve();

  constructor(
    readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(...parts: string[]): string {
    return [this.prefix, 'routing', ...parts].join(':');
  }

  get eventsChannel(): string {
    return this.key('events');
  }

  /**
   * Runs `fn` holding the routing lock. Calls within this process queue up locally first, so
   * they do not spin on Redis against each other.
   */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.localTurn.then(async () => {
      const token = randomBytes(8).toString('hex');
      const deadline = Date.now() + LOCK_WAIT_MS;
      while ((await this.redis.set(this.key('lock'), token, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
        if (Date.now() > deadline) throw new Error('routing lock not obtained within 5 s');
        await new Promise((r) => setTimeout(r, 2));
      }
      try {
        return await fn();
      } finally {
        await this.redis.eval(RELEASE, 1, this.key('lock'), token).catch(() => undefined);
      }
    });
    this.localTurn = run.catch(() => undefined);
    return run;
  }

  async interaction(id: string): Promise<Interaction | undefined> {
    const raw = await this.redis.get(this.key('ix', id));
    return raw ? (JSON.parse(raw) as Interaction) : undefined;
  }

  async interactions(ids: readonly string[]): Promise<Interaction[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.key('ix', id)));
    return raws.flatMap((r) => (r ? [JSON.parse(r) as Interaction] : []));
  }

  /** Which of these interactions exist, in one round trip (EXISTS, pipelined: their values are not read). */
  async existing(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const p = this.redis.pipeline();
    for (const id of ids) p.exists(this.key('ix', id));
    const answers = (await p.exec()) ?? [];
    const failed = answers.find(([err]) => err);
    if (failed) throw failed[0];
    return new Set(ids.filter((_, i) => answers[i]?.[1] === 1));
  }

  async agents(ids: readonly string[], now: number): Promise<Agent[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.key('agent', id)));
    return ids.map((id, i) => (raws[i] ? (JSON.parse(raws[i]!) as Agent) : newAgent(id, now)));
  }

  /** The first `limit` interaction ids of a team's queue, in queue order. */
  queueHead(team: string, limit: number): Promise<string[]> {
    return this.queueRange(team, 0, limit);
  }

  /** `limit` waiting interactions from the `from`-th (0: the head), in queue order. */
  queueRange(team: string, from: number, limit: number): Promise<string[]> {
    return this.redis.zrange(this.key('queue', team), from, from + limit - 1);
  }

  /** Every waiting interaction id of a team, in queue order. */
  queueAll(team: string): Promise<string[]> {
    return this.redis.zrange(this.key('queue', team), 0, -1);
  }

  async rank(team: string, id: string): Promise<number | undefined> {
    const r = await this.redis.zrank(this.key('queue', team), id);
    return r ?? undefined;
  }

  queueLength(team: string): Promise<number> {
    return this.redis.zcard(this.key('queue', team));
  }

  /** Interaction ids whose offer expired by `now`. */
  expiredOffers(now: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key('offers'), '-inf', now);
  }

  /** Agents whose wrap-up is over by `now`. */
  wrapUpsDue(now: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key('wrapups'), '-inf', now);
  }

  async lastAnswered(team: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key('last-answered'), team)) ?? undefined;
  }

  async averageHandleSeconds(team: string): Promise<number | undefined> {
    const v = await this.redis.hget(this.key('aht'), team);
    return v ? Number(v) : undefined;
  }

  /** A batch of writes that leave together, with their journal entries and events. */
  batch(): RoutingBatch {
    return new RoutingBatch(this, this.redis.multi());
  }
}

export interface JournalEntry {
  at: number;
  step: RoutingStep;
  interaction: Interaction;
  agent?: string;
  data?: Record<string, unknown>;
}

export class RoutingBatch {
  private readonly events: unknown[] = [];

  constructor(
    private readonly store: RoutingStore,
    private readonly tx: ChainableCommander,
  ) {}

  saveInteraction(ix: Interaction): this {
    this.tx.set(this.store.key('ix', ix.id), JSON.stringify(ix));
    return this;
  }

  deleteInteraction(id: string): this {
    this.tx.del(this.store.key('ix', id));
    return this;
  }

  saveAgent(a: Agent): this {
    this.tx.set(this.store.key('agent', a.id), JSON.stringify(a));
    return this;
  }

  enqueue(team: string, id: string, score: number): this {
    this.tx.zadd(this.store.key('queue', team), score, id);
    return this;
  }

  dequeue(team: string, id: string): this {
    this.tx.zrem(this.store.key('queue', team), id);
    return this;
  }

  offerExpires(id: string, at: number | undefined): this {
    if (at === undefined) this.tx.zrem(this.store.key('offers'), id);
    else this.tx.zadd(this.store.key('offers'), at, id);
    return this;
  }

  wrapUpEnds(agent: string, at: number | undefined): this {
    if (at === undefined) this.tx.zrem(this.store.key('wrapups'), agent);
    else this.tx.zadd(this.store.key('wrapups'), at, agent);
    return this;
  }

  lastAnswered(team: string, agent: string): this {
    this.tx.hset(this.store.key('last-answered'), team, agent);
    return this;
  }

  averageHandleSeconds(team: string, seconds: number): this {
    this.tx.hset(this.store.key('aht'), team, String(Math.round(seconds)));
    return this;
  }

  journal(e: JournalEntry): this {
    const ix = e.interaction;
    this.tx.xadd(
      this.store.key('journal'),
      '*',
      ...['at', String(e.at), 'step', e.step, 'interaction', ix.id, 'team', ix.team, 'channel', ix.channel],
      ...['priority', ix.priority, 'agent', e.agent ?? '', 'data', JSON.stringify(e.data ?? {})],
    );
    return this;
  }

  /** Published to every Relais process once the batch is written. */
  emit(event: unknown): this {
    this.events.push(event);
    return this;
  }

  async commit(): Promise<void> {
    for (const e of this.events) this.tx.publish(this.store.eventsChannel, JSON.stringify(e));
    const results = await this.tx.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw new Error(`routing write failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
  }
}
