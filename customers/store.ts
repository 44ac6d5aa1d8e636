/**
 * The customer record in PostgreSQL (migration 003_customers.sql): customers, the identities they
 * are recognised by, and merges. Interactions and notes are in interactions.ts, the GDPR side in
 * privacy.ts. A merged-away id keeps resolving to its survivor.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { higherTier, mergeDecision, type Tier } from './merge.ts';

export const identityKinds = ['phone', 'email', 'shop', 'helpdesk'] as const;
export type IdentityKind = (typeof identityKinds)[number];

export interface Identity {
  kind: IdentityKind;
  value: string;
}

export interface Customer {
  id: string;
  name: string | null;
  company: string | null;
  tier: Tier;
  /** Known only by how they reached us, not matched with the shop. */
  provisional: boolean;
  phones: string[];
  emails: string[];
  shopId: string | null;
  createdAt: string;
  lastSeenAt: string;
}

/** What the shop (or staff) tell us about a customer. */
export interface Profile {
  name?: string | null;
  company?: string | null;
  tier?: Tier;
}

type Db = pg.Pool | pg.PoolClient;

const SELECT = `select c.id, c.name, c.company, c.tier, c.provisional, c.created_at, c.last_seen_at,
    coalesce(array_agg(i.value order by i.created_at) filter (where i.kind = 'phone'), '{}') as phones,
    coalesce(array_agg(i.value order by i.created_at) filter (where i.kind = 'email'), '{}') as emails,
    min(i.value) filter (where i.kind = 'shop') as shop_id
  from customers c left join customer_identities i on i.customer_id = c.id`;

interface Row {
  id: string;
  name: string | null;
  company: string | null;
  tier: Tier;
  provisional: boolean;
  created_at: Date;
  last_seen_at: Date;
  phones: string[];
  emails: string[];
  shop_id: string | null;
}

const toCustomer = (r: Row): Customer => ({
  id: r.id,
  name: r.name,
  company: r.company,
  tier: r.tier,
  provisional: r.provisional,
  phones: r.phones,
  emails: r.emails,
  shopId: r.shop_id,
  createdAt: r.created_at.toISOString(),
  lastSeenAt: r.last_seen_at.toISOString(),
});

/** Identities as stored: emails in lower case. */
export function normaliseIdentity(i: Identity): Identity {
  return i.kind === 'email' ? { kind: 'email', value: i.value.trim().toLowerCase() } : i;
}

export class CustomerStore {
  constructor(private readonly db: pg.Pool) {}

  /** The live record an id names (following merges), or null (unknown, erased). */
  async get(id: string, db: Db = this.db): Promise<Customer | null> {
    const live = await this.resolve(id, db);
    if (!live) return null;
    const { rows } = await db.query<Row>(`${SELECT} where c.id = $1 and c.erased_at is null group by c.id`, [live]);
    return rows[0] ? toCustomer(rows[0]) : null;
  }

  /** Follows `merged_into` to the surviving record. */
  async resolve(id: string, db: Db = this.db): Promise<string | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const { rows } = await db.query<{ id: string }>(
      `with recursive chain(id, merged_into, depth) as (
         select id, merged_into, 0 from customers where id = $1
         union all select c.id, c.merged_into, chain.depth + 1 from customers c join chain on c.id = chain.merged_into where chain.depth < 20)
       select id from chain where merged_into is null limit 1`,
      [id],
    );
    return rows[0]?.id ?? null;
  }

  async findBy(identity: Identity, db: Db = this.db): Promise<Customer | null> {
    const { kind, value } = normaliseIdentity(identity);
    const { rows } = await db.query<{ customer_id: string }>('select customer_id from customer_identities where kind = $1 and value = $2', [
      kind,
      value,
    ]);
    return rows[0] ? this.get(rows[0].customer_id, db) : null;
  }

  /**
   * The record known by `identity`, or a new provisional one holding it. Safe against two
   * processes creating the same one at once (the identity's primary key decides). `known`: what
   * the caller's own findBy just answered, not asked again.
   */
  async findOrCreate(identity: Identity, source: string, profile: Profile = {}, known?: Customer | null): Promise<Customer> {
    const found = known === undefined ? await this.findBy(identity) : known;
    if (found) return found;
    const id = randomUUID();
    const { kind, value } = normaliseIdentity(identity);
    // One statement (one round trip, one commit): the record and its identity, or neither kept.
    const { rows } = await this.db.query<Row & { won: boolean }>(
      `with c as (insert into customers (id, name, company) values ($1, $2, $3) returning *),
         i as (insert into customer_identities (kind, value, customer_id, source) select $4, $5, c.id, $6 from c
               on conflict do nothing returning customer_id)
       select c.*, exists (select from i) as won from c`,
      [id, profile.name ?? null, profile.company ?? null, kind, value, source],
    );
    const created = rows[0]!;
    if (created.won)
      return toCustomer({
        ...created,
        phones: kind === 'phone' ? [value] : [],
        emails: kind === 'email' ? [value] : [],
        shop_id: kind === 'shop' ? value : null,
      });
    // Another process created it first: ours goes, theirs is the record.
    await this.db.query('delete from customers where id = $1', [id]);
    const customer = await this.findBy(identity);
    if (!customer) throw new Error(`customer for ${kind} vanished while being created`);
    return customer;
  }

  /**
   * Adds what was learnt about a customer: identities (an email from a chat, the shop account) and
   * profile facts. An identity another record holds means both are one customer: they are merged
   * (merge.ts decides which survives) unless they are two shop accounts. Returns the live record.
   */
  async learn(customerId: string, identities: Identity[], source: string, profile?: Profile & { provisional?: false }): Promise<Customer> {
    return this.transaction(async (db) => {
      let id = await this.resolve(customerId, db);
      if (!id) throw new Error(`no customer ${customerId}`);
      // One learner at a time per record: merges and identity moves stay consistent.
      await db.query('select id from customers where id = $1 for update', [id]);
      for (const identity of identities.map(normaliseIdentity)) {
        const { rows } = await db.query<{ customer_id: string }>(
          'select customer_id from customer_identities where kind = $1 and value = $2',
          [identity.kind, identity.value],
        );
        const owner = rows[0]?.customer_id;
        if (!owner) {
          await db.query('insert into customer_identities (kind, value, customer_id, source) values ($1, $2, $3, $4)', [
            identity.kind,
            identity.value,
            id,
            source,
          ]);
          continue;
        }
        const [mine, theirs] = await Promise.all([this.facts(id, db), this.facts(owner, db)]);
        const decision = mergeDecision(mine, theirs);
        if (decision.merge) id = await this.merge(decision.survivor, decision.absorbed, db);
      }
      if (profile) {
        await db.query(
          `update customers set name = coalesce($2, name), company = coalesce($3, company), tier = coalesce($4, tier),
             provisional = provisional and $5, updated_at = now() where id = $1`,
          [id, profile.name ?? null, profile.company ?? null, profile.tier ?? null, profile.provisional ?? true],
        );
      }
      const live = await this.get(id, db);
      if (!live) throw new Error(`customer ${id} vanished while learning`);
      return live;
    });
  }

  /** Name, email or phone (any format already normalised by the caller), best matches first. */
  async search(q: { text?: string; phone?: string; email?: string }, limit: number): Promise<Customer[]> {
    const { rows } = await this.db.query<Row>(
      `${SELECT} where c.merged_into is null and c.erased_at is null and (
         ($1::text is not null and (c.name ilike '%' || $1 || '%' or c.company ilike '%' || $1 || '%'))
         or exists (select from customer_identities x where x.customer_id = c.id and (
           (x.kind = 'phone' and x.value = $2) or (x.kind = 'email' and x.value = $3)
           or ($1::text is not null and x.kind = 'email' and x.value like '%' || lower($1) || '%'))))
       group by c.id order by c.last_seen_at desc limit $4`,
      [q.text ? escapeLike(q.text) : null, q.phone ?? null, q.email?.toLowerCase() ?? null, limit],
    );
    return rows.map(toCustomer);
  }

  /** Moves everything of `absorbed` to `survivor` and leaves a forwarding pointer; returns the survivor. */
  private async merge(survivor: string, absorbed: string, db: Db): Promise<string> {
    const { rows } = await db.query<{ tier: Tier; name: string | null; company: string | null; provisional: boolean }>(
      'select tier, name, company, provisional from customers where id = $1',
      [absorbed],
    );
    const gone = rows[0]!;
    const kept = (await db.query<{ tier: Tier }>('select tier from customers where id = $1 for update', [survivor])).rows[0]!;
    for (const table of ['customer_identities', 'interactions', 'customer_notes'])
      await db.query(`update ${table} set customer_id = $1 where customer_id = $2`, [survivor, absorbed]);
    await db.query(
      `update customers set name = coalesce(name, $2), company = coalesce(company, $3), tier = $4,
         provisional = provisional and $5, last_seen_at = greatest(last_seen_at, (select last_seen_at from customers where id = $6)),
         updated_at = now() where id = $1`,
      [survivor, gone.name, gone.company, higherTier(kept.tier, gone.tier), gone.provisional, absorbed],
    );
    await db.query('update customers set merged_into = $1, updated_at = now() where id = $2', [survivor, absorbed]);
    // Records merged into the absorbed one earlier now point straight at the survivor.
    await db.query('update customers set merged_into = $1 where merged_into = $2', [survivor, absorbed]);
    return survivor;
  }

  private async facts(id: string, db: Db) {
    const { rows } = await db.query<{ created_at: Date; shop_id: string | null }>(
      `select c.created_at, (select value from customer_identities where customer_id = c.id and kind = 'shop' limit 1) as shop_id
       from customers c where c.id = $1`,
      [id],
    );
    return { id, createdAt: rows[0]!.created_at.getTime(), shopId: rows[0]!.shop_id };
  }

  async transaction<T>(work: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.db.connect();
    try {
      await client.query('begin');
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

/** Makes `%` and `_` in user text match themselves in LIKE. */
function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
