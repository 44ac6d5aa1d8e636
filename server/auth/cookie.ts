/**
 * The session cookie. `__Host-` makes the browser refuse it unless it is Secure, has Path=/ and no
 * Domain, so no sibling subdomain (the shop, the helpdesk) can set or shadow it. HttpOnly keeps it
 * out of page scripts; SameSite=Strict keeps it off requests started by other sites. Browsers
 * accept Secure cookies over plain http only on loopback (127.0.0.1, localhost): anywhere else
 * the console must be served over HTTPS (README: Security).
 */
import { SESSION } from './policy.ts';

export const SESSION_COOKIE = '__Host-relais_session';

const ATTRIBUTES = 'Path=/; HttpOnly; Secure; SameSite=Strict';

/** The Set-Cookie value that gives the browser a session token, for as long as a session can live. */
export const sessionCookie = (token: string) =>
  `${SESSION_COOKIE}=${token}; Max-Age=${Math.floor(SESSION.absoluteMs / 1000)}; ${ATTRIBUTES}`;

/** The Set-Cookie value that makes the browser forget it (same attributes, or a __Host- cookie is not replaced). */
export const clearedSessionCookie = () => `${SESSION_COOKIE}=; Max-Age=0; ${ATTRIBUTES}`;

/** The session token in a Cookie header, if any (the first one: a browser sends the most specific first). */
export function sessionTokenOf(cookieHeader: string | string[] | undefined): string | undefined {
  const header = Array.isArray(cookieHeader) ? cookieHeader.join('; ') : cookieHeader;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}
