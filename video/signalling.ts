/**
 * Video's signalling on the chat's sockets: `video:*` events on `/visitor` and `/agent`, each
 * parsed with its schema (video/protocol.ts) where it enters, rate-limited, answered with a
 * `VideoAck`; a refusal carries its code and what to do, and changes nothing. And the way back:
 * news to a conversation's pages, or to the one page in the call, in whichever process they are
 * (Socket.IO's Redis adapter carries it).
 */
import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import type { z } from 'zod';
import { VideoError, videoErrors, type VideoErrorCode } from './errors.ts';
import { eventName, videoEvents, type Side, type VideoAck, type VideoEvent } from './protocol.ts';
import type { Caller, MediaOp, VideoEmitter, VideoService } from './service.ts';

/** Video events per page per minute: joining takes about fifteen, a call a few more. */
const EVENTS_PER_MINUTE = 120;

export interface SignallingDeps {
  visitors: Namespace;
  agents: Namespace;
  /** The Socket.IO room of a conversation's pages (chat/'s naming). */
  conversationRoom: (conversationId: string) => string;
  /** Who a socket is, as the chat authenticated it: the visitor's conversation, the agent's id. */
  visitorConversation: (socket: Socket) => string | undefined;
  agentOf: (socket: Socket) => string;
  log: Logger;
}

export function videoEmitter(d: Pick<SignallingDeps, 'visitors' | 'agents' | 'conversationRoom'>): VideoEmitter {
  return {
    toConversation(id, event, data) {
      d.visitors.to(d.conversationRoom(id)).emit(event, data);
      d.agents.to(d.conversationRoom(id)).emit(event, data);
    },
    toPage(side, socketId, event, data) {
      // Every socket is in a room named by its id, which the adapter reaches in any process.
      (side === 'visitor' ? d.visitors : d.agents).to(socketId).emit(event, data);
    },
  };
}

export function registerVideoSignalling(service: VideoService, d: SignallingDeps): void {
  const callerOf = (side: Side, socket: Socket): Caller =>
    side === 'visitor'
      ? { side, socketId: socket.id, conversationId: d.visitorConversation(socket) }
      : { side, socketId: socket.id, agent: d.agentOf(socket) };
  for (const [side, ns] of [
    ['visitor', d.visitors],
    ['agent', d.agents],
  ] as const) {
    ns.on('connection', (socket) => {
      const log = d.log.child({ side, socket: socket.id });
      const joined = new Set<string>();
      const on = <E extends VideoEvent, R extends object>(
        event: E,
        run: (p: z.output<(typeof videoEvents)[E]>, caller: Caller) => Promise<R>,
      ) =>
        handle(socket, log, event, videoEvents[event] as z.ZodType, (p) =>
          run(p as z.output<(typeof videoEvents)[E]>, callerOf(side, socket)),
        );
      const media = (op: MediaOp) => (p: { sessionId: string }, caller: Caller) =>
        service.media<object | undefined>(caller, op, p).then((r) => r ?? {});

      on('propose', async (p, c) => ({ session: await service.propose(c, p.conversationId) }));
      on('answer', async (p, c) => ({ session: await service.answer(c, p.sessionId, p.accept) }));
      on('current', async (p, c) => ({ session: await service.current(c, p.conversationId) }));
      on('join', async (p, c) => {
        const answer = await service.media<object>(c, 'join', p);
        joined.add(p.sessionId);
        return answer;
      });
      on('transport', async (p, c) => ({ transport: await service.media<object>(c, 'transport', p) }));
      on('connect', media('connect'));
      on('produce', media('produce'));
      on('consume', media('consume'));
      on('resume', media('resume'));
      on('pause', media('pause'));
      on('stop', media('stop'));
      on('end', async (p, c) => (await service.end(c, p.sessionId), {}));
      socket.on('disconnect', () => {
        if (joined.size) void service.pageGone(callerOf(side, socket), joined).catch(() => undefined);
      });
    });
  }
}

function handle(socket: Socket, log: Logger, event: VideoEvent, schema: z.ZodType, run: (payload: unknown) => Promise<object>): void {
  socket.on(eventName(event), async (payload: unknown, ack: unknown) => {
    const answer = (a: VideoAck<object>) =>
      typeof ack === 'function' ? ack(a) : socket.emit('error', { ...(a.ok ? {} : a.error), event: eventName(event) });
    const refuse = (code: VideoErrorCode, message: string = videoErrors[code].text) =>
      answer({ ok: false, error: { code, message, then: videoErrors[code].then } });
    if (typeof ack !== 'function') return refuse('VIDEO_ERR_INVALID', 'an acknowledgement callback is required');
    if (!withinRate(socket)) return refuse('VIDEO_ERR_RATE_LIMITED');
    const parsed = schema.safeParse(payload);
    if (!parsed.success)
      return refuse(
        'VIDEO_ERR_INVALID',
        parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`)
          .join('; '),
      );
    try {
      answer({ ok: true, ...(await run(parsed.data)) });
    } catch (err) {
      if (err instanceof VideoError) return refuse(err.code, err.message);
      log.warn({ event, err: (err as Error).message }, 'video event failed');
      refuse('VIDEO_ERR_UNAVAILABLE', 'temporarily unavailable: try again');
    }
  });
}

/** A fixed one-minute window per page, apart from the chat's own. */
function withinRate(socket: Socket): boolean {
  const now = Date.now();
  const w = (socket.data.videoRate ??= { since: now, count: 0 }) as { since: number; count: number };
  if (now - w.since > 60_000) Object.assign(w, { since: now, count: 0 });
  return ++w.count <= EVENTS_PER_MINUTE;
}
