/**
 * The clock of callbacks: a BullMQ delayed job per due time ("callback X is due at T"). Jobs are
 * kept in Redis (with AOF, they survive a Redis restart); every Relais process runs a worker, and
 * BullMQ gives each job to one of them. A job only says "look at callback X now": what to do is
 * decided from the record in PostgreSQL, so a job run twice, late or after a change is harmless.
 */
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

interface DueJob {
  callbackId: string;
}

export class CallbackScheduler {
  private readonly queue: Queue<DueJob>;
  private worker: Worker<DueJob> | undefined;
  private readonly connections: Redis[] = [];

  constructor(
    private readonly redisUrl: string,
    /** Keeps these keys beside Relais' own (`<prefix>:callbacks:...`). */
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    this.queue = new Queue<DueJob>('callbacks', { connection: this.connection(), prefix: prefix });
    this.queue.on('error', (err) => log.warn({ err: err.message }, 'callback queue error'));
  }

  /**
   * Runs `due` at `dueAt` (epoch ms; `now` from Relais' clock). The job id names the callback,
   * its attempt and its time: scheduling the same thing twice adds one job.
   */
  async schedule(callbackId: string, attempt: number, dueAt: number, now: number): Promise<void> {
    await this.queue.add(
      'due',
      { callbackId },
      {
        jobId: `${callbackId}_${attempt}_${dueAt}`,
        delay: Math.max(0, dueAt - now),
        removeOnComplete: true,
        removeOnFail: 1000,
        // A failure here is ours (PostgreSQL or Redis away), not the customer's: try again soon.
        attempts: 20,
        backoff: { type: 'exponential', delay: 1000 },
      },
    );
  }

  /** Starts taking due jobs. */
  start(due: (callbackId: string) => Promise<void>): void {
    this.worker = new Worker<DueJob>('callbacks', async (job: Job<DueJob>) => due(job.data.callbackId), {
      connection: this.connection(),
      prefix: this.prefix,
      concurrency: 8,
    });
    this.worker.on('error', (err) => this.log.warn({ err: err.message }, 'callback worker error'));
    this.worker.on('failed', (job, err) =>
      this.log.warn({ callback: job?.data.callbackId, attempt: job?.attemptsMade, err: err.message }, 'callback job failed'),
    );
  }

  /** Jobs waiting for their time, for health and tests. */
  delayedCount(): Promise<number> {
    return this.queue.getDelayedCount();
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    for (const c of this.connections) c.disconnect();
  }

  /** BullMQ wants its own connections, which wait for Redis rather than fail a request. */
  private connection(): Redis {
    const c = new Redis(this.redisUrl, { maxRetriesPerRequest: null });
    c.on('error', () => undefined); // reported by the queue and worker
    this.connections.push(c);
    return c;
  }
}
