/**
 * Who may call each staff route: the one table. It is applied to every route registered in the
 * staff scope (server/relais.ts), and a staff route missing from it stops Relais at start, so a
 * new route is never open by omission.
 */
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { staffRoles, type StaffRole } from '../../config/schema.ts';
import type { StaffGuard } from './guard.ts';

export type Permission =
  /** Staff with one of these roles. */
  | { roles: readonly StaffRole[] }
  /** The staff member named by route parameter `self`, or staff with one of these roles. */
  | { self: string; roles: readonly StaffRole[] };

const ANY_STAFF = { roles: staffRoles };
const SUPERVISORS = { roles: ['supervisor', 'admin'] } as const;
const ADMINS = { roles: ['admin'] } as const;
const SELF_OR_SUPERVISORS = { self: 'id', roles: ['supervisor', 'admin'] } as const;

/** `METHOD /url` as registered → who may call it. HEAD follows GET. */
export const STAFF_ROUTES: Readonly<Record<string, Permission>> = {
  // Their own session and password.
  'GET /api/auth/me': ANY_STAFF,
  'POST /api/auth/password': ANY_STAFF,
  'DELETE /api/auth/sessions': ANY_STAFF,
  // Presence: one's own; everyone's is the supervisors'.
  'GET /api/agents/:id': SELF_OR_SUPERVISORS,
  'PUT /api/agents/:id/presence': SELF_OR_SUPERVISORS,
  'GET /api/agents': SUPERVISORS,
  // The live view of the queues.
  'GET /api/queues': ANY_STAFF,
  'GET /api/stats': SUPERVISORS,
  'GET /api/callbacks': ANY_STAFF,
  'DELETE /api/callbacks/:id': SUPERVISORS,
  // Customers: reading, notes and contact edits are everyday work; GDPR export and erasure are not.
  'GET /api/customers': ANY_STAFF,
  'GET /api/customers/:id': ANY_STAFF,
  'GET /api/customers/:id/timeline': ANY_STAFF,
  'POST /api/customers/:id/notes': ANY_STAFF,
  'PATCH /api/customers/:id': ANY_STAFF,
  'GET /api/customers/:id/export': SUPERVISORS,
  'DELETE /api/customers/:id': SUPERVISORS,
  // Call control: the agent who has the call (checked where the calls are).
  'GET /api/calls/mine': ANY_STAFF,
  'POST /api/calls/:id/hold': ANY_STAFF,
  'POST /api/calls/:id/resume': ANY_STAFF,
  'POST /api/calls/:id/hangup': ANY_STAFF,
  'POST /api/calls/:id/transfer': ANY_STAFF,
  'POST /api/calls/:id/transfer/complete': ANY_STAFF,
  'POST /api/calls/:id/transfer/cancel': ANY_STAFF,
  // The agent console: its start, and what supervisors look at.
  'GET /api/console/bootstrap': ANY_STAFF,
  'GET /api/console/config': SUPERVISORS,
  'GET /api/console/history': SUPERVISORS,
  'GET /api/console/history.csv': SUPERVISORS,
  'POST /api/callbacks/:id/call-now': ANY_STAFF,
  'POST /api/console/chats/:id/ticket': ANY_STAFF,
  // The staff's accounts: sessions and passwords.
  'GET /api/auth/staff': ADMINS,
  'DELETE /api/auth/staff/:id/sessions': ADMINS,
  'DELETE /api/auth/staff/:id/password': ADMINS,
};

/** Guards every route registered in `scope` from now on with its line of `table`. */
export function enforcePermissions(scope: FastifyInstance, guard: StaffGuard, table = STAFF_ROUTES): void {
  scope.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    const keys = methods.map((m) => `${m === 'HEAD' ? 'GET' : m} ${route.url}`);
    const missing = keys.filter((k) => !Object.hasOwn(table, k));
    if (missing.length) throw new Error(`staff route ${missing.join(', ')} is not in the permissions table (server/auth/permissions.ts)`);
    const rule = table[keys[0]!]!;
    const check = 'self' in rule ? guard.requireSelfOr(rule.self, ...rule.roles) : guard.requireStaff(...rule.roles);
    const own = route.preHandler ? [route.preHandler].flat() : [];
    route.preHandler = [check as preHandlerHookHandler, ...own];
  });
}
