/**
 * A second Relais process's chat beside a test Relais, as a scaled deployment runs it: its own
 * HTTP port, Redis connections, PostgreSQL pool and routing core, on the same Redis prefix and
 * database, hearing the same routing events. No Asterisk (a chat needs none).
 */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { startChat } from '../../chat/index.ts';
import { RoutingCore } from '../../routing/core.ts';
import { subscribeRouting } from '../../routing/events.ts';
import { routingSettings } from '../../routing/settings.ts';
import { RoutingStore } from '../../routing/store.ts';
import { tokenMatcher } from '../../server/auth/token.ts';
import { customerRecords } from '../../server/rooms.ts';
import { socketOrigins, startSocketServer } from '../../server/sockets.ts';
import { freeTcpPort, type TestRelais } from './relais.ts';

export interface SecondChat {
  port: number;
  stop(): Promise<void>;
}

export async function startSecondChat(t: TestRelais): Promise<SecondChat> {
  const { config } = t;
  const log = pino({ level: process.env.RELAIS_TEST_LOG ?? 'silent' });
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 2 });
  const db = new pg.Pool({ connectionString: config.postgres.url, max: 4 });
  const store = new RoutingStore(redis, config.redis.prefix);
  const routing = new RoutingCore(store, routingSettings(config), () => t.now().getTime(), log);
  const records = customerRecords(config, { db, redis, log });
  const http = createServer();
  const port = await freeTcpPort();
  const staffToken = tokenMatcher(config.server.apiToken);
  const sockets = startSocketServer(http, redis, config.redis.prefix, socketOrigins(config, [`http://127.0.0.1:${config.server.port}`]));
  const chat = startChat({
    config,
    io: sockets.io,
    redis,
    db,
    routing,
    records,
    isOpen: () => true,
    verifyAgent: (agent, token): agent is string => typeof agent === 'string' && Object.hasOwn(config.staff, agent) && staffToken(token),
    now: t.now,
    log,
  });
  const unsubscribe = await subscribeRouting(redis, store.eventsChannel, log, (e) => chat.onRoutingEvent(e));
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  return {
    port,
    async stop() {
      await unsubscribe();
      chat.close();
      await sockets.close(() => chat.drain());
      await new Promise((resolve) => http.close(resolve));
      await records.close();
      redis.disconnect();
      await db.end();
    },
  };
}
