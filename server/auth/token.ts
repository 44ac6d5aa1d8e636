/** The administration API's authentication: a bearer token from the configuration's secrets. */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../api-errors.ts';

/** A preHandler that refuses requests without the token. */
export function requireToken(token: string): (req: FastifyRequest) => Promise<void> {
  const matches = tokenMatcher(token);
  return async (req) => {
    if (!matches(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1])) throw new ApiError('API_ERR_UNAUTHENTICATED');
  };
}

/** Whether a given value is the token, compared in constant time. */
export function tokenMatcher(token: string): (given: unknown) => boolean {
  const expected = digest(token);
  return (given) => typeof given === 'string' && given.length > 0 && timingSafeEqual(digest(given), expected);
}

// Hashing first gives equal lengths, which timingSafeEqual needs, without leaking the length.
const digest = (s: string) => createHash('sha256').update(s).digest();
