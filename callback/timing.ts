/**
 * When a callback is placed, as plain functions: never outside business hours, never before the
 * customer's preferred time, and retries spaced further and further apart.
 */
import { nextOpening, type BusinessHours } from '../routing/hours.ts';

/** The first call: now, or the preferred time, moved to the next opening if the company is closed then. */
export function firstDue(hours: BusinessHours, now: number, preferredAt?: number): number | null {
  return withinHours(hours, Math.max(now, preferredAt ?? 0));
}

/**
 * After `attempts` unanswered calls: `retryAfterSeconds` after the first, twice as long after the
 * second, and so on; within business hours.
 */
export function retryDue(hours: BusinessHours, now: number, attempts: number, retryAfterSeconds: number): number | null {
  return withinHours(hours, now + retryAfterSeconds * 1000 * 2 ** Math.max(0, attempts - 1));
}

function withinHours(hours: BusinessHours, at: number): number | null {
  return nextOpening(hours, new Date(at))?.getTime() ?? null;
}
