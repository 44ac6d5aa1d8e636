/**
 * Video calls, wired: mediasoup's workers, the service between the chat's sockets, Redis, the
 * routing core and the timeline, and the signalling on the chat's namespaces. Started by
 * server/relais.ts when the configuration has a `video` section (and a chat).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import type { Config } from '../config/load.ts';
import type { ConversationFacts, VideoDeps } from './service.ts';
import { VideoService } from './service.ts';
import { registerVideoSignalling, videoEmitter } from './signalling.ts';
import { startVideoWorkers, type VideoWorkers } from './workers.ts';

export interface VideoDepsIn {
  config: NonNullable<Config['video']>;
  /** Where a local build of the mediasoup worker is cached (video/worker-bin.ts). */
  relaisHome: string;
  redis: Redis;
  prefix: string;
  /** The chat's namespaces, their conversation rooms and who their sockets are. */
  visitors: Namespace;
  agents: Namespace;
  conversationRoom: (conversationId: string) => string;
  visitorConversation: (socket: Socket) => string | undefined;
  agentOf: (socket: Socket) => string;
  conversation: (id: string) => Promise<ConversationFacts | undefined>;
  timeline: VideoDeps['timeline'];
  routing: VideoDeps['routing'];
  now: () => Date;
  log: Logger;
}

export interface Video {
  service: VideoService;
  workers: VideoWorkers;
  /** The chat ended: its call too. */
  conversationEnded(conversationId: string): void;
  close(): Promise<void>;
}

export async function startVideo(d: VideoDepsIn): Promise<Video> {
  const workers = await startVideoWorkers(d.config, d.relaisHome, d.log);
  const service = new VideoService({
    config: d.config,
    redis: d.redis,
    prefix: d.prefix,
    workers,
    conversation: d.conversation,
    timeline: d.timeline,
    routing: d.routing,
    emit: videoEmitter(d),
    now: d.now,
    log: d.log,
  });
  await service.start();
  registerVideoSignalling(service, d);
  return {
    service,
    workers,
    conversationEnded: (id) =>
      void service
        .conversationEnded(id)
        .catch((err: Error) => d.log.warn({ err: err.message, conversation: id }, 'video not ended with its chat')),
    async close() {
      await service.close();
      workers.close();
    },
  };
}
