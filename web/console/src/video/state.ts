/**
 * Video calls in the agent's chats, over the chat's `/agent` socket (video/protocol.ts): the call
 * of each conversation as the server tells it, and the requests the panel makes.
 */
import { signal } from '@preact/signals';
import type { Socket } from 'socket.io-client';
import type { SessionView, VideoAck } from '../../../../video/protocol.ts';
import type { Signalling } from '../../../video/call.ts';
import { t } from '../texts.fr.ts';

/** Each conversation's call, while proposed or in progress. */
export const videoSessions = signal<ReadonlyMap<string, SessionView>>(new Map());
/** The last thing to tell the agent about a conversation's call (ended, refused, no camera…). */
export const videoNotices = signal<ReadonlyMap<string, string>>(new Map());

let socket: Socket | undefined;

export function attachVideo(s: Socket): void {
  socket = s;
  s.on('video:session', apply);
}

export function notice(conversationId: string, text: string | null): void {
  const next = new Map(videoNotices.value);
  if (text) next.set(conversationId, text);
  else next.delete(conversationId);
  videoNotices.value = next;
}

function apply(s: SessionView): void {
  const next = new Map(videoSessions.value);
  const was = next.get(s.conversationId);
  if (s.state === 'ended') {
    if (was?.id === s.id) next.delete(s.conversationId);
    if (s.reason) notice(s.conversationId, t.video.ended[s.reason]);
  } else {
    next.set(s.conversationId, s);
    notice(s.conversationId, null);
  }
  videoSessions.value = next;
}

/** The page's chat socket as the call's signalling (shared with the widget's call: web/video/call.ts). */
export function signalling(): Signalling {
  const s = socket!;
  return {
    request: <T extends object>(event: string, payload: object) =>
      s
        .timeout(10_000)
        .emitWithAck(event, payload)
        .catch((): VideoAck<T> => ({ ok: false, error: { code: 'VIDEO_ERR_UNAVAILABLE', message: 'no answer', then: 'later' } })),
    on: (event, fn) => (s.on(event, fn as never), () => void s.off(event, fn as never)),
  };
}

/** This page's socket id: a reconnection is a new page to the server, which must join again. */
export const socketId = () => socket?.id;

async function ask(conversationId: string, event: string, payload: object): Promise<void> {
  if (!socket) return;
  const a = (await signalling().request(`video:${event}`, payload)) as VideoAck<{ session?: SessionView | null }>;
  if (!a.ok) return notice(conversationId, t.video.errors[a.error.code] ?? `${t.video.failed} (${a.error.message})`);
  if (a.session) apply(a.session);
  else if (a.session === null && videoSessions.value.has(conversationId)) {
    const next = new Map(videoSessions.value);
    next.delete(conversationId);
    videoSessions.value = next;
  }
}

export const proposeVideo = (conversationId: string) => ask(conversationId, 'propose', { conversationId });
export const answerVideo = (s: SessionView, accept: boolean) => ask(s.conversationId, 'answer', { sessionId: s.id, accept });
export const endVideo = (s: SessionView) => ask(s.conversationId, 'end', { sessionId: s.id });
/** After a reload: the conversation's call, if any. */
export const refreshVideo = (conversationId: string) => ask(conversationId, 'current', { conversationId });
