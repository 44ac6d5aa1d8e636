/** GET /api/stats: per team and per local day, from the routing journal in PostgreSQL. */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import type { Config } from '../../config/load.ts';
import { statsByDay } from '../../routing/stats.ts';
import { parseWith } from '../validate.ts';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const query = z
  .strictObject({ from: day.optional(), to: day.optional() })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: '"from" must not be after "to"' });

export function registerStatsRoutes(app: FastifyInstance, config: Config, db: pg.Pool, now: () => Date): void {
  const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: config.company.timezone }).format(now());
  app.get('/api/stats', async (req) => {
    const q = parseWith(query, req.query);
    const from = q.from ?? today();
    const to = q.to ?? from;
    const serviceLevelSeconds = config.routing.serviceLevelSeconds;
    return {
      from,
      to,
      serviceLevelSeconds,
      days: await statsByDay(db, { from, to, serviceLevelSeconds, timezone: config.company.timezone }),
    };
  });
}
