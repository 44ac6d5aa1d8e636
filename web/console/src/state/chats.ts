/**
 * The agent's chats, over the chat's `/agent` namespace (chat/protocol.ts), authenticated by the
 * staff session cookie: offers become console offers, accepted conversations become tabs with
 * their messages, the visitor's typing and read marks.
 */
import { computed, signal } from '@preact/signals';
import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  AgentEvent,
  AgentPayload,
  AgentServerEvents,
  ConversationView,
  MessageView,
  VisitorView,
} from '../../../../chat/protocol.ts';
import type { OfferView } from '../../../../console/protocol.ts';
import { boot } from './session.ts';
import { attachVideo } from '../video/state.ts';

export interface ChatTab {
  conversation: ConversationView;
  visitor: VisitorView;
  messages: MessageView[];
  visitorTyping: boolean;
  unread: number;
}

export const chats = signal<ReadonlyMap<string, ChatTab>>(new Map());
export const currentChat = signal<string | null>(null);
export const chatOffers = signal<OfferView[]>([]);
export const openChats = computed(() => [...chats.value.values()].filter((c) => c.conversation.status !== 'ended'));

let socket: Socket<AgentServerEvents> | undefined;

function update(id: string, change: (c: ChatTab) => ChatTab): void {
  const c = chats.value.get(id);
  if (!c) return;
  chats.value = new Map(chats.value).set(id, change(c));
}

function put(tab: Omit<ChatTab, 'visitorTyping' | 'unread'>): void {
  const old = chats.value.get(tab.conversation.id);
  chats.value = new Map(chats.value).set(tab.conversation.id, { visitorTyping: false, unread: old?.unread ?? 0, ...tab });
}

export function connectChats(): void {
  socket?.disconnect();
  const s: Socket<AgentServerEvents> = io('/agent', { transports: ['websocket'], withCredentials: true });
  socket = s;
  attachVideo(s as unknown as Socket);
  s.on('connect', async () => {
    const a = await ask<{ conversations: Omit<ChatTab, 'visitorTyping' | 'unread'>[] }>('mine', {}).catch(() => null);
    for (const c of a?.conversations ?? []) put(c);
    if (!currentChat.value) currentChat.value = openChats.value[0]?.conversation.id ?? null;
  });
  s.on('offer', (o) => {
    const teams = boot().teams;
    const offer: OfferView = {
      offerId: o.offerId,
      interactionId: o.conversation.id,
      channel: 'chat',
      team: o.conversation.team,
      teamName: teams.find((x) => x.id === o.conversation.team)?.name ?? o.conversation.team,
      expiresAt: o.expiresAt,
      waitingSince: o.waitingSince,
      customer: {
        id: o.visitor.customer?.id ?? null,
        name: o.visitor.customer?.name ?? o.visitor.name,
        tier: o.visitor.customer?.tier ?? null,
        contact: o.visitor.email,
      },
      preview: o.preview,
    };
    chatOffers.value = [...chatOffers.value.filter((x) => x.offerId !== o.offerId), offer];
  });
  s.on('offerCancelled', (o) => (chatOffers.value = chatOffers.value.filter((x) => x.offerId !== o.offerId)));
  s.on('message', (m) =>
    update(m.conversationId, (c) => {
      if (c.messages.some((x) => x.id === m.id)) return c;
      const mine = m.from === 'agent';
      const unread = mine || currentChat.value === m.conversationId ? c.unread : c.unread + 1;
      return { ...c, visitorTyping: mine ? c.visitorTyping : false, unread, messages: [...c.messages, m].sort((a, b) => a.seq - b.seq) };
    }),
  );
  s.on('conversation', (v) => update(v.id, (c) => ({ ...c, conversation: v })));
  s.on('typing', (x) => update(x.conversationId, (c) => ({ ...c, visitorTyping: x.typing })));
}

export function disconnectChats(): void {
  socket?.disconnect();
  socket = undefined;
  chats.value = new Map();
  chatOffers.value = [];
  currentChat.value = null;
}

async function ask<T, E extends AgentEvent = AgentEvent>(event: E, payload: AgentPayload<E>): Promise<T> {
  if (!socket) throw new Error('not connected');
  const ack = (await (socket as Socket).timeout(5000).emitWithAck(event, payload)) as Ack<T>;
  if (!ack.ok) throw new Error(ack.error.message);
  return ack as T;
}

export async function acceptChat(o: OfferView): Promise<void> {
  chatOffers.value = chatOffers.value.filter((x) => x.offerId !== o.offerId);
  const a = await ask<Omit<ChatTab, 'visitorTyping' | 'unread'>>('accept', { conversationId: o.interactionId, offerId: o.offerId });
  put(a);
  currentChat.value = a.conversation.id;
}

export async function declineChat(o: OfferView): Promise<void> {
  chatOffers.value = chatOffers.value.filter((x) => x.offerId !== o.offerId);
  await ask('decline', { conversationId: o.interactionId, offerId: o.offerId });
}

export async function sendChat(conversationId: string, text: string): Promise<void> {
  const { message } = await ask<{ message: MessageView }>('send', { conversationId, id: crypto.randomUUID(), text });
  update(conversationId, (c) => (c.messages.some((x) => x.id === message.id) ? c : { ...c, messages: [...c.messages, message] }));
}

export function typing(conversationId: string, on: boolean): void {
  void ask('typing', { conversationId, typing: on }).catch(() => undefined);
}

export function markRead(conversationId: string): void {
  const c = chats.value.get(conversationId);
  const last = c?.messages.at(-1);
  if (!c || !last) return;
  if (c.unread) update(conversationId, (x) => ({ ...x, unread: 0 }));
  void ask('read', { conversationId, seq: last.seq }).catch(() => undefined);
}

export async function closeChat(conversationId: string, disposition?: string): Promise<void> {
  await ask('close', disposition ? { conversationId, disposition } : { conversationId });
}

/** Passes the conversation on; it leaves this agent's tabs. */
export async function transferChat(conversationId: string, to: { team: string } | { agent: string }): Promise<void> {
  await ask('transfer', { conversationId, to });
  dropChat(conversationId);
}

/** Switches to the next open conversation (keyboard: Alt+N). */
export function nextChat(): void {
  const open = openChats.value;
  if (!open.length) return;
  const at = open.findIndex((c) => c.conversation.id === currentChat.value);
  currentChat.value = open[(at + 1) % open.length]!.conversation.id;
}

/** Forgets an ended conversation's tab. */
export function dropChat(conversationId: string): void {
  const next = new Map(chats.value);
  next.delete(conversationId);
  chats.value = next;
  if (currentChat.value === conversationId) currentChat.value = openChats.value[0]?.conversation.id ?? null;
}
