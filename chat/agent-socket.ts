/**
 * The agents' side of the chat (`/agent`): offers arrive in the agent's room, accepting one joins
 * its conversation; an agent reaches only conversations assigned to them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import { agentEvents } from './protocol.ts';
import type { ChatService } from './service.ts';
import { ChatRefusal } from './refusal.ts';
import { connectionRefused, joinConversation, on } from './sockets.ts';
import type { ChatStore } from './store.ts';

/** The agent a handshake's headers prove (the console's session cookie), with that session's id. */
export type AgentOfHandshake = (headers: IncomingHttpHeaders) => Promise<{ agent: string; session: string } | undefined>;

export interface AgentDeps {
  service: ChatService;
  store: ChatStore;
  /** Whether explicit credentials (`{ agent, token }`: a staff id and the API token) are this staff member's. */
  verify: (agent: unknown, token: unknown) => agent is string;
  /** The console's way: the session cookie sent with the handshake. */
  agentOfHandshake?: AgentOfHandshake;
  log: Logger;
}

/** The room of the sockets a console session opened: they close when it ends. */
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;

export function registerAgents(ns: Namespace, d: AgentDeps): void {
  ns.use(async (socket, next) => {
    const { agent, token } = (socket.handshake.auth ?? {}) as { agent?: unknown; token?: unknown };
    // Explicit credentials are judged alone: a wrong token is refused even beside a session cookie.
    if (agent !== undefined || token !== undefined) {
      if (!d.verify(agent, token)) return next(connectionRefused('CHAT_ERR_UNAUTHORISED', 'unknown agent or wrong token'));
      socket.data.agent = agent;
      return next();
    }
    const who = await d.agentOfHandshake?.(socket.handshake.headers).catch((err: Error) => {
      d.log.warn({ err: err.message }, 'agent session check failed');
      return undefined;
    });
    if (!who) return next(connectionRefused('CHAT_ERR_UNAUTHORISED', 'log in to the console first'));
    socket.data.agent = who.agent;
    socket.data.session = who.session;
    next();
  });
  ns.on('connection', async (socket) => {
    const agent = socket.data.agent as string;
    const room = `agent:${agent}`;
    await socket.join(socket.data.session ? [room, sessionRoom(socket.data.session as string)] : room);
    registerEvents(socket, agent, d, d.log.child({ agent }));
    // Chats are offered to an agent only while a chat page of theirs is open, in any process.
    await d.service.chatReady(agent, true);
    socket.on('disconnect', async () => {
      const left = await ns
        .in(room)
        .fetchSockets()
        .catch(() => [{}]);
      if (left.length === 0) await d.service.chatReady(agent, false);
    });
    // Conversations in progress keep flowing after a reload.
    for (const c of await d.store.activeOf(agent).catch(() => [])) await joinConversation(socket, c.id);
  });
}

function registerEvents(socket: Socket, agent: string, d: AgentDeps, log: Logger): void {
  const assigned = async (id: string) => {
    const c = await d.store.get(id);
    if (!c || c.agent !== agent) throw new ChatRefusal('CHAT_ERR_NOT_FOUND', 'no such conversation of yours');
    return c;
  };

  on(socket, log, 'accept', agentEvents.accept, async (p) => {
    const c = await d.service.accept(agent, p.conversationId, p.offerId);
    if (!c) throw new ChatRefusal('CHAT_ERR_NOT_FOUND', 'this conversation was taken by someone else or is over');
    await joinConversation(socket, c.id);
    return { conversation: await d.service.view(c), visitor: await d.service.visitorOf(c), messages: await d.store.messages(c.id) };
  });

  on(socket, log, 'decline', agentEvents.decline, async (p) => {
    await d.service.decline(agent, p.conversationId, p.offerId);
    return {};
  });

  on(socket, log, 'send', agentEvents.send, async (p) => {
    const c = await assigned(p.conversationId);
    const message = c.status === 'active' ? await d.service.send(c.id, 'agent', p) : undefined;
    if (!message) throw new ChatRefusal('CHAT_ERR_ENDED', 'this conversation is over');
    return { message };
  });

  on(socket, log, 'typing', agentEvents.typing, async (p) => {
    d.service.typing(await assigned(p.conversationId), 'agent', p.typing);
    return {};
  });

  on(socket, log, 'read', agentEvents.read, async (p) => {
    await d.service.read(await assigned(p.conversationId), 'agent', p.seq);
    return {};
  });

  on(socket, log, 'close', agentEvents.close, async (p) => {
    await d.service.end(await assigned(p.conversationId), 'agent', p.disposition);
    return {};
  });

  on(socket, log, 'transfer', agentEvents.transfer, async (p) => {
    await d.service.transfer(await assigned(p.conversationId), agent, p.to);
    return {};
  });

  on(socket, log, 'mine', agentEvents.mine, async () => {
    const conversations = await d.store.activeOf(agent);
    return {
      conversations: await Promise.all(
        conversations.map(async (c) => ({
          conversation: await d.service.view(c),
          visitor: await d.service.visitorOf(c),
          messages: await d.store.messages(c.id),
        })),
      ),
    };
  });
}
