/** Console password hashes: scrypt's parameters, the self-describing format, verification and rehashing. */
import { describe, expect, it } from 'vitest';
import {
  decode,
  hashPassword,
  maxmemFor,
  MIN_PASSWORD_LENGTH,
  PasswordHashBusy,
  SCRYPT,
  verifyPassword,
} from '../../server/auth/passwords.ts';

const B64 = '[A-Za-z0-9+/]+={0,2}';

describe('the hash', () => {
  it('uses memory-hard parameters: 32 MiB (N=2^15, r=8), p=3, a 16-byte salt and a 32-byte key', () => {
    expect(SCRYPT).toEqual({ N: 32768, r: 8, p: 3, saltBytes: 16, keyBytes: 32 });
    expect(128 * SCRYPT.N * SCRYPT.r).toBe(32 * 2 ** 20);
    // Node refuses anything above 32 MiB by default: the limit must cover what scrypt needs.
    expect(maxmemFor(SCRYPT)).toBeGreaterThan(32 * 2 ** 20);
    expect(MIN_PASSWORD_LENGTH).toBe(12);
  });

  it('names its parameters: scrypt$N$r$p$salt$key in base64', async () => {
    const h = await hashPassword('correct horse battery');
    expect(h).toMatch(new RegExp(`^scrypt\\$32768\\$8\\$3\\$${B64}\\$${B64}$`));
    const d = decode(h)!;
    expect(d).toMatchObject({ N: 32768, r: 8, p: 3 });
    expect(d.salt).toHaveLength(16);
    expect(d.key).toHaveLength(32);
    expect(h).not.toContain('correct horse battery');
  });

  it('is salted: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('correct horse battery'), hashPassword('correct horse battery')]);
    expect(a).not.toBe(b);
  });
});

describe('verification', () => {
  it('accepts the password and refuses any other, without asking for a rehash', async () => {
    const h = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', h)).toEqual({ ok: true, rehash: false });
    expect(await verifyPassword('correct horse batterY', h)).toEqual({ ok: false, rehash: false });
    expect(await verifyPassword('', h)).toEqual({ ok: false, rehash: false });
  });

  it('matches a password however its accents were composed (NFC)', async () => {
    const h = await hashPassword('mot de passe caf\u00e9');
    expect((await verifyPassword('mot de passe cafe\u0301', h)).ok).toBe(true);
  });

  it('verifies a hash made with older parameters and asks for a rehash (only when right)', async () => {
    const old = await hashPassword('correct horse battery', { N: 2 ** 14, r: 8, p: 1 });
    expect(old).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', old)).toEqual({ ok: true, rehash: true });
    expect(await verifyPassword('wrong horse battery', old)).toEqual({ ok: false, rehash: false });
  });

  it.each([
    ['empty', ''],
    ['another scheme', '$2b$12$abcdefghijklmnopqrstuu'],
    ['missing key', 'scrypt$32768$8$3$c2FsdHNhbHRzYWx0c2FsdA=='],
    ['N not a power of two', `scrypt$30000$8$3$c2FsdHNhbHRzYWx0c2FsdA==$${'A'.repeat(43)}=`],
    // A tampered row must not make one login take gigabytes.
    ['N far too large', `scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0c2FsdA==$${'A'.repeat(43)}=`],
    ['a short key', 'scrypt$32768$8$3$c2FsdHNhbHRzYWx0c2FsdA==$AAAA'],
  ])('treats a hash that is %s as a wrong password, without throwing', async (_, h) => {
    expect(await verifyPassword('correct horse battery', h)).toEqual({ ok: false, rehash: false });
  });

  it('queues hashes and refuses a flood beyond the queue (PasswordHashBusy), then works again', async () => {
    const cheap = { N: 2 ** 10, r: 1, p: 1 };
    const results = await Promise.allSettled(Array.from({ length: 80 }, () => hashPassword('flood flood flood', cheap)));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => (r as PromiseRejectedResult).reason instanceof PasswordHashBusy)).toBe(true);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(64);
    expect(await hashPassword('after the flood', cheap)).toMatch(/^scrypt\$1024\$1\$1\$/);
  });
});
