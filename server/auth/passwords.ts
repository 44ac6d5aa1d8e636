/**
 * Console passwords, hashed with scrypt (memory-hard, in node:crypto: no native dependency).
 * A hash names its own parameters, `scrypt$N$r$p$salt$key` (salt and key in base64), so stronger
 * parameters later still verify old hashes, which are then rehashed at the next login.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { MIN_PASSWORD_LENGTH } from '../../config/schema.ts';

/**
 * The cost of one hash. N=2^15, r=8 holds 32 MiB; p=3 runs it three times over, which is OWASP's
 * equivalent of its N=2^17, p=1 minimum at a quarter of the memory (several logins at once must not
 * take a small server's memory). Measured here: about 190 ms of one core (p=1: 75 ms).
 */
export const SCRYPT = { N: 2 ** 15, r: 8, p: 3, saltBytes: 16, keyBytes: 32 } as const;
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export { MIN_PASSWORD_LENGTH };
/** Longer inputs are refused before hashing: nobody types more, and it bounds the work. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * Hashes running at once in this process. Each holds 32 MiB and one of libuv's 4 threads, which
 * file reads and DNS share: a burst of logins waits its turn instead of starving them.
 */
const PARALLEL_HASHES = 2;
/** Logins waiting for a hash beyond this are refused (PasswordHashBusy) rather than queued forever. */
const MAX_WAITING_HASHES = 64;

/** Too many hashes are waiting: the caller should answer "try again later". */
export class PasswordHashBusy extends Error {
  override readonly name = 'PasswordHashBusy';
}

export async function hashPassword(password: string, params: ScryptParams = SCRYPT): Promise<string> {
  const salt = randomBytes(SCRYPT.saltBytes);
  const key = await derive(password, salt, SCRYPT.keyBytes, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export interface Verdict {
  ok: boolean;
  /** The password was right but the hash uses other parameters than SCRYPT: store a new one. */
  rehash: boolean;
}

/** Compares in constant time; an unreadable or absurd hash is a wrong password, never an exception. */
export async function verifyPassword(password: string, encoded: string): Promise<Verdict> {
  const h = decode(encoded);
  if (!h) return { ok: false, rehash: false };
  const key = await derive(password, h.salt, h.key.length, h);
  const ok = timingSafeEqual(key, h.key);
  const current = h.N === SCRYPT.N && h.r === SCRYPT.r && h.p === SCRYPT.p && h.salt.length === SCRYPT.saltBytes;
  return { ok, rehash: ok && (!current || h.key.length !== SCRYPT.keyBytes) };
}

/** What a hash says about itself, or undefined when it is not one of ours within sane bounds. */
export function decode(encoded: string): (ScryptParams & { salt: Buffer; key: Buffer }) | undefined {
  const m = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/.exec(encoded);
  if (!m) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = Buffer.from(m[4]!, 'base64');
  const key = Buffer.from(m[5]!, 'base64');
  // A stored hash must not make one login take a gigabyte: bounds around any sensible setting.
  const sane =
    N >= 2 ** 10 && N <= 2 ** 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && salt.length >= 8 && key.length >= 16;
  return sane && key.length <= 64 && salt.length <= 64 ? { N, r, p, salt, key } : undefined;
}

/** scrypt needs 128·N·r bytes (plus a little per p); Node's default limit (32 MiB) is just too small for N=2^15, r=8. */
export const maxmemFor = ({ N, r, p }: ScryptParams) => 128 * r * (N + p + 2) + 1024 * 1024;

// Normalised so the same password typed on another keyboard or system (é composed or not) matches.
const derive = (password: string, salt: Buffer, keyBytes: number, params: ScryptParams) =>
  limited(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        const opts: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: maxmemFor(params) };
        scrypt(password.normalize('NFC'), salt, keyBytes, opts, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );

let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL_HASHES) {
    if (waiting.length >= MAX_WAITING_HASHES) throw new PasswordHashBusy('too many password checks at once');
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else running++;
  try {
    return await work();
  } finally {
    // The slot passes directly to the next waiter, so `running` never drops below the real count.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}
