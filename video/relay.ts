/**
 * Requests between Relais processes about the calls each one holds. A call's media live in one
 * process (its mediasoup router), while the visitor's and the agent's sockets may be on any
 * process: whichever process a signalling request enters checks it, then sends it here to the
 * holder, on that process's own Redis channel, and waits for the answer on its own, with a
 * deadline.
 *
 * Why pub/sub and not a queue: a request is only worth answering while its sender waits (a few
 * seconds), and PUBLISH says at once how many processes listen, so a holder that is gone (it
 * crashed, its calls with it) is known without waiting for a deadline: the caller ends the call.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { VideoError, videoErrors, type VideoErrorCode } from './errors.ts';

export type RelayHandler = (op: string, args: Record<string, unknown>) => Promise<unknown>;

interface Request {
  id: string;
  from: string;
  op: string;
  args: Record<string, unknown>;
}
type Reply = { id: string; ok: true; result: unknown } | { id: string; ok: false; code: VideoErrorCode; message: string };

/** How long a request waits for the holder (a mediasoup call takes milliseconds). */
const DEADLINE_MS = 5000;

export class VideoRelay {
  /** This process, as the holder of its calls. */
  readonly processId = randomUUID();
  private readonly pending = new Map<string, { resolve: (r: Reply) => void; timer: NodeJS.Timeout }>();
  private sub?: Redis;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
    private readonly handler: RelayHandler,
  ) {}

  private channel(kind: 'rpc' | 'reply', processId: string): string {
    return `${this.prefix}:video:${kind}:${processId}`;
  }

  async start(): Promise<void> {
    const sub = this.redis.duplicate();
    this.sub = sub;
    sub.on('error', (err) => this.log.warn({ err: err.message }, 'video relay connection error'));
    const requests = this.channel('rpc', this.processId);
    const replies = this.channel('reply', this.processId);
    await sub.subscribe(requests, replies);
    sub.on('message', (channel: string, text: string) => {
      let msg: Request | Reply;
      try {
        msg = JSON.parse(text) as Request | Reply;
      } catch {
        return;
      }
      if (channel === replies) {
        const p = this.pending.get(msg.id);
        if (p) {
          clearTimeout(p.timer);
          this.pending.delete(msg.id);
          p.resolve(msg as Reply);
        }
      } else if (channel === requests) void this.answer(msg as Request);
    });
  }

  /** Runs `op` in the process holding the call: here directly, elsewhere over Redis. */
  async call<T>(holder: string, op: string, args: Record<string, unknown>): Promise<T> {
    if (holder === this.processId) return (await this.handler(op, args)) as T;
    const id = randomUUID();
    const reply = new Promise<Reply>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({
          id,
          ok: false,
          code: 'VIDEO_ERR_UNAVAILABLE',
          message: `no answer from the process holding the call within ${DEADLINE_MS} ms`,
        });
      }, DEADLINE_MS);
      this.pending.set(id, { resolve, timer });
    });
    const listeners = await this.redis.publish(
      this.channel('rpc', holder),
      JSON.stringify({ id, from: this.processId, op, args } satisfies Request),
    );
    if (listeners === 0) {
      clearTimeout(this.pending.get(id)?.timer);
      this.pending.delete(id);
      throw new HolderGone(holder);
    }
    const r = await reply;
    if (r.ok) return r.result as T;
    throw new VideoError(r.code, r.message);
  }

  /** Whether the process is still there to hold its calls. */
  async alive(holder: string): Promise<boolean> {
    if (holder === this.processId) return true;
    const [, n] = (await this.redis.pubsub('NUMSUB', this.channel('rpc', holder))) as [string, number];
    return Number(n) > 0;
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.sub?.disconnect();
  }

  private async answer(req: Request): Promise<void> {
    let reply: Reply;
    try {
      reply = { id: req.id, ok: true, result: (await this.handler(req.op, req.args)) ?? null };
    } catch (err) {
      if (err instanceof VideoError) reply = { id: req.id, ok: false, code: err.code, message: err.message };
      else {
        this.log.warn({ op: req.op, err: (err as Error).message }, 'video request failed');
        reply = { id: req.id, ok: false, code: 'VIDEO_ERR_UNAVAILABLE', message: videoErrors.VIDEO_ERR_UNAVAILABLE.text };
      }
    }
    await this.redis.publish(this.channel('reply', req.from), JSON.stringify(reply)).catch(() => undefined);
  }
}

/** The process that held a call is gone, and the call with it. */
export class HolderGone extends VideoError {
  constructor(readonly holder: string) {
    super('VIDEO_ERR_NOT_FOUND', 'the call was lost with the server that held it');
  }
}
