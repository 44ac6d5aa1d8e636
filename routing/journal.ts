/**
 * Copies the routing journal (a Redis stream the core appends to inside each decision's MULTI)
 * into PostgreSQL's `routing_events`, for statistics. Redis is the buffer: an entry leaves the
 * stream only once its row is committed, so a PostgreSQL outage or a crash loses nothing, and
 * the `stream_id` unique key makes every replay harmless. Any number of processes may run one.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';
import { channels, routingSteps } from './model.ts';

/** The consumer group every Relais process reads the journal in. */
export const JOURNAL_GROUP = 'routing-events-pg';

/** The stream the routing core appends to (`RoutingStore.journal`). */
export function journalStreamKey(prefix: string): string {
  return `${prefix}:routing:journal`;
}

export interface RoutingJournalOptions {
  /** The Relais Redis key prefix. */
  prefix: string;
  /** This process' name in the group (host-pid). Restarted under the same name, it re-reads its own pending entries at once. */
  consumer?: string;
  /** Entries per read and per INSERT. */
  batchSize?: number;
  /** How long a read waits for new entries; also bounds how long `stop()` takes. */
  blockMs?: number;
  /** Entries pending this long on another consumer are taken over (its process is presumed dead). */
  claimIdleMs?: number;
  /** Backoff between attempts while PostgreSQL or Redis is unavailable. */
  retryMs?: { min: number; max: number };
}

type RawEntry = [id: string, fields: string[] | null];

/** 9999-12-31T23:59:59.999Z: beyond it an ISO date string is no longer plain `YYYY-...`. */
const MAX_AT = 253402300799999;
// Bounded so a row always fits in a btree index entry; ids are UUIDs and config names.
const name = z.string().min(1).max(200);
const entrySchema = z.object({
  at: z
    .string()
    .regex(/^\d{1,15}$/, 'not epoch ms')
    .transform(Number)
    .pipe(z.number().max(MAX_AT)),
  step: z.enum(routingSteps),
  interaction: name,
  team: name,
  channel: z.enum(channels),
  priority: z.enum(['premium', 'normal']),
  agent: z.union([z.literal(''), name]).transform((a) => a || null),
  data: z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string(), z.unknown())),
});

/** An entry ready to insert: its stream id, then the other columns in INSERT order. */
type Row = [streamId: string, ...values: (string | null)[]];

function rowOf(streamId: string, e: z.output<typeof entrySchema>): Row {
  return [streamId, new Date(e.at).toISOString(), e.step, e.interaction, e.team, e.channel, e.priority, e.agent, JSON.stringify(e.data)];
}

const INSERT = `insert into routing_events (stream_id, at, step, interaction_id, team, channel, priority, agent, data)
  select s, a, st, i, t, c, p, ag, d::jsonb
  from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
    as r(s, a, st, i, t, c, p, ag, d)
  on conflict (stream_id) do nothing`;

/** Reads the journal stream in a consumer group and writes it to `routing_events`. */
export class RoutingJournal {
  /** This process' consumer name in {@link JOURNAL_GROUP}. */
  readonly consumer: string;
  private readonly key: string;
  private readonly opts: Required<RoutingJournalOptions>;
  private reader?: Redis;
  private loop?: Promise<void>;
  private stopping = false;
  private wake?: () => void;
  private groupReady = false;
  private ownPending = true;
  private claimCursor = '0-0';
  private nextClaimAt = 0;
  private readonly down = { postgres: false, redis: false };

  /** `redis` serves acks and trims (blocking reads use a duplicate); the owner of `pool` handles its `error` events. */
  constructor(
    private readonly redis: Redis,
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    opts: RoutingJournalOptions,
  ) {
    const { prefix, consumer = `${hostname()}-${process.pid}`, batchSize = 200, blockMs = 1000, claimIdleMs = 30_000 } = opts;
    this.opts = { prefix, consumer, batchSize, blockMs, claimIdleMs, retryMs: opts.retryMs ?? { min: 250, max: 10_000 } };
    this.key = journalStreamKey(prefix);
    this.consumer = consumer;
  }

  /** Starts consuming; resolves once the group exists (or the attempt failed and will be retried). */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    this.ownPending = true;
    this.reader = this.redis.duplicate();
    this.reader.on('error', () => undefined); // outages are logged once by the loop
    const ready = this.ensureGroup().catch(() => undefined);
    this.loop = ready.then(() => this.run());
    await ready;
  }

  /** Finishes the batch in hand (or leaves it pending if PostgreSQL is down) and stops reading. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.wake?.();
    // A blocked read returns within blockMs; if Redis is unreachable, closing the socket ends it.
    const force = setTimeout(() => this.reader?.disconnect(), this.opts.blockMs + 1000);
    await this.loop;
    clearTimeout(force);
    this.reader?.disconnect();
    this.loop = undefined;
  }

  /** Resolves when every entry in the stream now is in PostgreSQL (or dropped as malformed). */
  async flush(timeoutMs = 10_000): Promise<void> {
    const [last] = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1);
    if (!last) return;
    const deadline = Date.now() + timeoutMs;
    // Entries are deleted from the stream only after their rows are committed.
    while ((await this.redis.xrange(this.key, '-', last[0], 'COUNT', 1)).length > 0) {
      if (Date.now() > deadline) throw new Error(`routing journal not flushed up to ${last[0]} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async run(): Promise<void> {
    let delay = this.opts.retryMs.min;
    while (!this.stopping) {
      try {
        const entries = await this.next();
        if (entries.length) await this.write(entries);
        this.health('redis');
        delay = this.opts.retryMs.min;
      } catch (err) {
        this.ownPending = true; // an ack may have failed: our entries are still pending
        if (/^NOGROUP/.test((err as Error).message)) {
          // The stream went away (deleted, or Redis restarted without persistence): start it again.
          this.log.warn('routing journal: stream or consumer group missing, creating it again');
          this.groupReady = false;
          continue;
        }
        this.health('redis', err);
        await this.pause(delay);
        delay = Math.min(delay * 2, this.opts.retryMs.max);
      }
    }
  }

  private async ensureGroup(): Promise<void> {
    // From 0: entries the core wrote before any journal ever ran are copied too.
    await this.redis.xgroup('CREATE', this.key, JOURNAL_GROUP, '0', 'MKSTREAM').catch((err: Error) => {
      if (!/^BUSYGROUP/.test(err.message)) throw err;
    });
    this.groupReady = true;
  }

  /** Our own pending entries first, then those of dead consumers, then new ones. */
  private async next(): Promise<RawEntry[]> {
    if (!this.groupReady) await this.ensureGroup();
    if (this.ownPending) {
      const own = await this.read('0');
      if (own.length) return own;
      this.ownPending = false;
    }
    if (Date.now() >= this.nextClaimAt) {
      const args = [this.key, JOURNAL_GROUP, this.consumer, this.opts.claimIdleMs, this.claimCursor, 'COUNT', this.opts.batchSize];
      const [cursor, claimed] = (await this.redis.call('XAUTOCLAIM', ...args)) as [string, RawEntry[]];
      this.claimCursor = cursor;
      if (cursor === '0-0') this.nextClaimAt = Date.now() + Math.max(this.opts.claimIdleMs / 2, 1000);
      if (claimed.length) return claimed;
    }
    return this.read('>');
  }

  private async read(from: '0' | '>'): Promise<RawEntry[]> {
    const head = ['GROUP', JOURNAL_GROUP, this.consumer, 'COUNT', this.opts.batchSize] as const;
    const reply = (
      from === '>'
        ? await this.reader!.xreadgroup(...head, 'BLOCK', this.opts.blockMs, 'STREAMS', this.key, '>')
        : await this.reader!.xreadgroup(...head, 'STREAMS', this.key, '0')
    ) as [string, RawEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  }

  private async write(entries: RawEntry[]): Promise<void> {
    const rows: Row[] = [];
    for (const [id, fields] of entries) {
      const parsed = entrySchema.safeParse(fields && fieldsOf(fields));
      if (parsed.success) rows.push(rowOf(id, parsed.data));
      else {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'entry'}: ${i.message}`);
        this.log.warn({ streamId: id, problems }, 'malformed routing journal entry dropped');
      }
    }
    if (rows.length && !(await this.insert(rows))) return; // stopping during an outage: left pending
    const ids = entries.map(([id]) => id);
    // Trimmed as acked: the stream holds only what is not yet in PostgreSQL, however long Relais runs.
    const results = await this.redis
      .multi()
      .xack(this.key, JOURNAL_GROUP, ...ids)
      .xdel(this.key, ...ids)
      .exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw new Error(`routing journal ack failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
  }

  /** True once committed; retries while PostgreSQL is unavailable, false if stopped meanwhile. */
  private async insert(batch: Row[]): Promise<boolean> {
    let rows = batch;
    let delay = this.opts.retryMs.min;
    for (;;) {
      try {
        await this.pool.query(INSERT, columns(rows));
        this.health('postgres');
        return true;
      } catch (err) {
        if (isDataError(err)) {
          rows = await this.withoutRefused(rows);
          if (rows.length === 0) return true;
          continue;
        }
        this.health('postgres', err);
        await this.pause(delay); // at once when stopping
        if (this.stopping) return false;
        delay = Math.min(delay * 2, this.opts.retryMs.max);
      }
    }
  }

  /**
   * A row PostgreSQL refuses (a NUL byte, say) must not hold back the others: writes them one by
   * one, drops the refused ones, and returns those still to write if PostgreSQL went away meanwhile.
   */
  private async withoutRefused(rows: Row[]): Promise<Row[]> {
    for (const [i, row] of rows.entries()) {
      try {
        await this.pool.query(INSERT, columns([row]));
      } catch (err) {
        if (!isDataError(err)) return rows.slice(i);
        this.log.warn({ streamId: row[0], err: (err as Error).message }, 'routing journal entry refused by PostgreSQL, dropped');
      }
    }
    return [];
  }

  /** Logs once when PostgreSQL or Redis goes away (`err`) and once when it is back. */
  private health(what: 'postgres' | 'redis', err?: unknown): void {
    if (this.down[what] === (err !== undefined)) return;
    this.down[what] = err !== undefined;
    if (err) this.log.error({ err: (err as Error).message }, `routing journal: ${what} unavailable, entries kept in the stream; retrying`);
    else this.log.info(`routing journal: ${what} back`);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping) return resolve();
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Redis gives an entry's fields as [name, value, name, value, ...]. */
function fieldsOf(list: string[]): Record<string, string | undefined> {
  return Object.fromEntries(list.flatMap((v, i) => (i % 2 === 0 ? [[v, list[i + 1]]] : [])));
}

/** unnest() takes one array per column. */
function columns(rows: Row[]): (string | null)[][] {
  return rows[0]!.map((_, i) => rows.map((r) => r[i] ?? null));
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity): the row is at fault, not the server. */
function isDataError(err: unknown): boolean {
  return /^2[23]...$/.test(String((err as { code?: unknown }).code));
}
