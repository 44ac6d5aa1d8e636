/**
 * Staff console passwords in PostgreSQL, as scrypt hashes. The configuration gives each person a
 * first password (a secret); a person who chooses their own keeps it whatever the configuration
 * says later. Writes that follow a read are conditional on what was read, so two Relais processes
 * starting together, or a person changing their password meanwhile, never lose a change.
 */
import type pg from 'pg';
import { hashPassword, verifyPassword } from './passwords.ts';

export type CredentialSource = 'config' | 'user';

export interface Credential {
  staffId: string;
  hash: string;
  source: CredentialSource;
  changedAt: Date;
}

interface Row {
  staff_id: string;
  password_hash: string;
  source: CredentialSource;
  changed_at: Date;
}
const credential = (r: Row): Credential => ({ staffId: r.staff_id, hash: r.password_hash, source: r.source, changedAt: r.changed_at });

export class CredentialStore {
  constructor(private readonly db: pg.Pool) {}

  async get(staffId: string): Promise<Credential | undefined> {
    const { rows } = await this.db.query<Row>('select * from staff_credentials where staff_id = $1', [staffId]);
    return rows[0] && credential(rows[0]);
  }

  async list(): Promise<Credential[]> {
    return (await this.db.query<Row>('select * from staff_credentials order by staff_id')).rows.map(credential);
  }

  /** Stores a first hash; false when one exists already (another process was first). */
  async create(staffId: string, hash: string, source: CredentialSource): Promise<boolean> {
    const r = await this.db.query(
      'insert into staff_credentials (staff_id, password_hash, source) values ($1, $2, $3) on conflict (staff_id) do nothing',
      [staffId, hash, source],
    );
    return r.rowCount === 1;
  }

  /** Stores a hash whatever was there (a person setting their own password). */
  async set(staffId: string, hash: string, source: CredentialSource): Promise<void> {
    await this.db.query(
      `insert into staff_credentials (staff_id, password_hash, source) values ($1, $2, $3)
       on conflict (staff_id) do update set password_hash = $2, source = $3, changed_at = now()`,
      [staffId, hash, source],
    );
  }

  /** Replaces the hash if it is still `expected`; false when it changed meanwhile. */
  async replace(staffId: string, expected: string, hash: string, source: CredentialSource): Promise<boolean> {
    const r = await this.db.query(
      'update staff_credentials set password_hash = $3, source = $4, changed_at = now() where staff_id = $1 and password_hash = $2',
      [staffId, expected, hash, source],
    );
    return r.rowCount === 1;
  }

  /** Removes the hash (if it is still `expected`, when given). */
  async remove(staffId: string, expected?: string): Promise<boolean> {
    const r = expected
      ? await this.db.query('delete from staff_credentials where staff_id = $1 and password_hash = $2', [staffId, expected])
      : await this.db.query('delete from staff_credentials where staff_id = $1', [staffId]);
    return r.rowCount === 1;
  }
}

export type SyncOutcome = 'stored' | 'rotated' | 'rehashed' | 'removed' | 'kept';

/**
 * Brings one person's stored password in line with the configuration: a configured password with
 * nothing stored is stored; one stored from the configuration follows it (a new secret replaces
 * it, a removed one removes it); one the person chose is kept.
 */
export async function syncConfiguredPassword(
  store: CredentialStore,
  staffId: string,
  configured: string | undefined,
): Promise<SyncOutcome> {
  const stored = await store.get(staffId);
  if (!stored) {
    if (!configured) return 'kept';
    return (await store.create(staffId, await hashPassword(configured), 'config')) ? 'stored' : 'kept';
  }
  if (stored.source === 'user') return 'kept';
  if (!configured) return (await store.remove(staffId, stored.hash)) ? 'removed' : 'kept';
  // Verifying costs one hash per person at start; storing a fast fingerprint of the secret instead
  // would hand an attacker who reads the table a cheap way around scrypt.
  const v = await verifyPassword(configured, stored.hash);
  if (v.ok && !v.rehash) return 'kept';
  const replaced = await store.replace(staffId, stored.hash, await hashPassword(configured), 'config');
  return replaced ? (v.ok ? 'rehashed' : 'rotated') : 'kept';
}

/** Every configured staff member at once; returns the ids per outcome, for one log line. */
export async function syncConfiguredPasswords(
  store: CredentialStore,
  staff: Readonly<Record<string, { readonly password?: string }>>,
): Promise<Partial<Record<SyncOutcome, string[]>>> {
  const outcomes = await Promise.all(
    Object.entries(staff).map(async ([id, s]) => [id, await syncConfiguredPassword(store, id, s.password)] as const),
  );
  const by: Partial<Record<SyncOutcome, string[]>> = {};
  for (const [id, o] of outcomes) if (o !== 'kept') (by[o] ??= []).push(id);
  return by;
}
