/**
 * Starting the agent console: its build (web/console/, cached by content), its pages, its live
 * socket, the browser phones' SIP WebSocket, and its staff routes (registered by the wiring file
 * inside the permissions scope).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { Config } from '../config/load.ts';
import type { CallbackService } from '../callback/service.ts';
import type { Chat } from '../chat/index.ts';
import type { CustomerRecords } from '../customers/index.ts';
import type { CustomerBadge, WallTeam } from '../console/protocol.ts';
import { startConsoleSocket, type ConsoleSocket } from '../console/socket.ts';
import { subscribeCallNotices } from '../ivr/call-notices.ts';
import { contactOf, NO_FIGURES, wallTeam, type TeamToday } from '../console/views.ts';
import type { RoutingCore } from '../routing/core.ts';
import type { Interaction } from '../routing/model.ts';
import { routingSettings } from '../routing/settings.ts';
import { teamStats } from '../routing/stats.ts';
import { buildConsole } from '../web/console/build.ts';
import type { StaffAuth } from './auth/index.ts';
import { registerConsoleApi, registerConsolePages } from './routes/console.ts';
import { startSipProxy } from './sip-proxy.ts';

export interface ConsoleRoom {
  socket: ConsoleSocket;
  /** Registers the console's staff routes in the permissions scope. */
  registerApi(scope: FastifyInstance): void;
  close(): Promise<void>;
}

/** How long the console waits for a customer's name before showing the number alone. */
const NAME_WAIT_MS = 300;
/** Today's figures on the wall are read from PostgreSQL at most this often. */
const TODAY_EVERY_MS = 5000;

export async function startConsoleRoom(
  config: Config,
  d: {
    http: FastifyInstance;
    io: Server;
    redis: Redis;
    db: pg.Pool;
    routing: RoutingCore;
    records: CustomerRecords;
    auth: StaffAuth;
    callbacks?: CallbackService;
    chat?: Chat;
    now: () => Date;
    log: Logger;
  },
): Promise<ConsoleRoom> {
  const build = await buildConsole();
  if (build.built) d.log.info({ files: build.files.length }, 'console built');
  registerConsolePages(d.http, build);

  const teamName = (id: string) => config.teams[id]?.name ?? id;
  const staffName = (id: string) => config.staff[id]?.name ?? id;
  const today = cachedToday(config, d.db, d.now);
  const socket = startConsoleSocket({
    io: d.io,
    authenticate: (headers) => d.auth.guard.staffOfHandshake(headers),
    routing: d.routing,
    capacity: routingSettings(config).capacity,
    teamName,
    customerOf: (ix) => customerOf(ix, d.records),
    wall: async (): Promise<WallTeam[]> => {
      const figures = await today();
      return Promise.all(
        Object.keys(config.teams).map(async (id) =>
          wallTeam(await d.routing.teamSnapshot(id), teamName(id), staffName, figures[id] ?? NO_FIGURES),
        ),
      );
    },
    log: d.log.child({ room: 'console' }),
  });
  // Hold, transfers and the end of calls, told by the process that holds the calls.
  const unsubscribeCalls = await subscribeCallNotices(d.redis, config.redis.prefix, d.log, (n) => socket.onCallNotice(n));
  const a = config.asterisk;
  const sip = startSipProxy({
    http: d.http.server,
    upstream: `ws://${a.httpBind === '0.0.0.0' ? '127.0.0.1' : a.httpBind}:${a.httpPort}/ws`,
    allowed: async (headers) => Boolean(await d.auth.guard.staffOfHandshake(headers)),
    log: d.log.child({ room: 'sip-proxy' }),
  });
  return {
    socket,
    registerApi: (scope) =>
      registerConsoleApi(scope, {
        config,
        db: d.db,
        now: d.now,
        callNow: d.callbacks && ((id) => d.callbacks!.callNow(id)),
        chatTicket: async (id, agent) => (d.chat ? d.chat.service.toTicket(id, agent) : 'not-yours'),
      }),
    async close() {
      unsubscribeCalls();
      socket.close();
      sip.close();
    },
  };
}

/** The customer of an interaction as far as it is known within NAME_WAIT_MS: a slow shop shows the number. */
async function customerOf(ix: Interaction, records: CustomerRecords): Promise<CustomerBadge> {
  const contact = contactOf(ix);
  const badge: CustomerBadge = { id: null, name: null, tier: ix.priority === 'premium' ? 'premium' : null, contact };
  if (!contact) return badge;
  const found = await Promise.race([records.identifyCaller(contact).catch(() => null), sleep(NAME_WAIT_MS, null, { ref: false })]);
  return found ? { id: found.id, name: found.name, tier: found.tier, contact } : badge;
}

/** Today's answered, abandoned and service level per team, read at most every TODAY_EVERY_MS. */
function cachedToday(config: Config, db: pg.Pool, now: () => Date): () => Promise<Record<string, TeamToday>> {
  let at = 0;
  let last: Promise<Record<string, TeamToday>> | undefined;
  return () => {
    if (last && Date.now() - at < TODAY_EVERY_MS) return last;
    at = Date.now();
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: config.company.timezone }).format(now());
    last = (async () => {
      const { rows } = await db.query<{ lo: Date }>('select ($1::date)::timestamp at time zone $2 as lo', [day, config.company.timezone]);
      const stats = await teamStats(db, {
        from: rows[0]!.lo,
        to: new Date(now().getTime() + 1000),
        serviceLevelSeconds: config.routing.serviceLevelSeconds,
      });
      return Object.fromEntries(
        stats.map((s) => [
          s.team,
          {
            queued: s.queued,
            answered: s.answered,
            abandoned: s.abandoned,
            serviceLevel: s.serviceLevel,
            avgWaitSeconds: s.avgWaitSeconds,
          },
        ]),
      );
    })();
    last.catch(() => (at = 0));
    return last;
  };
}
