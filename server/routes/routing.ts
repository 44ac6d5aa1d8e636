/** Agents' presence and the queues, for staff (who may see or change whose: server/auth/permissions.ts). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/load.ts';
import type { RoutingCore } from '../../routing/core.ts';
import { ApiError } from '../api-errors.ts';
import { parseWith } from '../validate.ts';

const presenceBody = z.strictObject({
  presence: z.enum(['available', 'paused', 'offline']),
  reason: z.string().trim().min(1).max(100).optional(),
});

export function registerRoutingRoutes(app: FastifyInstance, config: Config, routing: RoutingCore): void {
  const staff = (id: string) => {
    const s = config.staff[id];
    if (!s) throw new ApiError('API_ERR_NOT_FOUND', `no staff member "${id}"`);
    return s;
  };
  const teamsOf = (id: string) =>
    Object.entries(config.teams)
      .filter(([, t]) => t.members.includes(id))
      .map(([t]) => t);

  app.get('/api/agents', async () =>
    Promise.all(Object.entries(config.staff).map(async ([id, s]) => ({ ...(await routing.agent(id)), name: s.name, teams: teamsOf(id) }))),
  );

  app.get<{ Params: { id: string } }>('/api/agents/:id', async (req) => {
    const s = staff(req.params.id);
    return { ...(await routing.agent(req.params.id)), name: s.name, teams: teamsOf(req.params.id) };
  });

  app.put<{ Params: { id: string } }>('/api/agents/:id/presence', async (req) => {
    const s = staff(req.params.id);
    const body = parseWith(presenceBody, req.body);
    const agent = await routing.setPresence(req.params.id, body.presence, body.reason);
    return { ...agent, name: s.name, teams: teamsOf(req.params.id) };
  });

  app.get('/api/queues', async () => Promise.all(Object.keys(config.teams).map((t) => routing.teamSnapshot(t))));
}
