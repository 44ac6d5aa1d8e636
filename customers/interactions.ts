/**
 * What a customer did with the company, on any channel, as channels report it: an interaction
 * begins (a call arrives, a callback is placed, a chat opens), is answered by an agent of a team,
 * and ends with an outcome. Writes are idempotent, so a channel adopting its calls after a
 * restart may report them again. The timeline merges interactions and staff notes.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/** The channels an interaction comes from (the routing core's channels, spelt here: records depend on no room). */
export const interactionChannels = ['call', 'chat', 'video', 'callback'] as const;
export type Channel = (typeof interactionChannels)[number];

export interface InteractionStart {
  id: string;
  channel: Channel;
  direction: 'inbound' | 'outbound';
  /** The number (E.164) or email used. */
  contact: string | null;
  customerId: string | null;
  at: Date;
  team?: string;
}

export interface InteractionChange {
  customerId?: string;
  team?: string;
  agent?: string;
  answeredAt?: Date;
  /** Recordings, transcripts, tickets. */
  links?: Record<string, string>;
}

export interface TimelineEntry {
  kind: 'interaction' | 'note';
  at: string;
  id: string;
  channel?: Channel;
  direction?: 'inbound' | 'outbound';
  contact?: string | null;
  team?: string | null;
  agent?: string | null;
  answeredAt?: string | null;
  endedAt?: string | null;
  outcome?: string | null;
  /** The agent's word on how it ended, when they gave one. */
  disposition?: string;
  links?: Record<string, string>;
  author?: string;
  body?: string;
}

export class InteractionLog {
  constructor(private readonly db: pg.Pool) {}

  async begin(s: InteractionStart): Promise<void> {
    // One statement (one round trip, one commit): the interaction and the customer's last visit.
    await this.db.query(
      `with i as (insert into interactions (id, customer_id, channel, direction, contact, team, started_at)
         values ($1, $2, $3, $4, $5, $6, $7) on conflict (id) do nothing)
       update customers set last_seen_at = greatest(last_seen_at, $7) where id = $2`,
      [s.id, s.customerId, s.channel, s.direction, s.contact, s.team ?? null, s.at],
    );
  }

  async change(id: string, c: InteractionChange): Promise<void> {
    await this.db.query(
      `update interactions set customer_id = coalesce($2, customer_id), team = coalesce($3, team), agent = coalesce($4, agent),
         answered_at = coalesce(answered_at, $5), links = links || $6::jsonb where id = $1`,
      [id, c.customerId ?? null, c.team ?? null, c.agent ?? null, c.answeredAt ?? null, JSON.stringify(c.links ?? {})],
    );
    if (c.customerId) await this.seen(c.customerId, new Date());
  }

  /** The first end reported wins (a restart may report it twice). */
  /** `disposition`: how it ended in the agent's words ("Résolu"), when they said. */
  async end(id: string, outcome: string, at: Date, disposition?: string): Promise<void> {
    await this.db.query('update interactions set ended_at = $2, outcome = $3, disposition = $4 where id = $1 and ended_at is null', [
      id,
      at,
      outcome,
      disposition ?? null,
    ]);
  }

  /** Links an interaction begun before its customer was known (the shop answered late). */
  async attachContact(contact: string, customerId: string, since: Date): Promise<void> {
    await this.db.query('update interactions set customer_id = $2 where contact = $1 and customer_id is null and started_at >= $3', [
      contact,
      customerId,
      since,
    ]);
  }

  async addNote(customerId: string, author: string, body: string): Promise<TimelineEntry> {
    const id = randomUUID();
    const { rows } = await this.db.query<{ created_at: Date }>(
      'insert into customer_notes (id, customer_id, author, body) values ($1, $2, $3, $4) returning created_at',
      [id, customerId, author, body],
    );
    return { kind: 'note', id, at: rows[0]!.created_at.toISOString(), author, body };
  }

  /** Every interaction and note of a customer, oldest first. */
  async timeline(customerId: string, limit = 500): Promise<TimelineEntry[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `select * from (
         select 'interaction' as kind, id, started_at as at, channel, direction, contact, team, agent, answered_at, ended_at,
           outcome, disposition, links, null as author, null as body from interactions where customer_id = $1
         union all
         select 'note', id::text, created_at, null, null, null, null, null, null, null, null, null, null, author, body
           from customer_notes where customer_id = $1
         order by at desc, id limit $2) t order by at, id`,
      [customerId, limit],
    );
    return rows.map((r) => {
      const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
      if (r.kind === 'note') return { kind: 'note', id: String(r.id), at: iso(r.at)!, author: String(r.author), body: String(r.body) };
      return {
        kind: 'interaction',
        id: String(r.id),
        at: iso(r.at)!,
        channel: r.channel as Channel,
        direction: r.direction as 'inbound' | 'outbound',
        contact: r.contact as string | null,
        team: r.team as string | null,
        agent: r.agent as string | null,
        answeredAt: iso(r.answered_at),
        endedAt: iso(r.ended_at),
        outcome: r.outcome as string | null,
        ...(r.disposition ? { disposition: String(r.disposition) } : {}),
        links: r.links as Record<string, string>,
      };
    });
  }

  private async seen(customerId: string, at: Date): Promise<void> {
    await this.db.query('update customers set last_seen_at = greatest(last_seen_at, $2) where id = $1', [customerId, at]);
  }
}
