/** GET /health: is every part Relais needs answering? 200 when all are, 503 with the failing ones otherwise. */
import type { FastifyInstance } from 'fastify';

export type HealthChecks = Readonly<Record<string, () => Promise<boolean> | boolean>>;

const CHECK_DEADLINE_MS = 1500;

export async function checkHealth(checks: HealthChecks): Promise<{ ok: boolean; checks: Record<string, 'up' | 'down'> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const up = await Promise.race([
        Promise.resolve()
          .then(check)
          .catch(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(false), CHECK_DEADLINE_MS).unref()),
      ]);
      return [name, up ? 'up' : 'down'] as const;
    }),
  );
  return { ok: entries.every(([, s]) => s === 'up'), checks: Object.fromEntries(entries) };
}

export function registerHealth(app: FastifyInstance, checks: HealthChecks): void {
  app.get('/health', async (_req, reply) => {
    const h = await checkHealth(checks);
    return reply.code(h.ok ? 200 : 503).send({ status: h.ok ? 'ok' : 'degraded', checks: h.checks });
  });
}
