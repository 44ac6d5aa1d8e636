/**
 * Ways a person proves they are a staff member. Each ends with a staff id of the configuration,
 * from which the same session is opened (index.ts): roles, lockout of sessions, logout and the
 * guard do not depend on how someone logged in. Passwords now; an OpenID Connect single sign-on
 * with the company's helpdesk accounts later (README: Security).
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/load.ts';
import type { CredentialStore } from './credentials.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

export interface IdentityProvider {
  /** Names the provider in logs and in the console's login page. */
  readonly kind: 'password' | 'oidc';
}

/** A staff id and a password typed in the console. */
export interface PasswordIdentityProvider extends IdentityProvider {
  readonly kind: 'password';
  /**
   * The staff id these credentials prove, or undefined. Takes as long for an unknown id as for a
   * known one, so the answer's timing does not tell which ids exist.
   */
  verify(staffId: string, password: string): Promise<string | undefined>;
}

/**
 * What an OpenID Connect provider will be (not built): the authorization-code flow with PKCE. The
 * login route redirects to `start`'s URL, keeping `state` in a short-lived cookie; the callback
 * route hands the query back to `finish`, which exchanges the code, verifies the ID token
 * (issuer, audience, nonce, signature) and maps a claim (e.g. `preferred_username` or `email`)
 * to a staff id of the configuration, then the same session is opened as for a password.
 */
export interface RedirectIdentityProvider extends IdentityProvider {
  readonly kind: 'oidc';
  start(returnTo: string): Promise<{ redirectTo: string; state: string }>;
  finish(callback: URLSearchParams, state: string): Promise<string | undefined>;
}

/**
 * Passwords stored as scrypt hashes (credentials.ts). Only ids of the configuration can log in,
 * whatever the table holds. A right password hashed with older parameters is hashed again.
 */
export function passwordIdentity(d: {
  staff: Config['staff'];
  credentials: CredentialStore;
  /** A hash of nothing anyone knows, with the current parameters: unknown ids are checked against it. */
  dummyHash: string;
  log: Logger;
}): PasswordIdentityProvider {
  return {
    kind: 'password',
    async verify(staffId, password) {
      // Read for any id, known or not, so both paths do the same work.
      const stored = await d.credentials.get(staffId);
      const usable = stored && Object.hasOwn(d.staff, staffId) ? stored : undefined;
      const v = await verifyPassword(password, usable?.hash ?? d.dummyHash);
      if (!usable || !v.ok) return undefined;
      // In the background: the login need not wait for a second hash.
      if (v.rehash)
        void hashPassword(password)
          .then((hash) => d.credentials.replace(staffId, usable.hash, hash, usable.source))
          .catch((err: Error) => d.log.warn({ staff: staffId, err: err.message }, 'password rehash failed'));
      return staffId;
    },
  };
}
