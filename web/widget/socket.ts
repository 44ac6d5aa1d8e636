/**
 * The widget's network edge: the site's config over HTTP, and the visitor's Socket.IO connection,
 * typed from chat/protocol.ts, with one way to emit: with an acknowledgement and a deadline, so
 * every request ends in an `Ack` (a timeout reads as `CHAT_ERR_UNAVAILABLE`, which callers retry).
 */
import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  ConversationView,
  LeaveMessageOutcome,
  MessageView,
  VisitorEvent,
  VisitorPayload,
  VisitorServerEvents,
  WidgetConfig,
} from '../../chat/protocol.ts';

type Empty = Record<never, never>;

/**
 * What each visitor event's acknowledgement carries when `ok` (from the protocol's comments: it has
 * no type map for them).
 */
export interface VisitorAcks {
  start: { token: string; conversation: ConversationView };
  send: { message: MessageView };
  typing: Empty;
  read: Empty;
  history: { conversation: ConversationView; messages: MessageView[] };
  end: Empty;
  rate: Empty;
  leaveMessage: { outcome: LeaveMessageOutcome };
}

type VisitorEmits = { [E in VisitorEvent]: (payload: VisitorPayload<E>, ack: (a: Ack<VisitorAcks[E]>) => void) => void };

export type VisitorSocket = Socket<VisitorServerEvents, VisitorEmits>;

export interface VisitorAuth {
  site: string;
  token?: string;
}

// '/visitor' is VISITOR_NAMESPACE in chat/protocol.ts, which cannot be imported as a value here:
// that module builds zod schemas, and the browser bundle must not carry zod.
const NAMESPACE = '/visitor';
const ACK_TIMEOUT_MS = 10_000;

/** `GET /chat/config?site=KEY` (public, CORS). */
export async function fetchConfig(origin: string, site: string): Promise<WidgetConfig> {
  const res = await fetch(`${origin}/chat/config?site=${encodeURIComponent(site)}`, { credentials: 'omit' });
  if (!res.ok) throw new Error(`GET /chat/config: HTTP ${res.status}`);
  const config = (await res.json()) as WidgetConfig;
  if (!Array.isArray(config.topics) || typeof config.online !== 'object') throw new Error('GET /chat/config: unexpected body');
  return config;
}

export function connectVisitor(origin: string, auth: VisitorAuth): VisitorSocket {
  return io(`${origin}${NAMESPACE}`, {
    auth: { ...auth },
    transports: ['websocket', 'polling'],
    // If the WebSocket is blocked (some proxies), fall back to long polling.
    tryAllTransports: true,
  });
}

/** Emits `event` and waits for its acknowledgement, at most `timeoutMs`. */
export async function request<E extends VisitorEvent>(
  socket: VisitorSocket,
  event: E,
  payload: VisitorPayload<E>,
  timeoutMs = ACK_TIMEOUT_MS,
): Promise<Ack<VisitorAcks[E]>> {
  try {
    // socket.io's tuple helpers do not narrow through a generic `E`: one cast, here.
    const timed = socket.timeout(timeoutMs) as unknown as {
      emitWithAck(ev: E, p: VisitorPayload<E>): Promise<Ack<VisitorAcks[E]>>;
    };
    return await timed.emitWithAck(event, payload);
  } catch {
    return { ok: false, error: { code: 'CHAT_ERR_UNAVAILABLE', message: `no acknowledgement for ${event}` } };
  }
}

/** Emits without waiting: the server still gets an acknowledgement callback, as the protocol says. */
export function notify<E extends VisitorEvent>(socket: VisitorSocket, event: E, payload: VisitorPayload<E>): void {
  if (socket.connected) void request(socket, event, payload);
}
