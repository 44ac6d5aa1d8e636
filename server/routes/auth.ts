/**
 * Staff logins over HTTP: log in and out (public), then, inside the staff scope, who am I, change
 * my password, log out everywhere, and the admins' view of the staff's accounts. Answers about
 * logins are never cached.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/load.ts';
import { ApiError } from '../api-errors.ts';
import { clearedSessionCookie, sessionCookie, sessionTokenOf } from '../auth/cookie.ts';
import type { StaffAuth } from '../auth/index.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, PasswordHashBusy } from '../auth/passwords.ts';
import { parseWith } from '../validate.ts';

const loginBody = z.strictObject({
  staff: z.string().min(1).max(64),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
});

const passwordBody = z
  .strictObject({
    current: z.string().min(1).max(MAX_PASSWORD_LENGTH),
    next: z.string().min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`).max(MAX_PASSWORD_LENGTH),
  })
  .refine((b) => b.next !== b.current, { path: ['next'], message: 'the new password must differ from the current one' });

const locked = (retryAfterMs: number) =>
  new ApiError('API_ERR_RATE_LIMITED', 'too many wrong passwords: try again later', undefined, {
    'Retry-After': String(Math.ceil(retryAfterMs / 1000)),
  });

/** scrypt's queue is full: the same answer a client gets for any burst. */
async function hashing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof PasswordHashBusy) throw new ApiError('API_ERR_RATE_LIMITED', undefined, undefined, { 'Retry-After': '1' });
    throw err;
  }
}

/** Log in and log out: outside the staff scope (nobody is logged in yet, or any more). */
export function registerLoginRoutes(app: FastifyInstance, auth: StaffAuth): void {
  // A browser sends Origin with every POST: another site's page must not log a console in (to an
  // account of the attacker's) nor out. Clients without Origin are not browsers.
  const fromOwnPages = (req: FastifyRequest) => {
    const origin = req.headers.origin;
    if (origin !== undefined && !auth.guard.isOwnOrigin(origin)) throw new ApiError('API_ERR_FORBIDDEN', "not from Relais' own pages");
  };

  app.post('/api/auth/login', async (req, reply) => {
    fromOwnPages(req);
    const b = parseWith(loginBody, req.body);
    const r = await hashing(() => auth.login({ staff: b.staff, password: b.password, address: req.ip }));
    reply.header('Cache-Control', 'no-store');
    if (r.ok) return reply.header('Set-Cookie', sessionCookie(r.token)).send({ staff: r.staff });
    if (r.retryAfterMs > 0) throw locked(r.retryAfterMs);
    // The same answer for an unknown id and a wrong password.
    throw new ApiError('API_ERR_UNAUTHENTICATED', 'wrong staff id or password');
  });

  app.post('/api/auth/logout', async (req, reply) => {
    const token = sessionTokenOf(req.headers.cookie);
    if (token !== undefined && !auth.guard.isOwnOrigin(req.headers.origin))
      throw new ApiError('API_ERR_FORBIDDEN', "a change with a session cookie must come from Relais' own pages (Origin)");
    const who = await auth.guard.principalOfToken(token);
    if (who?.sessionId) await auth.logout(who.sessionId);
    return reply.header('Set-Cookie', clearedSessionCookie()).header('Cache-Control', 'no-store').code(204).send();
  });
}

/** The rest: inside the staff scope, where the permissions table guards each route. */
export function registerStaffAuthRoutes(app: FastifyInstance, auth: StaffAuth, config: Config): void {
  const staffOf = (req: FastifyRequest) => req.staff!;
  const personOnly = (req: FastifyRequest, what: string) => {
    const who = staffOf(req);
    if (who.via !== 'session') throw new ApiError('API_ERR_FORBIDDEN', `the API token has no ${what}: log in as a person`);
    return who;
  };
  const member = (params: unknown) => {
    const { id } = parseWith(z.object({ id: z.string().max(64) }), params);
    if (!Object.hasOwn(config.staff, id)) throw new ApiError('API_ERR_NOT_FOUND', `no staff member "${id}"`);
    return id;
  };
  const noStore = (reply: FastifyReply) => reply.header('Cache-Control', 'no-store');

  app.get('/api/auth/me', async (req, reply) => {
    const who = staffOf(req);
    noStore(reply);
    if (who.via === 'token') return { staff: { id: who.id, name: 'API token', role: who.role }, via: who.via };
    return { staff: { id: who.id, name: config.staff[who.id]!.name, role: who.role }, via: who.via };
  });

  app.post('/api/auth/password', async (req, reply) => {
    const who = personOnly(req, 'password');
    const b = parseWith(passwordBody, req.body);
    const r = await hashing(() => auth.changePassword(who, b.current, b.next, req.ip));
    if (r.ok) return noStore(reply).code(204).send();
    if (r.retryAfterMs > 0) throw locked(r.retryAfterMs);
    throw new ApiError('API_ERR_FORBIDDEN', 'the current password is wrong', [{ path: 'current', message: 'wrong password' }]);
  });

  /** Log out everywhere, this browser included. */
  app.delete('/api/auth/sessions', async (req, reply) => {
    const who = personOnly(req, 'sessions');
    const ended = await auth.endSessionsOf(who.id);
    return noStore(reply).header('Set-Cookie', clearedSessionCookie()).send({ ended });
  });

  app.get('/api/auth/staff', async (_req, reply) => {
    noStore(reply);
    return auth.accounts();
  });

  /** A lost or stolen laptop: that person's sessions end. */
  app.delete('/api/auth/staff/:id/sessions', async (req) => ({ ended: await auth.endSessionsOf(member(req.params)) }));

  /** A forgotten password: back to the configured one (none: cannot log in until the configuration gives one). */
  app.delete('/api/auth/staff/:id/password', async (req) => {
    const id = member(req.params);
    return { password: await hashing(() => auth.resetPassword(id)) };
  });
}
