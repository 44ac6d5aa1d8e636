/**
 * The website chat, wired: Socket.IO on Relais' HTTP server, the visitor and agent namespaces,
 * the service between them and the routing core, fed with routing events.
 */
import type { Server as HttpServer } from 'node:http';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { CallbackRequest, RequestResult } from '../callback/service.ts';
import type { Config } from '../config/load.ts';
import type { CustomerRecords } from '../customers/index.ts';
import type { RoutingCore } from '../routing/core.ts';
import type { RoutingEvent } from '../routing/events.ts';
import { AttachmentStore } from './attachments.ts';
import { registerAgents } from './agent-socket.ts';
import { conversationOf } from './signatures.ts';
import { ChatService } from './service.ts';
import { reconcileQueues } from './reconcile.ts';
import { startChatSockets } from './sockets.ts';
import { ChatStore } from './store.ts';
import type { WriteStats } from './message-writer.ts';
import { registerVisitors } from './visitor-socket.ts';

export interface ChatDepsIn {
  config: Config;
  http: HttpServer;
  redis: Redis;
  db: pg.Pool;
  routing: RoutingCore;
  records: CustomerRecords;
  /** Whether the company is open now. */
  isOpen: () => boolean;
  verifyAgent: (agent: unknown, token: unknown) => agent is string;
  requestCallback?: (req: CallbackRequest) => Promise<RequestResult>;
  /** Relais' own origin(s): its demo pages may always connect. */
  ownOrigins: readonly string[];
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
   * or an agent (id + API token) that conversation is assigned to. Undefined: nobody's.
   */
  opener(auth: {
    bearer?: string;
    agent?: string;
    conversation?: string;
  }): Promise<{ conversationId: string; by: 'visitor' | 'agent' } | undefined>;
  onRoutingEvent(e: RoutingEvent): void;
  /** Messages written since the previous call: batches, messages, write times (metrics). */
  writeStats(): WriteStats;
  close(): Promise<void>;
}

export function startChat(d: ChatDepsIn): Chat {
  const chat = d.config.chat!;
  const allowed = new Set([...d.ownOrigins, ...Object.values(chat.sites).flatMap((s) => s.origins.map((o) => new URL(o).origin))]);
  // Browsers always send Origin on WebSocket and cross-origin requests; other clients (no Origin) are
  // not browsers running someone else's page, and still need a site key or agent credentials.
  const sockets = startChatSockets(d.http, d.redis, d.config.redis.prefix, (origin) => !origin || allowed.has(origin));
  const store = new ChatStore(d.db);
  const attachments = new AttachmentStore(d.db);
  const service = new ChatService({
    store,
    attachments,
    routing: d.routing,
    records: d.records,
    staffName: (id) => d.config.staff[id]?.name ?? id,
    chatCapacity: (id) => d.config.staff[id]?.chatCapacity ?? 0,
    isOpen: d.isOpen,
    emit: sockets.emitter,
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
  registerAgents(sockets.agents, { service, store, verify: d.verifyAgent, log: d.log });
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
      if (!auth.conversation || !d.verifyAgent(auth.agent, auth.bearer)) return undefined;
      const c = await store.get(auth.conversation).catch(() => undefined);
      return c?.agent === auth.agent ? { conversationId: c.id, by: 'agent' } : undefined;
    },
    writeStats: () => store.writeStats(),
    onRoutingEvent: (e) =>
      void service.onRoutingEvent(e).catch((err: Error) => d.log.warn({ err: err.message }, 'chat routing event failed')),
    close: async () => {
      clearInterval(timer);
      service.close();
      await sockets.close(() => store.close());
    },
  };
}
