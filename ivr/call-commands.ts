/**
 * Call-control requests reach the process that holds the calls. Only the Relais process that owns
 * the Asterisk application (the ARI lease) has them, and an HTTP request may land on any process:
 * the owner runs a request at once; any other publishes it on Redis, with a reply channel of its
 * own, and waits for the owner's answer up to a deadline. Silence means nobody holds the calls at
 * this moment (the owner died and its lease has not moved yet): the caller of `request` hears
 * CALL_ERR_OWNER_UNAVAILABLE and may try again, and nothing was done.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CallControlError, callControlErrors, type CallControlErrorCode } from './call-control-errors.ts';
import type { AgentCall } from './call-notices.ts';
import type { ControlCommand } from './control-flow.ts';

export type CallRequest =
  /** The calls an agent has, or is consulted about. */
  { kind: 'mine'; agent: string } | { kind: 'command'; callId: string; agent: string; command: ControlCommand };

/** What each request resolves with. */
export interface CallAnswers {
  mine: AgentCall[];
  /** The call after the command; null when the agent no longer has it (hung up, transferred). */
  command: AgentCall | null;
}

/** The owner's side: the IVR application (ivr-app.ts). */
export interface CallDesk {
  callsOf(agent: string): AgentCall[];
  command(callId: string, agent: string, cmd: ControlCommand): Promise<AgentCall | undefined>;
}

/** How long a request waits for the owner's answer. */
export const CALL_REQUEST_DEADLINE_MS = 5000;

const target = z.union([z.strictObject({ agent: z.string().min(1).max(64) }), z.strictObject({ team: z.string().min(1).max(64) })]);
export const controlCommandSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('hold') }),
  z.strictObject({ op: z.literal('resume') }),
  z.strictObject({ op: z.literal('hangup') }),
  z.strictObject({ op: z.literal('complete') }),
  z.strictObject({ op: z.literal('cancel') }),
  z.strictObject({ op: z.literal('transfer'), to: target, mode: z.enum(['blind', 'attended']) }),
]);
// Messages between Relais processes are parsed where they enter, like any other input.
const envelope = z.strictObject({
  id: z.uuid(),
  replyTo: z.string().min(1).max(200),
  request: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('mine'), agent: z.string().min(1).max(64) }),
    z.strictObject({
      kind: z.literal('command'),
      callId: z.string().min(1).max(200),
      agent: z.string().min(1).max(64),
      command: controlCommandSchema,
    }),
  ]),
});
const reply = z.union([
  z.strictObject({ id: z.string(), ok: z.literal(true), result: z.unknown() }),
  z.strictObject({
    id: z.string(),
    ok: z.literal(false),
    code: z.enum(Object.keys(callControlErrors) as [CallControlErrorCode]),
    message: z.string(),
  }),
]);

interface Pending {
  resolve: (result: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class CallCommands {
  private readonly requests: string;
  private readonly replies: string;
  private readonly pending = new Map<string, Pending>();
  private sub: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly log: Logger,
    private readonly local: { owner: () => boolean; desk: CallDesk },
    private readonly deadlineMs = CALL_REQUEST_DEADLINE_MS,
  ) {
    this.requests = `${prefix}:calls:requests`;
    this.replies = `${prefix}:calls:replies:${randomBytes(6).toString('hex')}`;
  }

  /** Listens for requests (answered while this process is the owner) and for answers to its own. */
  async start(): Promise<void> {
    const sub = this.redis.duplicate();
    sub.on('error', (err) => this.log.warn({ err: err.message }, 'call commands connection error'));
    await sub.subscribe(this.requests, this.replies);
    sub.on('message', (channel: string, text: string) => {
      if (channel === this.requests) void this.serve(text);
      else this.settle(text);
    });
    this.sub = sub;
  }

  async stop(): Promise<void> {
    this.sub?.disconnect();
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new CallControlError('CALL_ERR_OWNER_UNAVAILABLE'));
      this.pending.delete(id);
    }
  }

  /** Runs the request where the calls are; refusals (and no answer in time) are CallControlErrors. */
  request<K extends CallRequest['kind']>(req: Extract<CallRequest, { kind: K }>): Promise<CallAnswers[K]> {
    if (this.local.owner()) return this.run(req) as Promise<CallAnswers[K]>;
    const id = randomUUID();
    return new Promise<CallAnswers[K]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.log.warn({ request: req.kind, deadlineMs: this.deadlineMs }, 'no Relais process answered a call request');
        reject(new CallControlError('CALL_ERR_OWNER_UNAVAILABLE'));
      }, this.deadlineMs);
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, timer });
      this.redis.publish(this.requests, JSON.stringify({ id, replyTo: this.replies, request: req })).catch((err: Error) => {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new CallControlError('CALL_ERR_OWNER_UNAVAILABLE', `the request could not be sent: ${err.message}`));
      });
    });
  }

  private async run(req: CallRequest): Promise<unknown> {
    if (req.kind === 'mine') return this.local.desk.callsOf(req.agent);
    return (await this.local.desk.command(req.callId, req.agent, req.command)) ?? null;
  }

  /** A request from another process: only the owner answers it. */
  private async serve(text: string): Promise<void> {
    if (!this.local.owner()) return;
    const parsed = envelope.safeParse(safeJson(text));
    if (!parsed.success) return void this.log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'malformed call request dropped');
    const { id, replyTo, request } = parsed.data;
    let answer: object;
    try {
      answer = { id, ok: true, result: await this.run(request) };
    } catch (err) {
      const known = err instanceof CallControlError;
      if (!known) this.log.error({ err, request: request.kind }, 'call request failed');
      answer = {
        id,
        ok: false,
        code: known ? err.code : 'CALL_ERR_FAILED',
        message: known ? err.message : callControlErrors.CALL_ERR_FAILED,
      };
    }
    await this.redis.publish(replyTo, JSON.stringify(answer)).catch((err: Error) => this.log.warn({ err: err.message }, 'call reply lost'));
  }

  private settle(text: string): void {
    const parsed = reply.safeParse(safeJson(text));
    if (!parsed.success) return void this.log.warn('malformed call reply dropped');
    const r = parsed.data;
    const p = this.pending.get(r.id);
    if (!p) return; // answered after its deadline
    this.pending.delete(r.id);
    clearTimeout(p.timer);
    if (r.ok) p.resolve(r.result);
    else p.reject(new CallControlError(r.code, r.message));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
