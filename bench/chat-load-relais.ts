/**
 * The server under test of bench/chat-load.ts: Relais' chat without Asterisk, wired as
 * server/relais.ts wires it. Fastify's HTTP server with `startChat` on it, the real routing core on
 * its own Redis prefix (sweep every second, journal copied to PostgreSQL), the customer records
 * (no shop, no helpdesk) on a throw-away schema with the same pool size, and the routing events
 * fed to the chat. Differences, all for the bench: the company is always open (runs at any hour),
 * `chat.rateLimit` is raised to its maximum (every visitor comes from one machine), and one agent
 * (denis, sales) is available with his chat page open, so that `start` is accepted.
 *
 * Counts every PostgreSQL statement (by its first words) and every warning logged, for the report.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { parse } from 'yaml';
import { startChat } from '../chat/index.ts';
import { parseConfig, type Config } from '../config/load.ts';
import type { ConfigInput } from '../config/schema.ts';
import { migrate } from '../db/migrate.ts';
import { RoutingCore } from '../routing/core.ts';
import { subscribeRouting } from '../routing/events.ts';
import { RoutingJournal } from '../routing/journal.ts';
import { routingSettings } from '../routing/settings.ts';
import { RoutingStore } from '../routing/store.ts';
import { tokenMatcher } from '../server/auth/token.ts';
import { customerRecords } from '../server/rooms.ts';
import { socketOrigins, startSocketServer } from '../server/sockets.ts';
import { fdLimit, loopSampler, memorySample, parentChannel, type FromServer, type ServerSetup, type ToServer } from './chat-load-ipc.ts';

/** The agent who makes `start` possible: `canAnswer` wants someone of the team logged in with chats open. */
const BENCH_AGENT = 'denis';

const setup = JSON.parse(process.env.CHAT_LOAD_SERVER ?? '{}') as ServerSetup;
/** As server/relais.ts (four connections for the whole process) unless told otherwise. */
const POOL_SIZE = setup.poolSize ?? 4;
const queries: Record<string, number> = {};
const warnings: Record<string, number> = {};

/** The demo configuration on this bench's prefix, schema and secrets; chat limits at their maximum. */
function benchConfig(port: number, prefix: string, databaseUrl: string): Config {
  const raw = parse(readFileSync(new URL('../config/iseedor.yaml', import.meta.url), 'utf8')) as ConfigInput;
  raw.server = { host: '127.0.0.1', port, apiToken: { env: 'RELAIS_API_TOKEN' } };
  raw.redis = { url: 'redis://127.0.0.1:6379', prefix };
  const { prestashop: _shop, osticket: _helpdesk, ...customers } = raw.customers ?? {};
  raw.customers = customers;
  delete raw.callbacks;
  raw.chat!.rateLimit = { messagesPerMinute: 600, startsPerHour: 10_000 };
  const env: Record<string, string> = {
    RELAIS_ARI_PASSWORD: 'bench-ari',
    RELAIS_API_TOKEN: 'bench-api-token-0123456789',
    RELAIS_DATABASE_URL: databaseUrl,
    RELAIS_CHAT_TOKEN_SECRET: 'bench-chat-token-secret-0123456789',
    RELAIS_CHAT_SHOP_SECRET: 'bench-shop-secret-0123456789',
    RELAIS_CHAT_HELPDESK_SECRET: 'bench-helpdesk-secret-0123456789',
    ...Object.fromEntries(Object.keys(raw.staff).map((id) => [`RELAIS_SIP_PASSWORD_${id.toUpperCase()}`, `bench-${id}`])),
    ...Object.fromEntries(Object.keys(raw.staff).map((id) => [`RELAIS_CONSOLE_PASSWORD_${id.toUpperCase()}`, `bench-console-${id}`])),
  };
  return parseConfig(raw, env, 'bench config');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Statement counts by their first words: where the per-message round trips go. */
function countQueries(): void {
  const keys = new Map<string, string>();
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '?');
    // Keyed once per text: the counting must not weigh on the server it measures.
    let key = keys.get(text);
    if (key === undefined) keys.set(text, (key = text.replace(/\s+/g, ' ').trim().slice(0, 60)));
    queries[key] = (queries[key] ?? 0) + 1;
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
}

async function main(): Promise<void> {
  countQueries();
  const config = benchConfig(await freePort(), setup.prefix, setup.databaseUrl!);
  // Warnings are counted, not printed: under load they would drown the report.
  const log = pino(
    { level: 'warn' },
    {
      write(line: string) {
        const msg = (JSON.parse(line) as { msg?: string }).msg ?? '?';
        warnings[msg] = (warnings[msg] ?? 0) + 1;
      },
    },
  );
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 2 });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  const db = new pg.Pool({ connectionString: config.postgres.url, max: POOL_SIZE });
  db.on('error', (err) => log.warn({ err: err.message }, 'postgres error'));
  await migrate(db);

  const routingStore = new RoutingStore(redis, config.redis.prefix);
  const routing = new RoutingCore(routingStore, routingSettings(config), Date.now, log);
  const journal = new RoutingJournal(redis, db, log, { prefix: config.redis.prefix });
  await journal.start();
  const sweeper = setInterval(
    () => void routing.sweep().catch((err: Error) => log.warn({ err: err.message }, 'routing sweep failed')),
    1000,
  );
  const records = customerRecords(config, { db, redis, log });

  const http = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  const staffToken = tokenMatcher(config.server.apiToken);
  const sockets = startSocketServer(http.server, redis, config.redis.prefix, socketOrigins(config, []));
  const chat = startChat({
    config,
    io: sockets.io,
    redis,
    db,
    routing,
    records,
    isOpen: () => true,
    verifyAgent: (agent, token): agent is string => typeof agent === 'string' && Object.hasOwn(config.staff, agent) && staffToken(token),
    now: () => new Date(),
    log,
  });
  const unsubscribe = await subscribeRouting(redis, routingStore.eventsChannel, log, (e) => {
    chat.onRoutingEvent(e);
  });
  await http.listen({ host: config.server.host, port: config.server.port });
  await routing.setPresence(BENCH_AGENT, 'available');
  await routing.setChatReady(BENCH_AGENT, true);

  const stop = async () => {
    clearInterval(sweeper);
    chat.close();
    await sockets.close(() => chat.drain());
    await http.close();
    await unsubscribe();
    await journal.stop();
    await records.close();
    redis.disconnect();
    await db.end();
  };
  const loop = loopSampler();
  const send = parentChannel<ToServer, FromServer>((m) => {
    if (m.type === 'memory') send({ type: 'memory', ...memorySample() });
    else if (m.type === 'counters')
      send({
        type: 'counters',
        queries: { ...queries },
        warnings: { ...warnings },
        pool: { total: db.totalCount, idle: db.idleCount, waiting: db.waitingCount },
        loop: loop(),
        writes: chat.writeStats(),
      });
    else if (m.type === 'stop')
      void stop()
        .catch((err: Error) => process.stderr.write(`relais stop: ${err.message}\n`))
        .finally(() => {
          send({ type: 'stopped' });
          process.disconnect?.();
        });
  });
  send({ type: 'ready', port: config.server.port, fdLimit: fdLimit() });
}

main().catch((err) => {
  process.stderr.write(`chat-load relais server: ${(err as Error).stack}\n`);
  process.exit(1);
});
