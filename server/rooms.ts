/**
 * Starting the rooms that need more than a constructor: callbacks (PostgreSQL, BullMQ, SMS, the
 * IVR's edge), customer records (shop, helpdesk, retention purge) and the website chat (widget
 * build, routes, sockets). Called by the wiring file, server/relais.ts.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Server } from 'socket.io';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config/load.ts';
import type { Instance } from '../asterisk/instance.ts';
import { TRUNK_ENDPOINT } from '../asterisk/endpoints.ts';
import type { CallbackEdge } from '../ivr/ivr-app.ts';
import { isOpen } from '../routing/hours.ts';
import type { RoutingCore } from '../routing/core.ts';
import type { Priority } from '../routing/model.ts';
import { CallbackScheduler } from '../callback/scheduler.ts';
import { CallbackService } from '../callback/service.ts';
import { CallbackStore } from '../callback/store.ts';
import { digitsToSay, isMobile } from '../callback/numbers.ts';
import { confirmationText, twilioSms } from '../callback/sms.ts';
import { CustomerRecords } from '../customers/index.ts';
import { osticketClient } from '../customers/osticket.ts';
import { prestashopClient } from '../customers/prestashop.ts';
import { startChat, type Chat } from '../chat/index.ts';
import { buildWidget } from '../web/build.ts';
import type { StaffGuard } from './auth/guard.ts';
import { tokenMatcher } from './auth/token.ts';
import { registerChatRoutes } from './routes/chat.ts';

/**
 * Callbacks: PostgreSQL records, BullMQ timing, the optional SMS, and the IVR's edge. Redis is
 * made to agree with PostgreSQL at start and every minute (callback/service.ts reconcile).
 */
export function startCallbacks(
  config: Config,
  d: {
    db: pg.Pool;
    routing: RoutingCore;
    hours: Parameters<typeof isOpen>[0];
    priorityOf: (n: string) => Promise<Priority>;
    records: CustomerRecords;
    now: () => Date;
    log: Logger;
  },
): { service: CallbackService; edge: CallbackEdge; stop: () => Promise<void> } {
  const c = config.callbacks!;
  const home = config.company.country;
  const scheduler = new CallbackScheduler(config.redis.url, `${config.redis.prefix}:bull`, d.log);
  const sms = c.sms && twilioSms(c.sms);
  const service = new CallbackService({
    store: new CallbackStore(d.db),
    scheduler,
    routing: d.routing,
    settings: {
      attempts: c.attempts,
      retryAfterSeconds: c.retryAfterSeconds,
      policy: { defaultCountry: home, countries: c.countries },
      hours: d.hours,
    },
    priorityOf: d.priorityOf,
    records: d.records,
    now: () => d.now().getTime(),
    log: d.log,
    confirm: sms
      ? async (cb) => {
          if (!isMobile(cb.number)) return;
          const { sid } = await sms.send(
            cb.number,
            confirmationText(config.company.name, new Date(cb.dueAt), config.company.timezone, d.now()),
          );
          d.log.info({ callback: cb.id, sid }, 'confirmation SMS sent');
        }
      : undefined,
  });
  scheduler.start((id) => service.due(id));
  const reconcile = () => service.reconcile().catch((err) => d.log.warn({ err: (err as Error).message }, 'callback reconcile failed'));
  void reconcile();
  const timer = setInterval(reconcile, 60_000);
  return {
    service,
    edge: {
      service,
      digitsToSay: (e164) => digitsToSay(e164, home),
      callerId: c.callerId,
      dial: (number) => `PJSIP/${TRUNK_ENDPOINT}/${c.dial.replace('{number}', number)}`,
      ringSeconds: c.ringSeconds,
    },
    stop: async () => {
      clearInterval(timer);
      await scheduler.close();
    },
  };
}

/** How often the retention periods are applied (cheap when nothing is due). */
const PURGE_EVERY_MS = 3_600_000;

/**
 * Customer records, with the shop and the helpdesk when configured, and the hourly purge that
 * applies the retention periods.
 */
export function startRecords(
  config: Config,
  d: { db: pg.Pool; redis: Redis; now: () => Date; log: Logger },
): { records: CustomerRecords; purge: NodeJS.Timeout } {
  const records = customerRecords(config, d);
  const purge = () =>
    records
      .purge(d.now())
      .then((r) => (r.interactions || r.customers) && d.log.info(r, 'retention applied'))
      .catch((err) => d.log.warn({ err: (err as Error).message }, 'retention purge failed'));
  void purge();
  return { records, purge: setInterval(purge, PURGE_EVERY_MS) };
}

/** Customer records as configured: the shop and the helpdesk when the configuration has them. */
export function customerRecords(config: Config, d: { db: pg.Pool; redis: Redis; log: Logger }): CustomerRecords {
  const c = config.customers;
  return new CustomerRecords({
    db: d.db,
    redis: d.redis,
    prefix: config.redis.prefix,
    home: config.company.country,
    shop:
      c.prestashop &&
      prestashopClient({
        url: c.prestashop.url,
        key: c.prestashop.key,
        timeoutMs: 10_000,
        home: config.company.country,
        timezone: config.company.timezone,
      }),
    helpdesk:
      c.osticket &&
      osticketClient({
        url: c.osticket.url,
        apiKey: c.osticket.apiKey,
        timeoutMs: 5_000,
        database: { url: c.osticket.database.url, tablePrefix: c.osticket.database.tablePrefix },
        timezone: c.osticket.database.timezone,
      }),
    premiumShopGroups: c.premiumShopGroups,
    lookupTimeoutMs: c.lookupTimeoutMs,
    cacheSeconds: c.cacheSeconds,
    retention: c.retention,
    ticketTopicId: c.osticket?.topicId,
    log: d.log,
  });
}

/**
 * The website chat: the widget built for this instance, its public routes, and the sockets. Agents
 * authenticate with their console session (the cookie), or with their id and the API token (the
 * agents' minimal page, tests and benchmarks).
 */
export async function startChatRoom(
  config: Config,
  d: {
    http: FastifyInstance;
    redis: Redis;
    db: pg.Pool;
    routing: RoutingCore;
    records: CustomerRecords;
    hours: Parameters<typeof isOpen>[0];
    now: () => Date;
    log: Logger;
    callbacks?: CallbackService;
    instance: Instance;
    guard: Pick<StaffGuard, 'staffOfHandshake' | 'authenticate'>;
    io: Server;
  },
): Promise<Chat> {
  const widgetDir = join(d.instance.hostDirs.root, 'widget');
  await buildWidget(widgetDir);
  const isOpenNow = () => isOpen(d.hours, d.now());
  const staffToken = tokenMatcher(config.server.apiToken);
  const chat = startChat({
    config,
    io: d.io,
    redis: d.redis,
    db: d.db,
    routing: d.routing,
    records: d.records,
    isOpen: isOpenNow,
    verifyAgent: (agent, token): agent is string => typeof agent === 'string' && Object.hasOwn(config.staff, agent) && staffToken(token),
    agentOfHandshake: async (headers) => {
      const who = await d.guard.staffOfHandshake(headers);
      return who?.sessionId ? { agent: who.id, session: who.sessionId } : undefined;
    },
    requestCallback: d.callbacks && ((req) => d.callbacks!.request(req)),
    now: d.now,
    log: d.log.child({ room: 'chat' }),
  });
  registerChatRoutes(d.http, {
    config,
    widgetDir,
    isOpen: isOpenNow,
    online: (team) => chat.service.canAnswer(team),
    chat,
    isOpenConversation: async (id) => (await chat.service.conversation(id))?.status !== 'ended',
    staffOf: (req) => d.guard.authenticate(req),
  });
  return chat;
}
