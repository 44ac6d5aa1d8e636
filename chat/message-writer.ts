/**
 * Group commit for chat messages. One message per transaction made PostgreSQL's commit (an fsync,
 * about 2.3 ms here) the limit: 430 commits/s on one connection, 1,450 on four, while a bare
 * Socket.IO server relays 8,000 messages/s (bench/chat-load.ts). Messages that arrive while a
 * write is on its way are gathered and written together by the next one, in one statement
 * (ChatStore.writeBatch): under load a batch grows, so a commit carries many messages.
 *
 * Guarantees kept: a message is acknowledged only once its batch committed; per conversation the
 * order of arrival is the order of the sequence numbers, because a conversation has at most one
 * batch on its way from this process (its later messages wait for the next one); a batch that
 * fails rejects all of its messages (the clients resend: ids make that safe), except that a
 * message PostgreSQL refuses for its own content fails alone, never its neighbours.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { MessageView } from './protocol.ts';

export interface NewMessage {
  id: string;
  from: MessageView['from'];
  text: string;
  attachment?: string;
}

export interface BatchItem extends NewMessage {
  conversationId: string;
}

/**
 * Stored (or already stored under this id: a resend); undefined when the conversation is over or
 * unknown. `agentAssigned`: an agent had the conversation when it was stored; if not, no agent's
 * page can be in its room yet (they join it once it is theirs, and then read what came before).
 */
export type Appended = { message: MessageView; duplicate: boolean; agentAssigned: boolean } | undefined;

/** Writes a batch atomically, answering for each item in order. */
export type WriteBatch = (items: readonly BatchItem[]) => Promise<Appended[]>;

/** Batches on their way at once unless told otherwise. */
export const IN_FLIGHT = 2;

export interface WriterOptions {
  /** Batches on their way at once: each holds one connection for one statement (default IN_FLIGHT). */
  inFlight?: number;
  /** Most messages in one batch (default 500). */
  maxBatch?: number;
  /** How many times a batch is written again after a conflict with another writer (default 3). */
  retries?: number;
}

/** What the writer did since the previous look (metrics, bench:chat): where a slow acknowledgement comes from. */
export interface WriteStats {
  batches: number;
  messages: number;
  /** One batch's write, from taken to answered (PostgreSQL's statement and commit, retries included), ms. */
  writeMs: { p50: number; p99: number; max: number };
}

interface Pending {
  item: BatchItem;
  resolve: (a: Appended) => void;
  reject: (err: Error) => void;
}

/** What PostgreSQL says when a batch met another writer: written again, it succeeds. */
const CONFLICTS = new Set([
  '23505', // unique_violation: the same message id stored meanwhile by another process (now a duplicate)
  '40P01', // deadlock_detected: two processes' batches locked the same conversations in another order
  '40001', // serialization_failure
]);

/** A message's own content refused (data exception, integrity constraint): not its neighbours' fault. */
const ownFault = (err: unknown) => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23')) && !CONFLICTS.has(code);
};

export class MessageWriter {
  private queue: Pending[] = [];
  /** Conversations with a batch on its way from here. */
  private readonly busy = new Set<string>();
  private running = 0;
  private scheduled = false;
  private closing = false;
  private drained?: () => void;
  private counts = { batches: 0, messages: 0 };
  private writeTimes: RecordableHistogram = createHistogram();
  private readonly inFlight: number;
  private readonly maxBatch: number;
  private readonly retries: number;

  constructor(
    private readonly write: WriteBatch,
    o: WriterOptions = {},
  ) {
    this.inFlight = o.inFlight ?? IN_FLIGHT;
    this.maxBatch = o.maxBatch ?? 500;
    this.retries = o.retries ?? 3;
  }

  append(conversationId: string, m: NewMessage): Promise<Appended> {
    if (this.closing) return Promise.reject(new Error('the chat is stopping'));
    return new Promise((resolve, reject) => {
      this.queue.push({ item: { ...m, conversationId }, resolve, reject });
      this.schedule();
    });
  }

  /** Since the previous call. */
  stats(): WriteStats {
    const h = this.writeTimes;
    const ms = (ns: number) => (h.count ? ns / 1e6 : 0);
    const stats = { ...this.counts, writeMs: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) } };
    this.counts = { batches: 0, messages: 0 };
    h.reset();
    return stats;
  }

  /** Takes no more messages; resolves once those already taken are written (or failed). */
  close(): Promise<void> {
    this.closing = true;
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  /** After the current I/O callbacks: every message that arrived with this one joins its batch. */
  private schedule(): void {
    if (this.scheduled || this.running >= this.inFlight || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.running < this.inFlight && this.start()) {
        // started one more batch
      }
    });
  }

  /** Takes the next batch from the queue and writes it; false when nothing could be taken. */
  private start(): boolean {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const taken = new Set<string>();
    for (const p of this.queue) {
      const c = p.item.conversationId;
      // A conversation on its way stays out entirely, so its messages keep their order.
      if (batch.length < this.maxBatch && !this.busy.has(c)) {
        batch.push(p);
        taken.add(c);
      } else rest.push(p);
    }
    if (batch.length === 0) return false;
    this.queue = rest;
    for (const c of taken) this.busy.add(c);
    this.running += 1;
    void this.run(batch).finally(() => {
      for (const c of taken) this.busy.delete(c);
      this.running -= 1;
      this.schedule();
      if (this.running === 0 && this.queue.length === 0) this.drained?.();
    });
    return true;
  }

  private async run(batch: Pending[]): Promise<void> {
    const started = process.hrtime.bigint();
    this.counts.batches += 1;
    this.counts.messages += batch.length;
    try {
      settle(batch, await this.attempt(batch.map((p) => p.item)));
    } catch (err) {
      if (batch.length === 1 || !ownFault(err)) return batch.forEach((p) => p.reject(err as Error));
      // One message PostgreSQL refuses must not fail the others: each is written alone, in order.
      for (const p of batch)
        await this.attempt([p.item]).then(
          (r) => settle([p], r),
          (e: Error) => p.reject(e),
        );
    } finally {
      this.writeTimes.record(Math.max(1, Number(process.hrtime.bigint() - started)));
    }
  }

  private async attempt(items: readonly BatchItem[]): Promise<Appended[]> {
    for (let tried = 0; ; tried++) {
      try {
        return await this.write(items);
      } catch (err) {
        if (tried >= this.retries || !CONFLICTS.has((err as { code?: string }).code ?? '')) throw err;
      }
    }
  }
}

function settle(batch: readonly Pending[], results: readonly Appended[]): void {
  batch.forEach((p, i) => p.resolve(results[i]));
}
