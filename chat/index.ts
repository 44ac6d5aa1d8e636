/**
 * The website chat, wired: Socket.IO on Relais' HTTP server, the visitor and agent namespaces,
 * the service between them and the routing core, fed with routing events.
 */
import type { Redis } from 'ioredis';
import type { Server } from 'socket.io';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { CallbackRequest, RequestResult } from '../callback/service.ts';
import type { Config } from '../config/load.ts';
import type { CustomerRecords } from '../customers/index.ts';
import type { RoutingCore } from '../routing/core.ts';
import type { RoutingEvent } from '../routing/events.ts';
import { AttachmentStore } from './attachments.ts';
import { registerAgents, sessionRoom, type AgentOfHandshake } from './agent-socket.ts';
import { conversationOf } from './signatures.ts';
import { ConversationRelay } from './conversation-relay.ts';
import { ChatService, type ChatEmitter } from './service.ts';
import { reconcileQueues } from './reconcile.ts';
import { startChatSockets } from './sockets.ts';
import { ChatStore } from './store.ts';
import type { WriteStats } from './message-writer.ts';
import { registerVisitors } from './visitor-socket.ts';

export interface ChatDepsIn {
  config: Config;
  /** Relais' Socket.IO server (server/sockets.ts), which checks the origins of browsers. */
  io: Server;
  redis: Redis;
  db: pg.Pool;
  routing: RoutingCore;
  records: CustomerRecords;
  /** Whether the company is open now. */
  isOpen: () => boolean;
  /** An agent's explicit credentials (`{ agent, token }` in the socket's auth). */
  verifyAgent: (agent: unknown, token: unknown) => agent is string;
  /** The agent whose console session the handshake's cookie opens (absent: explicit credentials only). */
  agentOfHandshake?: AgentOfHandshake;
  requestCallback?: (req: CallbackRequest) => Promise<RequestResult>;
  now: () => Date;
  log: Logger;
}

export interface Chat {
  service: ChatService;
  /** Puts waiting conversations back in their queues if Redis lost them (also every minute); how many. */
  reconcile(): Promise<number>;
  attachments: AttachmentStore;
  /**
   * Whose request this is, for the attachment routes: the visitor holding a conversation's token,
   * or an agent (id + API token, or a staff member the console session proved) that conversation is
   * assigned to. Undefined: nobody's.
   */
  opener(auth: {
    bearer?: string;
    agent?: string;
    /** A staff member already authenticated by their console session. */
    staff?: string;
    conversation?: string;
  }): Promise<{ conversationId: string; by: 'visitor' | 'agent' } | undefined>;
  onRoutingEvent(e: RoutingEvent): void;
  /** Called with the id of each conversation that ends in this process (video ends its call with it). */
  onEnded(listener: (conversationId: string) => void): void;
  /** Disconnects the agent sockets these console sessions opened, in every process. */
  endSessions(sessionIds: readonly string[]): void;
  /** Messages written since the previous call: batches, messages, write times (metrics). */
  writeStats(): WriteStats;
  /** Stops its timers; what is on its way is written by `drain`, once the sockets are closed. */
  close(): void;
  /** Writes the messages on their way (call after the Socket.IO server closed, before Redis goes). */
  drain(): Promise<void>;
}

export function startChat(d: ChatDepsIn): Chat {
  const chat = d.config.chat!;
  const sockets = startChatSockets(d.io);
  const channel = `${d.config.redis.prefix}:chat:news`;
  const relay = new ConversationRelay({
    deliver: (news) => sockets.deliverHere(news),
    publish: (payload) => d.redis.publish(channel, payload),
    log: d.log,
  });
  const subscriber = d.redis.duplicate();
  subscriber.on('error', (err: Error) => d.log.warn({ err: err.message }, 'chat relay subscriber: redis error'));
  subscriber.on('message', (_channel: string, payload: string) => relay.received(payload));
  void subscriber.subscribe(channel).catch((err: Error) => d.log.warn({ err: err.message }, 'chat relay: subscribe failed'));
  // A conversation ends where its end is told to its pages: listeners hear it there.
  const ended: ((conversationId: string) => void)[] = [];
  const emit: ChatEmitter = {
    ...sockets.emitter,
    toConversation(id, event, data, except) {
      relay.tell({ conversationId: id, event, data, except });
      if (event === 'conversation' && (data as { status?: string }).status === 'ended') for (const l of ended) l(id);
    },
  };
  const store = new ChatStore(d.db);
  const attachments = new AttachmentStore(d.db);
  const service = new ChatService({
    store,
    attachments,
    routing: d.routing,
    records: d.records,
    staffName: (id) => d.config.staff[id]?.name ?? id,
    teamName: (id) => d.config.teams[id]?.name ?? id,
    chatCapacity: (id) => d.config.staff[id]?.chatCapacity ?? 0,
    isOpen: d.isOpen,
    emit,
    now: d.now,
    log: d.log,
  });
  registerVisitors(sockets.visitors, {
    chat,
    teams: d.config.teams,
    service,
    store,
    canAnswer: (team) => service.canAnswer(team),
    requestCallback: d.requestCallback,
    redis: d.redis,
    prefix: d.config.redis.prefix,
    now: d.now,
    log: d.log,
  });
  registerAgents(sockets.agents, { service, store, verify: d.verifyAgent, agentOfHandshake: d.agentOfHandshake, log: d.log });
  const reconcile = () =>
    reconcileQueues({ store, routing: d.routing, records: d.records }).catch((err: Error) => {
      d.log.warn({ err: err.message }, 'chat reconcile failed');
      return 0;
    });
  void reconcile();
  const timer = setInterval(reconcile, 60_000);
  return {
    service,
    reconcile,
    attachments,
    async opener(auth) {
      const visitorOf = conversationOf(chat.tokenSecret, auth.bearer, d.now().getTime());
      if (visitorOf) return { conversationId: visitorOf, by: 'visitor' };
      const agent = auth.staff ?? (d.verifyAgent(auth.agent, auth.bearer) ? auth.agent : undefined);
      if (!auth.conversation || !agent) return undefined;
      const c = await store.get(auth.conversation).catch(() => undefined);
      return c?.agent === agent ? { conversationId: c.id, by: 'agent' } : undefined;
    },
    onEnded: (listener) => void ended.push(listener),
    endSessions: (ids) => {
      if (ids.length) sockets.agents.in(ids.map(sessionRoom)).disconnectSockets(true);
    },
    writeStats: () => store.writeStats(),
    onRoutingEvent: (e) =>
      void service.onRoutingEvent(e).catch((err: Error) => d.log.warn({ err: err.message }, 'chat routing event failed')),
    drain: async () => {
      await store.close();
      await relay.close();
      subscriber.disconnect();
    },
    close: () => {
      clearInterval(timer);
      service.close();
    },
  };
}
