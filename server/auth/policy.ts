/** How long staff sessions last and when logins are locked: the numbers, in one place. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const SESSION = {
  /** A session nobody used for this long ends (sliding: each use extends it). A shift, with margin. */
  idleMs: 12 * HOUR,
  /** A session ends this long after login, used or not: a stolen cookie is worth a week at most. */
  absoluteMs: 7 * 24 * HOUR,
  /** "Last seen" is written at most this often per session, not on every request. */
  touchEveryMs: MINUTE,
} as const;

export const LOCKOUT = {
  /** Wrong passwords for one staff id (known or not) within `windowMs` that lock it... */
  accountFailures: 5,
  /** ...and wrong passwords from one address (any ids) within `windowMs` that lock that address. */
  addressFailures: 20,
  windowMs: 15 * MINUTE,
  /** How long a lock lasts. */
  lockMs: 15 * MINUTE,
} as const;
