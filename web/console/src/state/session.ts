/**
 * Who is logged in: the login form, the bootstrap data the console starts from, logging out.
 * Everything else starts once `me` holds a bootstrap.
 */
import { signal } from '@preact/signals';
import type { ConsoleBootstrap } from '../../../../console/protocol.ts';
import { api, ApiFailure, whenLoggedOut } from '../api.ts';
import { syncClock } from '../clock.ts';

export type SessionState = { kind: 'loading' } | { kind: 'out'; notice?: string } | { kind: 'in'; boot: ConsoleBootstrap };

export const session = signal<SessionState>({ kind: 'loading' });

/** The logged-in person's bootstrap; only call where the session is known to be open. */
export function boot(): ConsoleBootstrap {
  const s = session.value;
  if (s.kind !== 'in') throw new Error('not logged in');
  return s.boot;
}

export async function resume(): Promise<void> {
  try {
    const sentAt = Date.now();
    const b = await api.get<ConsoleBootstrap>('/api/console/bootstrap');
    syncClock(b.serverTime, sentAt);
    session.value = { kind: 'in', boot: b };
  } catch (err) {
    session.value = { kind: 'out' };
    if (!(err instanceof ApiFailure) || err.status !== 401) throw err;
  }
}

/** Logs in; on refusal throws the ApiFailure (401 wrong credentials, 429 locked out with its retry delay). */
export async function login(staff: string, password: string): Promise<void> {
  await api.post('/api/auth/login', { staff, password });
  await resume();
}

export async function logout(): Promise<void> {
  await api.post('/api/auth/logout').catch(() => undefined);
  session.value = { kind: 'out' };
}

whenLoggedOut(() => {
  if (session.value.kind === 'in') session.value = { kind: 'out', notice: 'expired' };
});
