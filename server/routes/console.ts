/**
 * The agent console over HTTP: its built pages under /console/, what it needs to start
 * (bootstrap), the read-only configuration and the history for supervisors, and the few actions
 * that are not on a socket (call a callback now, a chat to a ticket).
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import type { Config } from '../../config/load.ts';
import type { ConsoleBootstrap } from '../../console/protocol.ts';
import { historyCsv, historyPoints } from '../../console/history.ts';
import { statsByAgent, statsByDay, statsByHour } from '../../routing/stats.ts';
import { staffEndpoints } from '../../asterisk/endpoints.ts';
import type { ConsoleBuild } from '../../web/console/build.ts';
import { ApiError } from '../api-errors.ts';
import { parseWith } from '../validate.ts';
import { SIP_PATH } from '../sip-proxy.ts';

export interface ConsoleRoutesDeps {
  config: Config;
  db: pg.Pool;
  now: () => Date;
  /** Callbacks (when configured): make one due now. */
  callNow?: (callbackId: string) => Promise<'queued' | 'not-found' | 'conflict'>;
  /** A chat of this agent becomes a helpdesk ticket (its transcript); the ticket's number. */
  chatTicket: (conversationId: string, agent: string) => Promise<string | null | 'not-yours' | 'no-email'>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * The console's pages may load only their own scripts and styles, talk only to their own origin
 * (HTTP, Socket.IO, the SIP WebSocket), and cannot be framed by another site.
 */
const CSP = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "style-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

/** The console's built pages, public (the login form is one of them). */
export function registerConsolePages(app: FastifyInstance, build: ConsoleBuild): void {
  const files = new Set(build.files.map((f) => f.name));

  const page = async (name: string, reply: FastifyReply) => {
    if (!files.has(name)) throw new ApiError('API_ERR_NOT_FOUND');
    const body = await readFile(join(build.dir, name));
    // File names under assets/ carry their content's hash: cached for good. The page itself is not.
    reply.header('Cache-Control', name.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    reply.header('Content-Security-Policy', CSP).header('X-Content-Type-Options', 'nosniff').header('Referrer-Policy', 'same-origin');
    return reply.type(TYPES[extname(name)] ?? 'application/octet-stream').send(body);
  };
  app.get('/console', async (_req, reply) => reply.redirect('/console/'));
  app.get('/console/', async (_req, reply) => page('index.html', reply));
  app.get<{ Params: { '*': string } }>('/console/*', async (req, reply) => page(req.params['*'], reply));
}

/** The console's staff routes: register inside the scope whose permissions table guards them. */
export function registerConsoleApi(app: FastifyInstance, d: ConsoleRoutesDeps): void {
  const { config } = d;

  const me = (req: FastifyRequest) => req.staff!;
  const staffMember = (id: string) => (Object.hasOwn(config.staff, id) ? config.staff[id] : undefined);

  app.get('/api/console/bootstrap', async (req): Promise<ConsoleBootstrap> => {
    const who = me(req);
    const member = staffMember(who.id);
    if (!member || who.via !== 'session') throw new ApiError('API_ERR_FORBIDDEN', 'the console is for staff members, not the API token');
    return {
      me: {
        id: who.id,
        name: member.name,
        role: who.role,
        extension: member.extension,
        teams: Object.entries(config.teams)
          .filter(([, t]) => t.members.includes(who.id))
          .map(([id]) => id),
      },
      company: config.company.name,
      timezone: config.company.timezone,
      serverTime: d.now().toISOString(),
      teams: Object.entries(config.teams).map(([id, t]) => ({ id, name: t.name, members: [...t.members] })),
      staff: Object.entries(config.staff).map(([id, s]) => ({ id, name: s.name, extension: s.extension })),
      phone: { wsPath: SIP_PATH, user: staffEndpoints(who.id).browser, password: member.sipPassword, domain: 'relais' },
      cannedAnswers: config.console.cannedAnswers.map((a) => ({ ...a })),
      dispositions: [...config.console.dispositions],
      video: Boolean(config.chat && config.video),
    };
  });

  app.get('/api/console/config', async () => ({
    teams: Object.entries(config.teams).map(([id, t]) => ({
      id,
      name: t.name,
      strategy: t.strategy,
      ringSeconds: t.ringSeconds,
      wrapUpSeconds: t.wrapUpSeconds,
      members: t.members.map((m) => ({ id: m, name: config.staff[m]?.name ?? m })),
    })),
    hours: {
      timezone: config.company.timezone,
      weekly: config.hours.weekly,
      publicHolidays: config.hours.publicHolidays,
      closedDays: config.hours.closedDays,
    },
  }));

  const historyQuery = z
    .strictObject({ from: day, to: day, by: z.enum(['hour', 'day']).default('day'), team: z.string().max(32).optional() })
    .refine((q) => q.from <= q.to, { message: '"from" must not be after "to"' })
    .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, { message: 'a year at most' });
  const history = async (req: FastifyRequest) => {
    const q = parseWith(historyQuery, req.query);
    const team = q.team || undefined;
    if (team && !Object.hasOwn(config.teams, team)) throw new ApiError('API_ERR_VALIDATION', `no team ${team}`);
    const period = { from: q.from, to: q.to, serviceLevelSeconds: config.routing.serviceLevelSeconds, timezone: config.company.timezone };
    const [rows, agents] = await Promise.all([
      q.by === 'hour' ? statsByHour(d.db, period) : statsByDay(d.db, period),
      statsByAgent(d.db, { ...period, team }),
    ]);
    return { rows, team, agents: agents.map((a) => ({ ...a, name: staffMember(a.agent)?.name ?? a.agent })) };
  };
  app.get('/api/console/history', async (req) => {
    const h = await history(req);
    return { points: historyPoints(h.rows, h.team), agents: h.agents };
  });
  app.get('/api/console/history.csv', async (req, reply) => {
    const h = await history(req);
    const q = req.query as { from: string; to: string };
    reply.header('Content-Disposition', `attachment; filename="relais-historique-${q.from}-${q.to}.csv"`);
    return reply.type('text/csv; charset=utf-8').send(historyCsv(h.rows, h.agents, h.team));
  });

  app.post<{ Params: { id: string } }>('/api/callbacks/:id/call-now', async (req) => {
    if (!d.callNow) throw new ApiError('API_ERR_NOT_FOUND', 'callbacks are not configured');
    const id = parseWith(z.uuid(), req.params.id);
    const r = await d.callNow(id);
    if (r === 'not-found') throw new ApiError('API_ERR_NOT_FOUND', `no callback ${id}`);
    if (r === 'conflict') throw new ApiError('API_ERR_CONFLICT', 'this callback is already calling, done or cancelled');
    return { status: r };
  });

  app.post<{ Params: { id: string } }>('/api/console/chats/:id/ticket', async (req, reply) => {
    const id = parseWith(z.uuid(), req.params.id);
    const ticket = await d.chatTicket(id, me(req).id);
    if (ticket === 'not-yours') throw new ApiError('API_ERR_NOT_FOUND', 'no such conversation of yours');
    if (ticket === 'no-email') throw new ApiError('API_ERR_UNPROCESSABLE', 'the visitor gave no email: the helpdesk needs one');
    return reply.code(201).send({ ticket });
  });
}
