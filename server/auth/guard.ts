/**
 * Who is calling a staff route: a person with a console session (the cookie), or a machine with
 * the API token (it acts as an admin). The guard puts `{ id, role, via }` on `req.staff`; routes
 * never read cookies or tokens themselves. Roles per route are in one table: permissions.ts.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config/load.ts';
import type { StaffRole } from '../../config/schema.ts';
import { ApiError } from '../api-errors.ts';
import { sessionTokenOf } from './cookie.ts';
import type { SessionStore } from './sessions.ts';
import { tokenMatcher } from './token.ts';

export interface StaffPrincipal {
  /** The staff id; API_TOKEN_STAFF_ID for the API token. */
  id: string;
  /** The configuration's current role (a session opened before a demotion gets the new one). */
  role: StaffRole;
  /** How they proved it: a console session, or the API token of machine clients. */
  via: 'session' | 'token';
  /** The session's id (SHA-256 of its token) when `via` is session. */
  sessionId?: string;
}

/** Who the API token is: no staff id can look like this (ids start with a letter). */
export const API_TOKEN_STAFF_ID = '@api-token';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who calls, set by the staff guard on staff routes; null on public routes. */
    staff: StaffPrincipal | null;
  }
}

export interface StaffGuard {
  /** The caller, or ApiError 401 (nobody) / 403 (a cookie request from another origin). */
  authenticate(req: FastifyRequest): Promise<StaffPrincipal>;
  /** A preHandler: any of these roles (none given: any staff). */
  requireStaff(...roles: StaffRole[]): (req: FastifyRequest) => Promise<void>;
  /** A preHandler: the staff member named by route parameter `param` themselves, or any of these roles. */
  requireSelfOr(param: string, ...roles: StaffRole[]): (req: FastifyRequest) => Promise<void>;
  /** The staff member whose session cookie a Socket.IO handshake carries, from one of Relais' own origins. */
  staffOfHandshake(headers: IncomingHttpHeaders): Promise<StaffPrincipal | undefined>;
  /** The live session a token opens, as a principal (the staff member still in the configuration). */
  principalOfToken(token: string | undefined): Promise<StaffPrincipal | undefined>;
  /** Whether an Origin header names one of Relais' own origins. */
  isOwnOrigin(origin: string | undefined): boolean;
}

// Methods that change nothing: a cross-site page can trigger them, but never read the answer.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function staffGuard(d: { config: Config; sessions: SessionStore; ownOrigins: readonly string[] }): StaffGuard {
  const apiToken = tokenMatcher(d.config.server.apiToken);
  const own = new Set(d.ownOrigins);
  const isOwnOrigin = (origin: string | undefined) => origin !== undefined && own.has(origin);

  const principalOfToken = async (token: string | undefined): Promise<StaffPrincipal | undefined> => {
    const s = await d.sessions.find(token);
    if (!s) return undefined;
    const member = Object.hasOwn(d.config.staff, s.staff) ? d.config.staff[s.staff] : undefined;
    if (!member) {
      // Removed from the configuration: their sessions end with their access.
      await d.sessions.close(s.id);
      return undefined;
    }
    return { id: s.staff, role: member.role, via: 'session', sessionId: s.id };
  };

  const authenticate = async (req: FastifyRequest): Promise<StaffPrincipal> => {
    const authorization = req.headers.authorization;
    // A client that sends a token is judged on it alone, never rescued by a cookie.
    if (authorization !== undefined) {
      if (!apiToken(/^Bearer (.+)$/.exec(authorization)?.[1])) throw new ApiError('API_ERR_UNAUTHENTICATED');
      return { id: API_TOKEN_STAFF_ID, role: 'admin', via: 'token' };
    }
    const who = await principalOfToken(sessionTokenOf(req.headers.cookie));
    if (!who) throw new ApiError('API_ERR_UNAUTHENTICATED');
    if (!SAFE_METHODS.has(req.method) && !isOwnOrigin(req.headers.origin))
      throw new ApiError('API_ERR_FORBIDDEN', "a change with a session cookie must come from Relais' own pages (Origin)");
    return who;
  };

  const allowed = (who: StaffPrincipal, roles: StaffRole[]) => roles.length === 0 || roles.includes(who.role);

  return {
    authenticate,
    requireStaff:
      (...roles) =>
      async (req) => {
        const who = await authenticate(req);
        if (!allowed(who, roles)) throw new ApiError('API_ERR_FORBIDDEN', `this needs the role ${roles.join(' or ')}`);
        req.staff = who;
      },
    requireSelfOr:
      (param, ...roles) =>
      async (req) => {
        const who = await authenticate(req);
        const named = (req.params as Record<string, unknown> | undefined)?.[param];
        if (named !== who.id && !allowed(who, roles))
          throw new ApiError('API_ERR_FORBIDDEN', `only for yourself, or with the role ${roles.join(' or ')}`);
        req.staff = who;
      },
    async staffOfHandshake(headers) {
      // Browsers always send Origin on a WebSocket: another site's page (even a sibling subdomain
      // that SameSite lets through) must not ride the cookie.
      const origin = Array.isArray(headers.origin) ? headers.origin[0] : headers.origin;
      if (!isOwnOrigin(origin)) return undefined;
      return principalOfToken(sessionTokenOf(headers.cookie));
    },
    principalOfToken,
    isOwnOrigin,
  };
}
