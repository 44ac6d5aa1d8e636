/** Staff logins for tests: log in through the real route, then call staff routes with the session cookie. */
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { SESSION_COOKIE } from '../../server/auth/cookie.ts';
import type { TestRelais } from './relais.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Relais' own origin in a test (what its pages send as Origin). */
export const ownOrigin = (t: TestRelais) => `http://127.0.0.1:${t.config.server.port}`;

let addresses = 0;
/** A client address of its own, so one test's failures never lock another's logins. */
export const freshAddress = () => `10.77.${Math.floor(addresses / 250)}.${(addresses++ % 250) + 1}`;

export function loginRequest(
  t: TestRelais,
  staff: string,
  password: string,
  opts: { address?: string; origin?: string | null } = {},
): Promise<LightMyRequestResponse> {
  const origin = opts.origin === undefined ? ownOrigin(t) : opts.origin;
  return t.relais.http.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { staff, password },
    remoteAddress: opts.address ?? freshAddress(),
    headers: origin === null ? {} : { origin },
  });
}

/** The session token a login answer's Set-Cookie carries. */
export function tokenOf(res: LightMyRequestResponse): string {
  const header = [res.headers['set-cookie'] ?? []].flat()[0] ?? '';
  const m = new RegExp(`^${SESSION_COOKIE}=([^;]+);`).exec(header);
  if (!m) throw new Error(`no session cookie in ${JSON.stringify(res.headers['set-cookie'])} (${res.statusCode} ${res.body})`);
  return m[1]!;
}

/** Logs a staff member in with their configured password; returns the session token. */
export async function logIn(t: TestRelais, staff: string, password = t.consolePasswords[staff]!): Promise<string> {
  const res = await loginRequest(t, staff, password);
  expect(res.statusCode, res.body).toBe(200);
  return tokenOf(res);
}

/** A request as a browser of Relais' own pages sends it: the cookie, and Origin (unless told otherwise). */
export function asStaff(
  t: TestRelais,
  token: string,
  method: Method,
  url: string,
  payload?: unknown,
  headers: Record<string, string | undefined> = { origin: ownOrigin(t) },
): Promise<LightMyRequestResponse> {
  const sent = Object.fromEntries(Object.entries({ cookie: `${SESSION_COOKIE}=${token}`, ...headers }).filter(([, v]) => v !== undefined));
  return t.relais.http.inject({
    method,
    url,
    headers: sent as Record<string, string>,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}
