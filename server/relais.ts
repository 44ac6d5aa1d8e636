/**
 * The one wiring file: from a validated configuration to a running Relais (Asterisk instance,
 * prompts, Redis, PostgreSQL, the IVR, the HTTP server). Tests start it the same way, with
 * their own configuration, clock and logger.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config/load.ts';
import { AriConnection } from '../asterisk/ari.ts';
import { AriLease } from '../asterisk/ari-lease.ts';
import { ariActions } from '../asterisk/ari-actions.ts';
import { instanceFor, writeInstance, type Instance } from '../asterisk/instance.ts';
import { renderPrompts, type RenderedPrompt } from '../asterisk/prompts.ts';
import { ariAnswers, ariEndpointOf, AsteriskSupervisor } from '../asterisk/supervisor.ts';
import type { PromptId } from '../ivr/call-flow.ts';
import { CallStore } from '../ivr/call-store.ts';
import { CallCommands } from '../ivr/call-commands.ts';
import { callNoticePublisher } from '../ivr/call-notices.ts';
import { IvrApp } from '../ivr/ivr-app.ts';
import { promptSources } from '../ivr/prompts.fr.ts';
import type { QueueSettings } from '../ivr/queue-waiter.ts';
import { isOpen } from '../routing/hours.ts';
import { migrate } from '../db/migrate.ts';
import { RoutingCore } from '../routing/core.ts';
import { subscribeRouting } from '../routing/events.ts';
import type { Priority } from '../routing/model.ts';
import { RoutingJournal } from '../routing/journal.ts';
import { routingSettings } from '../routing/settings.ts';
import { RoutingStore } from '../routing/store.ts';
import { registerErrorHandler } from './api-errors.ts';
import { startStaffAuth, type StaffAuth } from './auth/index.ts';
import { enforcePermissions } from './auth/permissions.ts';
import { registerLoginRoutes, registerStaffAuthRoutes } from './routes/auth.ts';
import { registerHealth } from './health.ts';
import { registerRoutingRoutes } from './routes/routing.ts';
import { registerStatsRoutes } from './routes/stats.ts';
import { registerCallbackRoutes, registerPublicCallbackRoutes } from './routes/callbacks.ts';
import type { CallbackService } from '../callback/service.ts';
import type { CustomerRecords } from '../customers/index.ts';
import { registerCustomerRoutes } from './routes/customers.ts';
import { registerCallRoutes } from './routes/calls.ts';
import { startCallbacks, startChatRoom, startRecords } from './rooms.ts';
import type { Chat } from '../chat/index.ts';
import { startConsoleRoom, type ConsoleRoom } from './console-room.ts';
import type { Video } from '../video/index.ts';
import { startVideoRoom } from './video-room.ts';
import { socketOrigins, startSocketServer } from './sockets.ts';
import { ownOrigins } from './auth/origins.ts';

export interface RelaisOptions {
  log: Logger;
  /** The clock; tests pin it to a Sunday or a holiday. */
  now?: () => Date;
  /** A caller's priority from their number; by default the customer record's tier. Tests pass a list of premium numbers. */
  priorityOf?: (callerNumber: string) => Promise<Priority>;
  /** Extra Asterisk objects (benchmarks). */
  renderExtras?: Parameters<typeof writeInstance>[1];
  /** Relais' state directory, where a locally built mediasoup worker is cached (video/worker-bin.ts). */
  relaisHome?: string;
}

export interface Relais {
  instance: Instance;
  /** Rendered prompt files (host paths) and their durations. */
  prompts: Record<string, RenderedPrompt>;
  supervisor: AsteriskSupervisor;
  http: FastifyInstance;
  ivr: IvrApp;
  routing: RoutingCore;
  /** Present when the configuration has callbacks. */
  callbacks?: CallbackService;
  /** Present when the configuration has a chat section. */
  chat?: Chat;
  /** Present when the configuration has chat and video sections. */
  video?: Video;
  records: CustomerRecords;
  /** Staff logins, sessions and the guard of staff routes. */
  auth: StaffAuth;
  /** True while this process owns the Asterisk application and is connected to it. */
  readonly owner: boolean;
  /** Stops Relais. Asterisk keeps running, with its calls, for the next start to adopt. */
  stop(): Promise<void>;
}

export async function startRelais(config: Config, opts: RelaisOptions): Promise<Relais> {
  const { log } = opts;
  const now = opts.now ?? (() => new Date());

  const instance = instanceFor(config);
  const changed = writeInstance(instance, opts.renderExtras);
  const prompts = await renderPrompts(promptSources(config), instance.hostDirs.sounds);
  log.info({ prompts: Object.keys(prompts).length }, 'prompts ready');
  const supervisor = new AsteriskSupervisor(instance, log);
  const how = await supervisor.ensureRunning(changed);
  log.info({ instance: config.asterisk.instance, how }, 'asterisk ready');
  supervisor.watch();

  const redis = new Redis(config.redis.url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  const db = new pg.Pool({ connectionString: config.postgres.url, max: 4 });
  db.on('error', (err) => log.warn({ err: err.message }, 'postgres error'));
  const applied = await migrate(db);
  if (applied.length) log.info({ applied }, 'database migrated');
  // Hashing the configured passwords takes a few hundred milliseconds: meanwhile the rest starts.
  const authStarting = startStaffAuth(config, { db, redis, now, log: log.child({ room: 'auth' }) });
  authStarting.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled

  const routingStore = new RoutingStore(redis, config.redis.prefix);
  const routing = new RoutingCore(routingStore, routingSettings(config), () => now().getTime(), log.child({ room: 'routing' }));
  const journal = new RoutingJournal(redis, db, log.child({ room: 'journal' }), { prefix: config.redis.prefix });
  await journal.start();
  const sweepWarning = throttled(log, 30_000);
  const sweeper = setInterval(
    () => routing.sweep().catch((err) => sweepWarning({ err: (err as Error).message }, 'routing sweep failed')),
    1000,
  );

  const hours = { timezone: config.company.timezone, ...config.hours };
  const { records, purge } = startRecords(config, { db, redis, now, log: log.child({ room: 'customers' }) });
  const priorityOf = opts.priorityOf ?? ((n: string) => records.priorityOf(n));
  const callbacks =
    config.callbacks && startCallbacks(config, { db, routing, hours, priorityOf, records, now, log: log.child({ room: 'callback' }) });

  const endpoint = ariEndpointOf(instance);
  const conn = new AriConnection(endpoint, config.asterisk.ari.app, log);
  const ari = ariActions(conn.http);
  const ivr = new IvrApp({
    conn,
    ari,
    store: new CallStore(redis, config.redis.prefix),
    routing,
    priorityOf,
    log,
    menu: { ...config.menu, callbacks: Boolean(callbacks) },
    queues: queueSettings(config),
    // A number read back uses Asterisk's own French digits.
    media: (p: PromptId) => (p.startsWith('digits-') ? `digits:${p.slice('digits-'.length)}` : `sound:${instance.dirs.sounds}/${p}`),
    now,
    isOpen: (at) => isOpen(hours, at),
    callbacks: callbacks?.edge,
    records,
    notify: callNoticePublisher(redis, config.redis.prefix, log),
  });
  let chat: Chat | undefined;
  let consoleRoom: ConsoleRoom | undefined;
  const unsubscribeRouting = await subscribeRouting(redis, routingStore.eventsChannel, log, (e) => {
    ivr.onRoutingEvent(e);
    chat?.onRoutingEvent(e);
    consoleRoom?.socket.onRoutingEvent(e);
  });
  // One Relais process at a time owns this Asterisk's application; the others stand by, and pass
  // the agents' call-control requests to it.
  const lease = new AriLease(redis, `${config.redis.prefix}:ari-owner:${config.asterisk.instance}`, log);
  const calls = new CallCommands(redis, config.redis.prefix, log.child({ room: 'calls' }), {
    owner: () => lease.owned && conn.connected,
    desk: ivr,
  });
  await calls.start();
  await lease.start({
    acquired: () => conn.start(),
    lost: () => {
      conn.pause();
      ivr.releaseCalls();
    },
  });

  const http: FastifyInstance = Fastify({
    loggerInstance: log.child({ room: 'http' }) as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    // Behind a TLS proxy, req.ip is the client's (X-Forwarded-For) only when it comes from that proxy.
    trustProxy: config.server.trustedProxies.length ? [...config.server.trustedProxies] : false,
    // Health probes every few seconds would drown the call logs.
    logController: new LogController({ disableRequestLogging: (req) => req.url === '/health' }),
  });
  registerHealth(http, {
    asterisk: () => ariAnswers(endpoint),
    // A standby process is healthy: it takes over when the owner goes.
    ari: () => conn.connected || !lease.owned,
    redis: async () => (await redis.ping()) === 'PONG',
    postgres: async () => (await db.query('select 1 as ok')).rows[0]?.ok === 1,
  });
  registerErrorHandler(http);
  const auth = await authStarting;
  http.decorateRequest('staff', null);
  registerLoginRoutes(http, auth);
  if (callbacks) registerPublicCallbackRoutes(http, config, callbacks.service, redis, config.redis.prefix);
  const sockets = startSocketServer(http.server, redis, config.redis.prefix, socketOrigins(config, ownOrigins(config)));
  if (config.chat)
    chat = await startChatRoom(config, {
      http,
      redis,
      db,
      routing,
      records,
      hours,
      now,
      log,
      callbacks: callbacks?.service,
      instance,
      guard: auth.guard,
      io: sockets.io,
    });
  const video =
    chat && config.video
      ? await startVideoRoom(config, { chat, io: sockets.io, redis, routing, records, relaisHome: opts.relaisHome, now, log })
      : undefined;
  consoleRoom = await startConsoleRoom(config, {
    http,
    io: sockets.io,
    redis,
    db,
    routing,
    records,
    auth,
    callbacks: callbacks?.service,
    chat,
    now,
    log,
  });
  // An agent's chat sockets close with the session that opened them (logout, password change).
  auth.onSessionsEnded((ids) => chat?.endSessions(ids));
  await http.register(async (api) => {
    // Every staff route: a session or the API token, and the role its line of the table names.
    enforcePermissions(api, auth.guard);
    registerStaffAuthRoutes(api, auth, config);
    registerRoutingRoutes(api, config, routing);
    registerStatsRoutes(api, config, db, now);
    if (callbacks) registerCallbackRoutes(api, config, callbacks.service);
    registerCustomerRoutes(api, records, callbacks?.service);
    consoleRoom!.registerApi(api);
    registerCallRoutes(api, config, calls, routing);
  });
  await http.listen({ host: config.server.host, port: config.server.port });

  return {
    instance,
    prompts,
    supervisor,
    http,
    ivr,
    routing,
    callbacks: callbacks?.service,
    chat,
    video,
    records,
    auth,
    get owner() {
      return lease.owned && conn.connected;
    },
    async stop() {
      clearInterval(sweeper);
      clearInterval(purge);
      await callbacks?.stop();
      supervisor.unwatch();
      await video?.close();
      chat?.close();
      await consoleRoom?.close();
      await sockets.close(async () => chat?.drain());
      await http.close();
      ivr.detach();
      await calls.stop();
      await unsubscribeRouting();
      conn.close();
      await lease.release();
      await journal.stop();
      await records.close();
      redis.disconnect();
      await db.end();
    },
  };
}

/** A logger call that speaks at most once per period: an outage is one line, not one a second. */
function throttled(log: Logger, periodMs: number): (obj: object, msg: string) => void {
  let last = 0;
  return (obj, msg) => {
    if (Date.now() - last < periodMs) return;
    last = Date.now();
    log.warn(obj, msg);
  };
}

function queueSettings(config: Config): Record<string, QueueSettings> {
  return Object.fromEntries(
    Object.entries(config.teams).map(([id, t]) => [
      id,
      { name: t.name, offerSeconds: t.ringSeconds, announceEverySeconds: t.announceEverySeconds, maxWaitSeconds: t.maxWaitSeconds },
    ]),
  );
}
