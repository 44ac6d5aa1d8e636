/** The building blocks of the configuration's schema: secrets, ids, times, ports, addresses. */
import { z } from 'zod';

/** A secret is never written in the file: it names an environment variable or a file outside the repo. */
export const secretRef = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name in capitals') }),
  z.strictObject({ file: z.string().startsWith('/', 'an absolute path') }),
]);
export type SecretRef = z.infer<typeof secretRef>;

/** Looks a secret up; a problem is reported at the field's path, like any other bad field. */
export type SecretResolver = (ref: SecretRef) => { value: string } | { problem: string };

/** Marks issues that are missing secrets rather than bad fields (a different error code). */
export const SECRET_ISSUE = 'secret';

/**
 * Secrets are resolved during the parse, where the schema knows a field is a secret: guessing
 * from an object's shape would take a team called "env" for one.
 */
export const secret = (resolve: SecretResolver) =>
  secretRef.transform((ref, ctx) => {
    const r = resolve(ref);
    if ('value' in r) return r.value;
    ctx.addIssue({ code: 'custom', message: r.problem, params: { kind: SECRET_ISSUE } });
    return z.NEVER;
  });

export const id = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'lower-case letters, digits and dashes, starting with a letter');
export const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
export const hhmm = z.string().regex(HHMM, 'a time as HH:MM');
export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
export const port = z.number().int().min(1).max(65535);
export const seconds = (max: number) => z.number().positive().max(max);
export const wholeSeconds = (max: number) => z.number().int().positive().max(max);

export const ipOrCidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$|^[0-9a-fA-F:]+(\/\d{1,3})?$/, 'an IP address or a CIDR block');

export function isOrigin(u: string): boolean {
  try {
    return new URL(u).origin === u.replace(/\/$/, '');
  } catch {
    return false;
  }
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
