/** The administration API's authentication: a bearer token from the configuration's secrets. */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-errors.ts';

/** A preHandler that refuses requests without the token. Compared in constant time. */
export function requireToken(token: string): (req: FastifyRequest) => Promise<void> {
  const expected = digest(token);
  return async (req) => {
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!given || !timingSafeEqual(digest(given), expected)) throw new ApiError('API_ERR_UNAUTHENTICATED');
  };
}

// Hashing first gives equal lengths, which timingSafeEqual needs, without leaking the length.
const digest = (s: string) => createHash('sha256').update(s).digest();
