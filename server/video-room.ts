/**
 * Video calls, wired to the chat they start from: the chat's namespaces carry the signalling, its
 * conversations say who may call whom, and a conversation's end ends its call. Called by the
 * wiring file, server/relais.ts, when the configuration has `chat` and `video` sections.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { Config } from '../config/load.ts';
import type { Chat } from '../chat/index.ts';
import { AGENT_NAMESPACE, VISITOR_NAMESPACE } from '../chat/protocol.ts';
import { conversationRoom } from '../chat/sockets.ts';
import type { CustomerRecords } from '../customers/index.ts';
import type { RoutingCore } from '../routing/core.ts';
import { startVideo, type Video } from '../video/index.ts';

export async function startVideoRoom(
  config: Config,
  d: {
    chat: Chat;
    io: Server;
    redis: Redis;
    routing: RoutingCore;
    records: CustomerRecords;
    relaisHome?: string;
    now: () => Date;
    log: Logger;
  },
): Promise<Video> {
  const video = await startVideo({
    config: config.video!,
    relaisHome: d.relaisHome ?? join(homedir(), '.local', 'state', 'relais'),
    redis: d.redis,
    prefix: config.redis.prefix,
    visitors: d.io.of(VISITOR_NAMESPACE),
    agents: d.io.of(AGENT_NAMESPACE),
    conversationRoom,
    // What the chat's middlewares put on its sockets (chat/visitor-socket.ts, chat/agent-socket.ts).
    visitorConversation: (socket) => socket.data.conversationId as string | undefined,
    agentOf: (socket) => socket.data.agent as string,
    conversation: async (id) => {
      const c = await d.chat.service.conversation(id);
      return c && { id: c.id, status: c.status, agent: c.agent, team: c.team, customerId: c.customerId, visitorEmail: c.visitorEmail };
    },
    timeline: d.records.interactions,
    routing: d.routing,
    now: d.now,
    log: d.log.child({ room: 'video' }),
  });
  d.chat.onEnded((id) => video.conversationEnded(id));
  return video;
}
