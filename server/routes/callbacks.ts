/**
 * Callback requests. `POST /api/callbacks` is public: the shop's and the helpdesk's pages call it
 * from the visitor's browser, so it is bounded per IP address and per number (Redis counters),
 * and it only ever calls numbers the callback policy accepts (callback/numbers.ts). Listing and
 * cancelling are for staff (bearer token).
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../../config/load.ts';
import type { CallbackService } from '../../callback/service.ts';
import type { Callback, CallbackStatus } from '../../callback/store.ts';
import { ApiError } from '../api-errors.ts';
import { parseWith } from '../validate.ts';

const STATUSES = ['scheduled', 'queued', 'calling', 'done', 'failed', 'cancelled'] as const satisfies readonly CallbackStatus[];

/** What the public sees of a callback: no agent, no internal ids. */
const publicView = (cb: Callback, merged: boolean) => ({
  id: cb.id,
  status: cb.status,
  team: cb.team,
  dueAt: new Date(cb.dueAt).toISOString(),
  merged,
});

const staffView = (cb: Callback) => ({
  ...cb,
  place: new Date(cb.place).toISOString(),
  dueAt: new Date(cb.dueAt).toISOString(),
  createdAt: new Date(cb.createdAt).toISOString(),
  updatedAt: new Date(cb.updatedAt).toISOString(),
});

/** Public routes: register outside the token-protected scope. */
export function registerPublicCallbackRoutes(
  app: FastifyInstance,
  config: Config,
  service: CallbackService,
  redis: Redis,
  prefix: string,
): void {
  const teams = Object.keys(config.teams) as [string, ...string[]];
  const limits = config.callbacks!.rateLimit;
  const body = z.strictObject({
    number: z.string().trim().min(3).max(32),
    team: z.enum(teams),
    name: z.string().trim().min(1).max(100).optional(),
    email: z.email().max(200).optional(),
    /** Not before this instant (ISO 8601 with an offset). */
    preferredAt: z.iso.datetime({ offset: true }).optional(),
  });
  const limited = async (key: string, limit: { max: number; windowSeconds: number }) => {
    const k = `${prefix}:ratelimit:callbacks:${key}`;
    const [[, count]] = (await redis.multi().incr(k).expire(k, limit.windowSeconds, 'NX').exec()) as [[null, number]];
    return count > limit.max;
  };

  app.post('/api/callbacks', async (req, reply) => {
    if (await limited(`ip:${req.ip}`, { max: limits.perAddressPerHour, windowSeconds: 3600 })) throw new ApiError('API_ERR_RATE_LIMITED');
    const b = parseWith(body, req.body);
    // Counted on what was typed, before normalising: cheap, and "06..." and "+336..." both count.
    if (await limited(`number:${b.number.replace(/\D/g, '').slice(-9)}`, { max: limits.perNumberPerDay, windowSeconds: 86_400 }))
      throw new ApiError('API_ERR_RATE_LIMITED', 'too many callback requests for this number: try again tomorrow');
    const r = await service.request({
      number: b.number,
      team: b.team,
      source: 'web',
      name: b.name,
      email: b.email,
      preferredAt: b.preferredAt ? Date.parse(b.preferredAt) : undefined,
    });
    if (!r.ok) throw new ApiError('API_ERR_UNPROCESSABLE', r.message, [{ path: 'number', message: r.message, reason: r.reason }]);
    return reply.code(r.merged ? 200 : 201).send(publicView(r.callback, r.merged));
  });
}

/** Staff routes: inside the token-protected scope. */
export function registerCallbackRoutes(app: FastifyInstance, config: Config, service: CallbackService): void {
  const query = z.strictObject({
    status: z.enum(STATUSES).optional(),
    team: z.enum(Object.keys(config.teams) as [string, ...string[]]).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  });
  app.get('/api/callbacks', async (req) => {
    const q = parseWith(query, req.query);
    return (await service.list({ statuses: q.status ? [q.status] : undefined, team: q.team, limit: q.limit })).map(staffView);
  });
  app.delete<{ Params: { id: string } }>('/api/callbacks/:id', async (req) => {
    const id = parseWith(z.uuid(), req.params.id);
    const cancelled = await service.cancel(id);
    if (cancelled) return staffView(cancelled);
    if (!(await service.get(id))) throw new ApiError('API_ERR_NOT_FOUND', `no callback ${id}`);
    throw new ApiError('API_ERR_CONFLICT', 'only a callback that is not calling or over can be cancelled');
  });
}
