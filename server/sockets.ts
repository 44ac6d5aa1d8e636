/**
 * Relais' one Socket.IO server, on its HTTP server, with the Redis adapter (several Relais
 * processes share rooms). The chat (`/visitor`, `/agent`) and the console (`/console`) add their
 * namespaces to it; browsers may connect from Relais' own origins and the chat sites' pages.
 */
import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { Config } from '../config/load.ts';

export interface SocketServer {
  io: Server;
  /**
   * Closes the connections (the clients reconnect: to another process, or here after a restart),
   * then runs `drain` (what is on its way is relayed while Redis is there), then Redis.
   */
  close(drain?: () => Promise<void>): Promise<void>;
}

/** Where a browser may open a socket from: Relais' pages and the chat's sites. */
export function socketOrigins(config: Config, ownOrigins: readonly string[]): Set<string> {
  const sites = Object.values(config.chat?.sites ?? {}).flatMap((s) => s.origins.map((o) => new URL(o).origin));
  return new Set([...ownOrigins, ...sites]);
}

export function startSocketServer(http: HttpServer, redis: Redis, prefix: string, allowed: ReadonlySet<string>): SocketServer {
  // Publishes made in one tick (a batch of chat messages relayed) leave in one write.
  const pub = redis.duplicate({ enableAutoPipelining: true });
  const sub = redis.duplicate();
  // Browsers always send Origin on WebSocket and cross-origin requests; other clients (no Origin) are
  // not browsers running someone else's page, and each namespace still asks for its credentials.
  const allowedOrigin = (origin: string | undefined) => !origin || allowed.has(origin);
  const io = new Server(http, {
    adapter: createAdapter(pub, sub, { key: `${prefix}:socket.io` }),
    cors: { origin: (origin, cb) => cb(null, allowedOrigin(origin)) },
    // Big enough for a chat message; attachments go over HTTP.
    maxHttpBufferSize: 64 * 1024,
    allowRequest: (req, cb) => cb(null, allowedOrigin(req.headers.origin)),
  });
  return {
    io,
    async close(drain) {
      // Not disconnectSockets(): a client the server disconnects does not reconnect by itself.
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await drain?.();
      // Auto-pipelined commands leave on the next tick: QUIT must come after them.
      await new Promise((r) => setImmediate(r));
      // QUIT after what is pending: the adapter's unsubscribes (io.close sends them and never
      // awaits them) rejected as 'Connection is closed' when cut short, which ended the process.
      await Promise.all([pub, sub].map(closeGently));
    },
  };
}

/** QUIT (answered after the commands before it), or a plain disconnect if Redis does not answer within a second. */
async function closeGently(connection: Redis): Promise<void> {
  const quit = connection.quit().then(
    () => true,
    () => false,
  );
  const answered = await Promise.race([quit, new Promise<boolean>((r) => setTimeout(() => r(false), 1000).unref())]);
  if (!answered) connection.disconnect();
}
