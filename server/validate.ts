/** Request bodies and queries are parsed once, where they enter, into typed values. */
import type { z } from 'zod';
import { ApiError } from './api-errors.ts';

export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new ApiError(
    'API_ERR_VALIDATION',
    undefined,
    r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  );
}
