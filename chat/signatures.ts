/**
 * The chat's two signatures. A conversation token (kept by the widget in localStorage) proves the
 * visitor started that conversation: `<conversationId>.<expiry>.<hmac>` with Relais' own secret.
 * A signed identity proves the host page (the shop, the helpdesk) logged this customer in: an
 * HMAC with the secret Relais shares with that site. Both compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignedIdentity } from './protocol.ts';

const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** How long a conversation token opens its conversation (a visitor coming back within a month). */
export const TOKEN_DAYS = 30;

export function conversationToken(secret: string, conversationId: string, now: number): string {
  const expiry = Math.floor(now / 1000) + TOKEN_DAYS * 86_400;
  return `${conversationId}.${expiry}.${hmac(secret, `${conversationId}.${expiry}`)}`;
}

/** The conversation a token opens, or undefined (forged, expired, malformed). */
export function conversationOf(secret: string, token: unknown, now: number): string | undefined {
  if (typeof token !== 'string' || token.length > 200) return undefined;
  const m = /^([0-9a-f-]{36})\.(\d{1,12})\.([0-9a-f]{64})$/.exec(token);
  if (!m) return undefined;
  const [, id, expiry, sig] = m;
  if (Number(expiry) * 1000 < now) return undefined;
  return equal(sig!, hmac(secret, `${id}.${expiry}`)) ? id : undefined;
}

/** How long a host page's signature stays valid: the page was loaded a few minutes ago at most. */
export const IDENTITY_MAX_AGE_SECONDS = 600;

/** What the host page signs (see `signedIdentity` in the protocol): `${email}|${name}|${ts}`. */
export function identitySignature(secret: string, i: Omit<SignedIdentity, 'sig'>): string {
  return hmac(secret, `${i.email}|${i.name}|${i.ts}`);
}

export function identityVerifies(secret: string, i: SignedIdentity, now: number): boolean {
  const age = now / 1000 - i.ts;
  if (age > IDENTITY_MAX_AGE_SECONDS || age < -60) return false;
  return equal(i.sig, identitySignature(secret, i));
}
