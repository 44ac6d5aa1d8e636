/**
 * The console's live connection (`/console`): this agent's presence and load, what is offered to
 * them on any channel, and the supervisors' wall. One Socket.IO manager carries it and the chat's
 * `/agent` namespace (state/chats.ts) over one WebSocket.
 */
import { signal } from '@preact/signals';
import { io, type Socket } from 'socket.io-client';
import { callChanged, callEnded, loadCalls } from './calls.ts';
import type {
  AgentStateView,
  AssignedView,
  ConsoleAck,
  ConsoleEvent,
  ConsolePayload,
  ConsoleServerEvents,
  OfferView,
  WallTeam,
} from '../../../../console/protocol.ts';

export const connected = signal(false);
export const agentState = signal<AgentStateView | null>(null);
export const offers = signal<OfferView[]>([]);
export const wall = signal<WallTeam[] | null>(null);
/** What the agent has in hand now (calls, callbacks, chats, videos), whatever device took it. */
export const assignments = signal<AssignedView[]>([]);

let socket: Socket<ConsoleServerEvents> | undefined;
const offerListeners = new Set<(o: OfferView) => void>();

export function onOffer(f: (o: OfferView) => void): () => void {
  offerListeners.add(f);
  return () => offerListeners.delete(f);
}

export function connectLive(): void {
  socket?.disconnect();
  const s: Socket<ConsoleServerEvents> = io('/console', { transports: ['websocket'], withCredentials: true });
  socket = s;
  s.on('connect', () => {
    connected.value = true;
    void loadCalls().catch(() => undefined);
    if (wall.value !== null) void ask('watchWall', { on: true });
  });
  s.on('disconnect', () => (connected.value = false));
  s.on('agent', (a) => (agentState.value = a));
  s.on('offer', (o) => {
    offers.value = [...offers.value.filter((x) => x.offerId !== o.offerId), o];
    for (const f of offerListeners) f(o);
  });
  s.on('offerCancelled', (o) => (offers.value = offers.value.filter((x) => x.offerId !== o.offerId)));
  s.on('wall', (w) => (wall.value = w));
  s.on('assigned', (a) => {
    assignments.value = [...assignments.value.filter((x) => x.interactionId !== a.interactionId), a];
    offers.value = offers.value.filter((o) => o.interactionId !== a.interactionId);
  });
  s.on('released', (r) => (assignments.value = assignments.value.filter((x) => x.interactionId !== r.interactionId)));
  s.on('call', callChanged);
  s.on('callEnded', (c) => callEnded(c.callId));
}

export function disconnectLive(): void {
  socket?.disconnect();
  socket = undefined;
  connected.value = false;
  offers.value = [];
  agentState.value = null;
  wall.value = null;
  assignments.value = [];
}

/** Emits an event and waits for its acknowledgement (5 s), throwing the server's refusal. */
export async function ask<E extends ConsoleEvent>(event: E, payload: ConsolePayload<E>): Promise<void> {
  if (!socket) throw new Error('not connected');
  const ack = (await (socket as Socket).timeout(5000).emitWithAck(event, payload)) as ConsoleAck<object>;
  if (!ack.ok) throw new Error(ack.error.message);
}

export const setPresence = (presence: 'available' | 'paused' | 'offline', reason?: string) =>
  ask('presence', reason ? { presence, reason } : { presence });

export function dismissOffer(offerId: string): void {
  offers.value = offers.value.filter((o) => o.offerId !== offerId);
}

export async function decline(o: OfferView): Promise<void> {
  dismissOffer(o.offerId);
  await ask('decline', { offerId: o.offerId, interactionId: o.interactionId });
}

export async function watchWall(on: boolean): Promise<void> {
  if (on && wall.value === null) wall.value = [];
  if (!on) wall.value = null;
  await ask('watchWall', { on }).catch(() => undefined);
}
