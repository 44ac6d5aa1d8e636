/**
 * The customer's rights and the company's duties under the GDPR (the CNIL's guidance for customer
 * and prospect files): everything held on a customer as one JSON document, erasure on request
 * (interactions kept, anonymised, for statistics), and retention periods enforced by a purge.
 */
import type pg from 'pg';
import type { CustomerStore } from './store.ts';

export interface Retention {
  /** Interactions older than this are deleted; customers not seen for this long are erased. */
  interactionsDays: number;
  /** Provisional records (known only by a number or an email) not seen for this long are erased. */
  provisionalDays: number;
}

export interface PurgeResult {
  interactions: number;
  customers: number;
  /** What the erased customers were known by, for the cache. */
  erased: { phones: string[]; emails: string[] }[];
}

const DAY_MS = 86_400_000;

export class Privacy {
  constructor(
    private readonly db: pg.Pool,
    private readonly store: CustomerStore,
  ) {}

  /** Everything Relais holds on the customer (right of access and portability); null if unknown. */
  async export(id: string): Promise<Record<string, unknown> | null> {
    const customer = await this.store.get(id);
    if (!customer) return null;
    const q = async (sql: string, params: unknown[]) => (await this.db.query(sql, params)).rows;
    const ids = (await q('select id from customers where id = $1 or merged_into = $1', [customer.id])).map((r) => r.id as string);
    return {
      exportedAt: new Date().toISOString(),
      customer,
      identities: await q('select kind, value, source, created_at from customer_identities where customer_id = $1 order by created_at', [
        customer.id,
      ]),
      interactions: await q(
        `select id, channel, direction, contact, team, agent, started_at, answered_at, ended_at, outcome, links
         from interactions where customer_id = any($1) order by started_at`,
        [ids],
      ),
      notes: await q('select author, body, created_at from customer_notes where customer_id = any($1) order by created_at', [ids]),
      conversations: await q(
        `select c.id, c.site, c.team, c.status, c.visitor_name, c.visitor_email, c.agent_name, c.rating, c.created_at, c.ended_at,
           coalesce((select json_agg(json_build_object('from', m.sender, 'author', m.author, 'text', m.body, 'at', m.at) order by m.seq)
             from chat_messages m where m.conversation_id = c.id), '[]') as messages
         from conversations c where c.customer_id = any($1) or lower(c.visitor_email) = any($2) order by c.created_at`,
        [ids, customer.emails],
      ),
      callbacks: await q(
        `select number, team, name, email, source, status, due_at, attempts, last_outcome, created_at
         from callbacks where number = any($1) or lower(email) = any($2) order by created_at`,
        [customer.phones, customer.emails],
      ),
    };
  }

  /**
   * Erases the customer (right to erasure): identities, notes, names and contact details go;
   * interactions stay, unlinked and without the number or email, so statistics still add up.
   * `beforeErase` cancels what is still open for them (callbacks). Returns what it erased.
   */
  async erase(
    id: string,
    beforeErase: (c: { phones: string[]; emails: string[] }) => Promise<void> = async () => undefined,
  ): Promise<{ phones: string[]; emails: string[] } | null> {
    const customer = await this.store.get(id);
    if (!customer) return null;
    await beforeErase(customer);
    await this.store.transaction(async (db) => {
      const ids = (await db.query<{ id: string }>('select id from customers where id = $1 or merged_into = $1', [customer.id])).rows.map(
        (r) => r.id,
      );
      await anonymise(db, ids, customer.phones, customer.emails);
    });
    return { phones: customer.phones, emails: customer.emails };
  }

  /** Applies the retention periods at `now`. Safe to run from several processes. */
  async purge(now: Date, r: Retention): Promise<PurgeResult> {
    const interactionsBefore = new Date(now.getTime() - r.interactionsDays * DAY_MS);
    const provisionalBefore = new Date(now.getTime() - r.provisionalDays * DAY_MS);
    const deleted = await this.db.query('delete from interactions where started_at < $1', [interactionsBefore]);
    const stale = await this.db.query<{ id: string; phones: string[]; emails: string[] }>(
      `select c.id,
         coalesce(array_agg(i.value) filter (where i.kind = 'phone'), '{}') as phones,
         coalesce(array_agg(i.value) filter (where i.kind = 'email'), '{}') as emails
       from customers c left join customer_identities i on i.customer_id = c.id
       where c.erased_at is null and c.merged_into is null
         and (c.last_seen_at < $1 or (c.provisional and c.last_seen_at < $2))
       group by c.id`,
      [interactionsBefore, provisionalBefore],
    );
    for (const c of stale.rows) {
      await this.store.transaction(async (db) => {
        const ids = (await db.query<{ id: string }>('select id from customers where id = $1 or merged_into = $1', [c.id])).rows.map(
          (x) => x.id,
        );
        await anonymise(db, ids, c.phones, c.emails);
      });
    }
    return { interactions: deleted.rowCount ?? 0, customers: stale.rowCount ?? 0, erased: stale.rows };
  }
}

async function anonymise(db: pg.PoolClient, ids: string[], phones: string[], emails: string[]): Promise<void> {
  await db.query('delete from customer_identities where customer_id = any($1)', [ids]);
  await db.query('delete from customer_notes where customer_id = any($1)', [ids]);
  await db.query('update interactions set customer_id = null, contact = null where customer_id = any($1) or contact = any($2)', [
    ids,
    [...phones, ...emails],
  ]);
  // Open callbacks were cancelled through the callback service first (erase's caller): only
  // finished ones are left to strip.
  await db.query(
    `update callbacks set number = 'erased', name = null, email = null, updated_at = now()
     where (number = any($1) or lower(email) = any($2)) and status not in ('scheduled', 'queued', 'calling')`,
    [phones, emails],
  );
  // Chats: what was written is personal data; the conversations stay, empty, for statistics.
  const chats = `select id from conversations where customer_id = any($1) or lower(visitor_email) = any($2)`;
  await db.query(`update chat_messages set body = '', author = null where conversation_id in (${chats})`, [ids, emails]);
  await db.query(`delete from chat_attachments where conversation_id in (${chats})`, [ids, emails]);
  await db.query(
    `update conversations set visitor_name = null, visitor_email = null, page = null, customer_id = null where id in (${chats})`,
    [ids, emails],
  );
  await db.query(
    `update customers set name = null, company = null, tier = 'basic', erased_at = now(), updated_at = now() where id = any($1)`,
    [ids],
  );
}
