/**
 * The chat's Socket.IO edge: the server on Relais' HTTP server with the Redis adapter (several
 * Relais processes), the `/visitor` and `/agent` namespaces and their authentication, and one
 * wrapper through which every event passes: acknowledgement required, payload parsed with its
 * schema, rate limits, and a clear error instead of an exception.
 */
import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Server, type Namespace, type Socket } from 'socket.io';
import type { z } from 'zod';
import { AGENT_NAMESPACE, VISITOR_NAMESPACE, type Ack, type ChatError, type ChatErrorCode } from './protocol.ts';
import { ChatRefusal } from './refusal.ts';
import type { ChatEmitter } from './service.ts';

/** A refused connection, with its code where Socket.IO clients read it (`connect_error`'s `data`). */
export function connectionRefused(code: ChatErrorCode, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { data: { code, message } });
}

/** Events per connection per minute, whatever they are (typing included), before refusals. */
const EVENTS_PER_MINUTE = 240;

export interface ChatSockets {
  io: Server;
  visitors: Namespace;
  agents: Namespace;
  emitter: ChatEmitter;
  /**
   * Closes the connections (the clients reconnect: to another process, or here after a restart),
   * then runs `drain` (what is on its way is relayed while Redis is there), then Redis.
   */
  close(drain?: () => Promise<void>): Promise<void>;
}

export function startChatSockets(
  http: HttpServer,
  redis: Redis,
  prefix: string,
  allowedOrigin: (origin: string | undefined) => boolean,
): ChatSockets {
  // Publishes made in one tick (a batch of messages relayed) leave in one write.
  const pub = redis.duplicate({ enableAutoPipelining: true });
  const sub = redis.duplicate();
  const io = new Server(http, {
    adapter: createAdapter(pub, sub, { key: `${prefix}:socket.io` }),
    cors: { origin: (origin, cb) => cb(null, allowedOrigin(origin)) },
    // Big enough for a message; attachments go over HTTP.
    maxHttpBufferSize: 64 * 1024,
    allowRequest: (req, cb) => cb(null, allowedOrigin(req.headers.origin)),
  });
  const visitors = io.of(VISITOR_NAMESPACE);
  const agents = io.of(AGENT_NAMESPACE);
  const room = (id: string) => `conv:${id}`;
  const emitter: ChatEmitter = {
    toConversation(id, event, data, except) {
      if (except !== 'visitor') visitors.to(room(id)).emit(event, data);
      if (except !== 'agent') agents.to(room(id)).emit(event, data);
    },
    toAgentHere(agent, event, data) {
      agents.local.to(`agent:${agent}`).emit(event, data);
    },
    agentHere(agent) {
      return agents.adapter.rooms.has(`agent:${agent}`);
    },
    toVisitorHere(id, event, data) {
      visitors.local.to(room(id)).emit(event, data);
    },
    visitorHere(id) {
      return visitors.adapter.rooms.has(room(id));
    },
  };
  return {
    io,
    visitors,
    agents,
    emitter,
    async close(drain) {
      // Not disconnectSockets(): a client the server disconnects does not reconnect by itself.
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await drain?.();
      // Auto-pipelined commands leave on the next tick: QUIT must come after them.
      await new Promise((r) => setImmediate(r));
      // QUIT after what is pending: the adapter's unsubscribes (io.close sends them and never
      // awaits them) rejected as 'Connection is closed' when cut short, which ended the process.
      await Promise.all([pub, sub].map(closeGently));
    },
  };
}

/** QUIT (answered after the commands before it), or a plain disconnect if Redis does not answer within a second. */
async function closeGently(connection: Redis): Promise<void> {
  const quit = connection.quit().then(
    () => true,
    () => false,
  );
  const answered = await Promise.race([quit, new Promise<boolean>((r) => setTimeout(() => r(false), 1000).unref())]);
  if (!answered) connection.disconnect();
}

/** The socket joins the conversation's room (visitor or agent side). */
export const joinConversation = (socket: Socket, id: string) => socket.join(`conv:${id}`);

/**
 * Registers `event` on the socket: the payload is parsed with `schema`, the handler's result is
 * the acknowledgement. Without an acknowledgement callback, or past the rate limit, the client gets
 * an `error` event; nothing the handler did not do happens.
 */
export function on<S extends z.ZodType, R extends object>(
  socket: Socket,
  log: Logger,
  event: string,
  schema: S,
  handler: (payload: z.output<S>) => Promise<R>,
): void {
  socket.on(event, async (payload: unknown, ack: unknown) => {
    const answer = (a: Ack<R>) => {
      if (typeof ack === 'function') ack(a);
      else if (!a.ok) socket.emit('error', { ...a.error, event });
    };
    if (typeof ack !== 'function')
      return answer({ ok: false, error: refusal('CHAT_ERR_INVALID', 'an acknowledgement callback is required') });
    if (!withinRate(socket, 'events', EVENTS_PER_MINUTE))
      return answer({ ok: false, error: refusal('CHAT_ERR_RATE_LIMITED', 'too many events: slow down') });
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
      return answer({ ok: false, error: refusal('CHAT_ERR_INVALID', issues.join('; ')) });
    }
    try {
      answer({ ok: true, ...(await handler(parsed.data)) });
    } catch (err) {
      if (err instanceof ChatRefusal) return answer({ ok: false, error: refusal(err.code, err.message) });
      log.warn({ event, err: (err as Error).message }, 'chat event failed');
      answer({ ok: false, error: refusal('CHAT_ERR_UNAVAILABLE', 'temporarily unavailable: try again') });
    }
  });
}

const refusal = (code: ChatErrorCode, message: string): ChatError => ({ code, message });

/** A fixed one-minute window per connection and purpose: false once `perMinute` is spent. */
export function withinRate(socket: Socket, purpose: string, perMinute: number): boolean {
  const now = Date.now();
  const windows = (socket.data.rates ??= {}) as Record<string, { since: number; count: number }>;
  const w = (windows[purpose] ??= { since: now, count: 0 });
  if (now - w.since > 60_000) Object.assign(w, { since: now, count: 0 });
  return ++w.count <= perMinute;
}
