/**
 * The agent console's wire contract (web/console/ ↔ console/), over Socket.IO namespace
 * `/console` (authenticated by the staff session cookie) and a few HTTP routes. Payloads from the
 * browser are zod schemas, parsed once where they enter; what the server sends is typed here and
 * shared with the browser code as types only. Chats keep their own namespace (`/agent`,
 * chat/protocol.ts), on the same connection.
 */
import { z } from 'zod';
import type { AgentCall } from '../ivr/call-notices.ts';

/** A call the agent controls (hold, transfers): its state as the phone side tells it. */
export type CallView = AgentCall;

export const CONSOLE_NAMESPACE = '/console';

export type Role = 'agent' | 'supervisor' | 'admin';
export type ChannelKind = 'call' | 'chat' | 'video' | 'callback';
export type PresenceKind = 'available' | 'paused' | 'wrapup' | 'offline';

/** Who is logged in, and what the console needs to start (`GET /api/console/bootstrap`). */
export interface ConsoleBootstrap {
  me: { id: string; name: string; role: Role; extension: string; teams: string[] };
  company: string;
  timezone: string;
  /** The server's clock when answering (ISO 8601): the console measures waits on it, not on the PC's. */
  serverTime: string;
  teams: { id: string; name: string; members: string[] }[];
  staff: { id: string; name: string; extension: string }[];
  /** The browser phone's SIP account, through Relais' WebSocket proxy. */
  phone: { wsPath: string; user: string; password: string; domain: string };
  /** Ready-made chat answers from config. */
  cannedAnswers: { title: string; text: string }[];
  /** Dispositions offered when closing a chat. */
  dispositions: string[];
  /** Video calls can be proposed in chats (config `video`). */
  video: boolean;
}

/** A customer as the console shows them at a glance. */
export interface CustomerBadge {
  id: string | null;
  name: string | null;
  tier: 'premium' | 'basic' | null;
  /** The caller's number (E.164) or the visitor's email, whatever identifies them here. */
  contact: string | null;
}

export interface AgentStateView {
  presence: PresenceKind;
  reason: string | null;
  /** ISO 8601: when this presence began. */
  since: string;
  /** ISO 8601, in wrap-up: when it ends. */
  wrapUntil: string | null;
  active: Partial<Record<ChannelKind, number>>;
  capacity: { voice: number; chat: number };
  /** A chat page (this console) is open somewhere: chats can be offered. */
  chatReady: boolean;
}

/** Something offered to this agent: ring, show who, accept or decline. */
export interface OfferView {
  offerId: string;
  interactionId: string;
  channel: ChannelKind;
  team: string;
  teamName: string;
  /** ISO 8601. */
  expiresAt: string;
  /** ISO 8601: when the customer started waiting. */
  waitingSince: string;
  customer: CustomerBadge;
  /** Chats: the visitor's last words. */
  preview: string | null;
}

/** An interaction this agent now has (answered on any device), with whom. */
export interface AssignedView {
  interactionId: string;
  channel: ChannelKind;
  team: string;
  teamName: string;
  /** ISO 8601: when the agent took it. */
  since: string;
  customer: CustomerBadge;
}

export interface WallAgent {
  id: string;
  name: string;
  presence: PresenceKind;
  reason: string | null;
  since: string;
  active: Partial<Record<ChannelKind, number>>;
}

/** One team on the supervisors' live wall. */
export interface WallTeam {
  team: string;
  name: string;
  waiting: number;
  /** ISO 8601: the longest-waiting customer's arrival, or null. */
  oldestSince: string | null;
  agents: WallAgent[];
  today: { queued: number; answered: number; abandoned: number; serviceLevel: number | null; avgWaitSeconds: number | null };
}

export interface ConsoleServerEvents {
  /** This agent's presence and load, on connection and at every change. */
  agent: (a: AgentStateView) => void;
  offer: (o: OfferView) => void;
  offerCancelled: (o: { offerId: string; interactionId: string; reason: string }) => void;
  /** The agent has this interaction now (also sent on connection for those in hand). */
  assigned: (a: AssignedView) => void;
  /** It is over for this agent (ended, transferred). */
  released: (r: { interactionId: string }) => void;
  /** A call of this agent changed (held, resumed, consulting a colleague, the colleague answered...). */
  call: (c: CallView) => void;
  /** The call is over for this agent. */
  callEnded: (c: { callId: string }) => void;
  /** The whole wall, on `watchWall` and at every change (at most a few times a second). */
  wall: (w: WallTeam[]) => void;
  error: (e: { code: string; message: string }) => void;
}

export const consoleEvents = {
  presence: z.strictObject({
    presence: z.enum(['available', 'paused', 'offline']),
    reason: z.string().trim().min(1).max(100).optional(),
  }),
  /** Refuses an offer (any channel): it goes to the next agent. */
  decline: z.strictObject({ offerId: z.string().min(1).max(100), interactionId: z.string().min(1).max(100) }),
  /** Starts or stops the live wall on this connection. */
  watchWall: z.strictObject({ on: z.boolean() }),
} as const;
export type ConsoleEvent = keyof typeof consoleEvents;
export type ConsolePayload<E extends ConsoleEvent> = z.input<(typeof consoleEvents)[E]>;
export type ConsoleAck<T> = ({ ok: true } & T) | { ok: false; error: { code: string; message: string } };
