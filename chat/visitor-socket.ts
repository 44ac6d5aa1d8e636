/**
 * The visitor's side of the chat (`/visitor`). A socket belongs to one site (its public key) and
 * at most one conversation, the one its token opens: a visitor can only ever read or write their
 * own conversation, whatever ids they send.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import type { CallbackRequest, RequestResult } from '../callback/service.ts';
import type { Config } from '../config/load.ts';
import { visitorEvents, type LeaveMessageOutcome } from './protocol.ts';
import type { ChatService } from './service.ts';
import { conversationOf, conversationToken, identityVerifies } from './signatures.ts';
import { ChatRefusal } from './refusal.ts';
import { connectionRefused, joinConversation, on, withinRate } from './sockets.ts';
import type { ChatStore } from './store.ts';

type ChatConfig = NonNullable<Config['chat']>;

export interface VisitorDeps {
  chat: ChatConfig;
  teams: Config['teams'];
  service: ChatService;
  store: ChatStore;
  /** Whether someone of the team could take a chat now (open hours, someone logged in). */
  canAnswer: (team: string) => Promise<boolean>;
  requestCallback?: (req: CallbackRequest) => Promise<RequestResult>;
  redis: Redis;
  prefix: string;
  now: () => Date;
  log: Logger;
}

export function registerVisitors(ns: Namespace, d: VisitorDeps): void {
  ns.use((socket, next) => {
    const site = (socket.handshake.auth as { site?: unknown }).site;
    if (typeof site !== 'string' || !Object.hasOwn(d.chat.sites, site))
      return next(connectionRefused('CHAT_ERR_UNAUTHORISED', 'unknown site key'));
    socket.data.site = site;
    socket.data.conversationId = conversationOf(
      d.chat.tokenSecret,
      (socket.handshake.auth as { token?: unknown }).token,
      d.now().getTime(),
    );
    next();
  });
  // One logger per site, not per connection: 10,000 visitors would hold 10,000 of them.
  const logs = new Map<string, Logger>();
  const logOf = (site: string) => logs.get(site) ?? logs.set(site, d.log.child({ site })).get(site)!;
  ns.on('connection', (socket) => {
    const log = logOf(socket.data.site as string);
    if (socket.data.conversationId) {
      void joinConversation(socket, socket.data.conversationId);
      d.service.visitorBack(socket.data.conversationId);
    } else if ((socket.handshake.auth as { token?: unknown }).token)
      socket.emit('error', { code: 'CHAT_ERR_UNAUTHORISED', message: 'this conversation token is not valid (any more)' });
    registerEvents(socket, d, log);
    socket.on('disconnect', () => {
      if (socket.data.conversationId) d.service.visitorLeft(socket.data.conversationId as string);
    });
  });
}

function registerEvents(socket: Socket, d: VisitorDeps, log: Logger): void {
  const site = d.chat.sites[socket.data.site as string]!;
  const topics = site.topics ?? Object.keys(d.teams);
  /** The socket's own conversation; nothing else is ever reachable from here. */
  const mine = async () => {
    const id = socket.data.conversationId as string | undefined;
    const c = id && (await d.store.get(id));
    if (!c) throw new ChatRefusal('CHAT_ERR_NOT_FOUND', 'no conversation: start one');
    return c;
  };
  const open = async () => {
    const c = await mine();
    if (c.status === 'ended') throw new ChatRefusal('CHAT_ERR_ENDED', 'this conversation is over');
    return c;
  };
  const perAddress = async (what: string, perHour: number) => {
    const key = `${d.prefix}:ratelimit:chat-${what}:${socket.handshake.address}`;
    const [[, count]] = (await d.redis.multi().incr(key).expire(key, 3600, 'NX').exec()) as [[null, number]];
    if (count > perHour) throw new ChatRefusal('CHAT_ERR_RATE_LIMITED', 'too many conversations from this address: try again later');
  };

  on(socket, log, 'start', visitorEvents.start, async (p) => {
    const current = socket.data.conversationId && (await d.store.get(socket.data.conversationId));
    if (current && current.status !== 'ended')
      return { token: conversationToken(d.chat.tokenSecret, current.id, d.now().getTime()), conversation: await d.service.view(current) };
    if (!topics.includes(p.topic)) throw new ChatRefusal('CHAT_ERR_INVALID', `topic: not offered on this site`);
    let who: { name: string | null; email: string | null; verified: boolean };
    if (p.identity) {
      if (!site.secret || !identityVerifies(site.secret, p.identity, d.now().getTime()))
        throw new ChatRefusal('CHAT_ERR_FORGED', 'the identity signature does not verify');
      who = { name: p.identity.name, email: p.identity.email, verified: true };
    } else {
      if (!p.name || !p.email) throw new ChatRefusal('CHAT_ERR_INVALID', 'name and email are required');
      who = { name: p.name, email: p.email, verified: false };
    }
    if (!(await d.canAnswer(p.topic))) throw new ChatRefusal('CHAT_ERR_CLOSED', 'nobody can answer now: leave a message');
    await perAddress('start', d.chat.rateLimit.startsPerHour);
    const conversation = await d.service.start({ site: socket.data.site, team: p.topic, ...who, page: p.page ?? null });
    socket.data.conversationId = conversation.id;
    await joinConversation(socket, conversation.id);
    return { token: conversationToken(d.chat.tokenSecret, conversation.id, d.now().getTime()), conversation };
  });

  on(socket, log, 'send', visitorEvents.send, async (p) => {
    if (!withinRate(socket, 'messages', d.chat.rateLimit.messagesPerMinute))
      throw new ChatRefusal('CHAT_ERR_RATE_LIMITED', 'too many messages: wait a moment');
    const id = socket.data.conversationId as string | undefined;
    if (!id) throw new ChatRefusal('CHAT_ERR_NOT_FOUND', 'no conversation: start one');
    // No read first: the write itself refuses a conversation that is over; only then is it read, to say why.
    const message = await d.service.send(id, 'visitor', p);
    if (message) return { message };
    await open();
    throw new ChatRefusal('CHAT_ERR_ENDED', 'this conversation is over');
  });

  on(socket, log, 'typing', visitorEvents.typing, async (p) => {
    d.service.typing(await open(), 'visitor', p.typing);
    return {};
  });

  on(socket, log, 'read', visitorEvents.read, async (p) => {
    await d.service.read(await mine(), 'visitor', p.seq);
    return {};
  });

  on(socket, log, 'history', visitorEvents.history, async (p) => {
    const c = await mine();
    return { conversation: await d.service.view(c), messages: await d.store.messages(c.id, p.after) };
  });

  on(socket, log, 'end', visitorEvents.end, async () => {
    await d.service.end(await mine(), 'visitor');
    return {};
  });

  on(socket, log, 'rate', visitorEvents.rate, async (p) => {
    await d.store.rate((await mine()).id, p.rating);
    return {};
  });

  on(socket, log, 'leaveMessage', visitorEvents.leaveMessage, async (p): Promise<{ outcome: LeaveMessageOutcome }> => {
    if (!topics.includes(p.topic)) throw new ChatRefusal('CHAT_ERR_INVALID', 'topic: not offered on this site');
    await perAddress('message', d.chat.rateLimit.startsPerHour);
    if (p.phone && d.requestCallback) {
      const r = await d.requestCallback({ number: p.phone, team: p.topic, source: 'web', name: p.name, email: p.email });
      if (!r.ok) throw new ChatRefusal('CHAT_ERR_INVALID', `phone: ${r.message}`);
      return { outcome: { kind: 'callback', dueAt: new Date(r.callback.dueAt).toISOString() } };
    }
    const ticket = await d.service.leaveMessage({
      site: socket.data.site,
      siteName: site.name,
      team: p.topic,
      name: p.name,
      email: p.email,
      text: p.text,
    });
    return { outcome: { kind: 'ticket', ticket } };
  });
}
