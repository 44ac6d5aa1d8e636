/**
 * Every error the HTTP API answers with: a stable code, a status, a reason a person can read.
 * Never a stack trace.
 */
import type { FastifyInstance } from 'fastify';

export const apiErrors = {
  API_ERR_UNAUTHENTICATED: { status: 401, message: 'a staff session or a valid bearer token is required' },
  API_ERR_FORBIDDEN: { status: 403, message: 'not allowed for this staff member' },
  API_ERR_VALIDATION: { status: 400, message: 'the request is not valid' },
  API_ERR_NOT_FOUND: { status: 404, message: 'no such resource' },
  API_ERR_CONFLICT: { status: 409, message: 'the resource is not in a state that allows this' },
  API_ERR_BODY_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  API_ERR_UNSUPPORTED_TYPE: { status: 415, message: 'this type of content is not accepted' },
  API_ERR_UNPROCESSABLE: { status: 422, message: 'the request is well-formed but cannot be carried out' },
  API_ERR_RATE_LIMITED: { status: 429, message: 'too many requests: try again later' },
  API_ERR_INTERNAL: { status: 500, message: 'internal error' },
  API_ERR_UNAVAILABLE: { status: 503, message: 'not available right now: try again' },
} as const;
export type ApiErrorCode = keyof typeof apiErrors;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    detail?: string,
    readonly details?: unknown,
    /** Headers the answer carries (Retry-After on a 429). */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(detail ?? apiErrors[code].message);
    this.status = apiErrors[code].status;
  }
}

/** Turns any failure into `{ error: { code, message, details? } }` with the right status. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const e = err instanceof ApiError ? err : fromFastify(err as { statusCode?: number; code?: string; message: string });
    if (e.status >= 500) req.log.error({ err }, 'API request failed');
    if (e.headers) reply.headers(e.headers);
    return reply.code(e.status).send({ error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } });
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send({ error: { code: 'API_ERR_NOT_FOUND', message: apiErrors.API_ERR_NOT_FOUND.message } }),
  );
}

function fromFastify(err: { statusCode?: number; code?: string; message: string }): ApiError {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError('API_ERR_BODY_TOO_LARGE');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new ApiError('API_ERR_VALIDATION', err.message);
  return new ApiError('API_ERR_INTERNAL');
}
