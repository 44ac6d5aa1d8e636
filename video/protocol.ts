/**
 * Video calls' wire contract, over the chat's Socket.IO namespaces (`/visitor` and `/agent`, see
 * chat/protocol.ts): events, payloads as zod schemas parsed where they enter, and what the server
 * sends back. Browsers import the types only (the widget must not carry zod).
 *
 * A call belongs to one chat conversation, at most one at a time. Either side proposes
 * (`video:propose`; the visitor only if `video.visitorsMayPropose`), the other answers
 * (`video:answer`); then each side joins and speaks mediasoup's usual steps: `video:join` (the
 * router's RTP capabilities and the other side's producers), `video:transport` (one to send, one
 * to receive), `video:connect` (DTLS), `video:produce` (camera, microphone, screen), and for each
 * `video:producer` event from the server, `video:consume` then `video:resume`. Every event takes
 * an acknowledgement `VideoAck<T>`; a refused one is `{ ok: false, error: { code, message, then } }`
 * and changes nothing.
 *
 * Agents name the conversation (`conversationId`) on `video:propose` and `video:current`; a
 * visitor's socket has exactly one conversation, so theirs carry nothing of the kind.
 */
import { z } from 'zod';
import type { VideoErrorAction, VideoErrorCode } from './errors.ts';

export type Side = 'visitor' | 'agent';
export const sources = ['camera', 'microphone', 'screen'] as const;
export type Source = (typeof sources)[number];

export interface VideoFailure {
  code: VideoErrorCode;
  message: string;
  then: VideoErrorAction;
}
export type VideoAck<T> = ({ ok: true } & T) | { ok: false; error: VideoFailure };

// --- mediasoup's parameters, bounded: mediasoup checks them in depth, this keeps out junk and size.
const shortText = z.string().max(256);
const fingerprint = z.strictObject({
  algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
  value: z.string().max(200),
});
const dtlsParameters = z.strictObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(fingerprint).min(1).max(8),
});
const codec = z.looseObject({
  mimeType: shortText,
  clockRate: z.number().int().positive(),
  payloadType: z.number().int().min(0).max(127).optional(),
});
const rtpParameters = z.looseObject({
  mid: shortText.optional(),
  codecs: z.array(codec).min(1).max(16),
  headerExtensions: z
    .array(z.looseObject({ uri: shortText, id: z.number().int() }))
    .max(32)
    .optional(),
  encodings: z.array(z.looseObject({})).max(4).optional(),
  rtcp: z.looseObject({}).optional(),
});
const rtpCapabilities = z.looseObject({
  codecs: z
    .array(z.looseObject({ kind: z.enum(['audio', 'video']), mimeType: shortText }))
    .max(64)
    .optional(),
  headerExtensions: z
    .array(z.looseObject({ uri: shortText }))
    .max(64)
    .optional(),
});
const id = z.uuid();
const session = { sessionId: id };

export const videoEvents = {
  /** Proposes a call in this conversation. Ack: `{ session }`. Visitors send `{}`. */
  propose: z.strictObject({ conversationId: id.optional() }),
  /** The other side's answer. Ack: `{ session }`. */
  answer: z.strictObject({ ...session, accept: z.boolean() }),
  /** The call of this conversation, if any (after a reload). Ack: `{ session: SessionView | null }`. */
  current: z.strictObject({ conversationId: id.optional() }),
  /** This page enters the call (again, after a reload: it replaces the previous page). Ack: `JoinAnswer`. */
  join: z.strictObject(session),
  /** Ack: `{ transport: TransportOptions }`. */
  transport: z.strictObject({ ...session, direction: z.enum(['send', 'recv']) }),
  connect: z.strictObject({ ...session, transportId: id, dtlsParameters }),
  /** Ack: `{ producerId }`. */
  produce: z.strictObject({ ...session, transportId: id, kind: z.enum(['audio', 'video']), rtpParameters, source: z.enum(sources) }),
  /** Ack: `{ consumer: ConsumerOptions }` (paused until `resume`). */
  consume: z.strictObject({ ...session, producerId: id, rtpCapabilities }),
  resume: z.strictObject({ ...session, consumerId: id }),
  /** Mute or camera off (`paused: true`), and back. */
  pause: z.strictObject({ ...session, producerId: id, paused: z.boolean() }),
  /** Stops one producer for good (the screen share ended). */
  stop: z.strictObject({ ...session, producerId: id }),
  /** Hangs up: the call ends for both. */
  end: z.strictObject(session),
} as const;
export type VideoEvent = keyof typeof videoEvents;
export type VideoPayload<E extends VideoEvent> = z.input<(typeof videoEvents)[E]>;
export const eventName = (e: VideoEvent) => `video:${e}` as const;

export type SessionState = 'proposed' | 'active' | 'ended';
/** Why a call is over. */
export type EndReason = 'declined' | 'expired' | 'hung-up' | 'left' | 'chat-ended' | 'failed';

export interface SessionView {
  id: string;
  conversationId: string;
  state: SessionState;
  /** Who proposed it. */
  by: Side;
  /** ISO 8601. */
  proposedAt: string;
  acceptedAt: string | null;
  /** Once ended. */
  reason: EndReason | null;
  /** Sides whose page is in the call now. */
  present: Side[];
}

export interface ProducerView {
  producerId: string;
  kind: 'audio' | 'video';
  source: Source;
  paused: boolean;
}

export interface JoinAnswer {
  routerRtpCapabilities: unknown;
  /** The other side's producers to consume now. */
  producers: ProducerView[];
}

export interface TransportOptions {
  id: string;
  iceParameters: unknown;
  iceCandidates: unknown[];
  dtlsParameters: unknown;
}

export interface ConsumerOptions {
  id: string;
  producerId: string;
  kind: 'audio' | 'video';
  rtpParameters: unknown;
  source: Source;
  producerPaused: boolean;
}

/** Server → browser, on both namespaces. */
export interface VideoServerEvents {
  /** The conversation's call changed (proposed, accepted, someone joined or left, ended). */
  'video:session': (s: SessionView) => void;
  /** The other side produces something new: consume it. To the joined page only. */
  'video:producer': (p: ProducerView & { sessionId: string }) => void;
  'video:producerPaused': (p: { sessionId: string; producerId: string; paused: boolean }) => void;
  'video:producerClosed': (p: { sessionId: string; producerId: string }) => void;
}
