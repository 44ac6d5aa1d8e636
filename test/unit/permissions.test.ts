/** The permissions table: applied to every staff route, fail-closed for a route it does not list. */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../server/api-errors.ts';
import type { StaffGuard } from '../../server/auth/guard.ts';
import { enforcePermissions, STAFF_ROUTES } from '../../server/auth/permissions.ts';

/** A guard that records which check each request went through instead of authenticating. */
function recordingGuard(seen: string[]): StaffGuard {
  const check = (label: string) => async () => {
    seen.push(label);
    if (label.includes('forbidden')) throw new ApiError('API_ERR_FORBIDDEN');
  };
  return {
    requireStaff: (...roles) => check(`roles:${roles.join('|')}`),
    requireSelfOr: (param, ...roles) => check(`self:${param}|${roles.join('|')}`),
  } as Partial<StaffGuard> as StaffGuard;
}

describe('enforcePermissions', () => {
  it('refuses to register a staff route the table does not list', async () => {
    const app = Fastify();
    await expect(
      app.register(async (scope) => {
        enforcePermissions(scope, recordingGuard([]), { 'GET /listed': { roles: ['agent'] } });
        scope.get('/listed', async () => 'ok');
        scope.post('/forgotten', async () => 'ok');
      }),
    ).rejects.toThrow('staff route POST /forgotten is not in the permissions table');
  });

  it("runs the route's line before the route's own preHandlers, HEAD following GET", async () => {
    const seen: string[] = [];
    const app = Fastify();
    await app.register(async (scope) => {
      enforcePermissions(scope, recordingGuard(seen), {
        'GET /x/:id': { self: 'id', roles: ['supervisor'] },
        'DELETE /x/:id': { roles: ['admin'] },
      });
      scope.get('/x/:id', { preHandler: async () => void seen.push('own') }, async () => 'ok');
      scope.delete('/x/:id', async () => 'ok');
    });
    await app.inject({ method: 'GET', url: '/x/1' });
    await app.inject({ method: 'HEAD', url: '/x/1' });
    await app.inject({ method: 'DELETE', url: '/x/1' });
    expect(seen).toEqual(['self:id|supervisor', 'own', 'self:id|supervisor', 'own', 'roles:admin']);
  });

  it('leaves routes outside the scope alone', async () => {
    const app = Fastify();
    app.get('/public', async () => 'ok');
    await app.register(async (scope) => enforcePermissions(scope, recordingGuard([]), {}));
    expect((await app.inject({ method: 'GET', url: '/public' })).statusCode).toBe(200);
  });
});

describe('the table', () => {
  it('keeps statistics, GDPR and accounts from agents, and gives everyone their own presence', () => {
    const agentMay = (key: string) => {
      const p = STAFF_ROUTES[key]!;
      return p.roles.includes('agent') ? 'yes' : 'self' in p ? 'self' : 'no';
    };
    expect(agentMay('GET /api/stats')).toBe('no');
    expect(agentMay('GET /api/customers/:id/export')).toBe('no');
    expect(agentMay('DELETE /api/customers/:id')).toBe('no');
    expect(agentMay('DELETE /api/callbacks/:id')).toBe('no');
    expect(agentMay('GET /api/auth/staff')).toBe('no');
    expect(agentMay('PUT /api/agents/:id/presence')).toBe('self');
    expect(agentMay('GET /api/queues')).toBe('yes');
    expect(agentMay('POST /api/customers/:id/notes')).toBe('yes');
    expect(STAFF_ROUTES['GET /api/auth/staff']!.roles).toEqual(['admin']);
  });
});
