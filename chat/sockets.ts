/**
 * The chat's Socket.IO edge: the `/visitor` and `/agent` namespaces on Relais' Socket.IO server
 * and their authentication, and one wrapper through which every event passes: acknowledgement required, payload parsed with its
 * schema, rate limits, and a clear error instead of an exception.
 */
import type { Logger } from 'pino';
import type { Namespace, Server, Socket } from 'socket.io';
import type { z } from 'zod';
import { AGENT_NAMESPACE, VISITOR_NAMESPACE, type Ack, type ChatError, type ChatErrorCode } from './protocol.ts';
import type { ConversationNews } from './conversation-relay.ts';
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
  /** Conversation news go to every process through chat/conversation-relay.ts, not from here. */
  emitter: Omit<ChatEmitter, 'toConversation'>;
  /** News to the pages of the conversation connected to this process. */
  deliverHere(news: ConversationNews): void;
}

/** The chat's namespaces on Relais' Socket.IO server (server/sockets.ts: one per process, Redis adapter). */
export function startChatSockets(io: Server): ChatSockets {
  const visitors = io.of(VISITOR_NAMESPACE);
  const agents = io.of(AGENT_NAMESPACE);
  const room = conversationRoom;
  const emitter: ChatSockets['emitter'] = {
    toAgentHere(agent, event, data) {
      agents.local.to(`agent:${agent}`).emit(event, data);
    },
    leave(agent, conversationId) {
      agents.in(`agent:${agent}`).socketsLeave(room(conversationId));
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
    deliverHere({ conversationId, event, data, except }) {
      if (except !== 'visitor') visitors.local.to(room(conversationId)).emit(event, data);
      if (except !== 'agent') agents.local.to(room(conversationId)).emit(event, data);
    },
  };
}

/** The Socket.IO room of a conversation's pages, on either namespace (video's news goes there too). */
export const conversationRoom = (id: string) => `conv:${id}`;

/** The socket joins the conversation's room (visitor or agent side). */
export const joinConversation = (socket: Socket, id: string) => socket.join(conversationRoom(id));

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
