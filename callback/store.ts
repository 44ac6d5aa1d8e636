/** Callbacks in PostgreSQL: the record of truth, shown to agents (db/migrations/002_callbacks.sql). */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Priority } from '../routing/model.ts';

export const callbackSources = ['phone-queue', 'phone-no-agent', 'phone-closed', 'web'] as const;
export type CallbackSource = (typeof callbackSources)[number];
export type CallbackStatus = 'scheduled' | 'queued' | 'calling' | 'done' | 'failed' | 'cancelled';
export const OPEN_STATUSES: readonly CallbackStatus[] = ['scheduled', 'queued', 'calling'];

/** How an attempt ended: the customer answered, or why not. */
export type AttemptOutcome = 'answered' | 'no-answer' | 'busy' | 'failed' | 'agent-hung-up' | 'interrupted';

export interface Callback {
  id: string;
  /** E.164. */
  number: string;
  team: string;
  name: string | null;
  email: string | null;
  source: CallbackSource;
  priority: Priority;
  status: CallbackStatus;
  /** Its place in the queue (epoch ms). */
  place: number;
  /** Not before (epoch ms). */
  dueAt: number;
  attempts: number;
  maxAttempts: number;
  lastOutcome: AttemptOutcome | null;
  agent: string | null;
  interactionId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewCallback {
  number: string;
  team: string;
  name?: string;
  email?: string;
  source: CallbackSource;
  priority: Priority;
  place: number;
  dueAt: number;
  maxAttempts: number;
}

type Patch = Partial<Pick<Callback, 'status' | 'dueAt' | 'attempts' | 'maxAttempts' | 'lastOutcome' | 'agent' | 'interactionId'>>;

const COLUMNS: Record<keyof Patch, string> = {
  status: 'status',
  dueAt: 'due_at',
  attempts: 'attempts',
  maxAttempts: 'max_attempts',
  lastOutcome: 'last_outcome',
  agent: 'agent',
  interactionId: 'interaction_id',
};

export class CallbackStore {
  constructor(private readonly db: pg.Pool) {}

  /**
   * Records a callback, or merges it into the open one for the same number and team: the merged
   * callback keeps the earliest place and due time, and learns a name or email it lacked.
   */
  async createOrMerge(c: NewCallback, now: number): Promise<{ callback: Callback; merged: boolean }> {
    for (;;) {
      const inserted = await this.db.query(
        `insert into callbacks (id, number, team, name, email, source, priority, status, place, due_at, max_attempts, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, 'scheduled', to_timestamp($8 / 1000.0), to_timestamp($9 / 1000.0), $10,
                 to_timestamp($11 / 1000.0), to_timestamp($11 / 1000.0))
         on conflict (number, team) where status in ('scheduled', 'queued', 'calling') do nothing
         returning *`,
        [randomUUID(), c.number, c.team, c.name ?? null, c.email ?? null, c.source, c.priority, c.place, c.dueAt, c.maxAttempts, now],
      );
      if (inserted.rows[0]) return { callback: fromRow(inserted.rows[0]), merged: false };
      const merged = await this.db.query(
        `update callbacks set
           place = least(place, to_timestamp($3 / 1000.0)),
           due_at = case when status = 'scheduled' then least(due_at, to_timestamp($4 / 1000.0)) else due_at end,
           name = coalesce(name, $5), email = coalesce(email, $6),
           priority = case when $7 = 'premium' then 'premium' else priority end,
           updated_at = to_timestamp($8 / 1000.0)
         where number = $1 and team = $2 and status in ('scheduled', 'queued', 'calling')
         returning *`,
        [c.number, c.team, c.place, c.dueAt, c.name ?? null, c.email ?? null, c.priority, now],
      );
      // The open one may have closed between the two statements: then insert again.
      if (merged.rows[0]) return { callback: fromRow(merged.rows[0]), merged: true };
    }
  }

  async get(id: string): Promise<Callback | undefined> {
    const { rows } = await this.db.query('select * from callbacks where id = $1', [id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Newest first. */
  async list(filter: { statuses?: readonly CallbackStatus[]; team?: string; limit: number }): Promise<Callback[]> {
    const { rows } = await this.db.query(
      `select * from callbacks
        where ($1::text[] is null or status = any($1)) and ($2::text is null or team = $2)
        order by created_at desc limit $3`,
      [filter.statuses ?? null, filter.team ?? null, filter.limit],
    );
    return rows.map(fromRow);
  }

  /**
   * Changes a callback if it is still in one of `from` (a guard against two processes, or a late
   * event, moving it twice). Undefined when it was not.
   */
  async update(id: string, from: readonly CallbackStatus[], patch: Patch, now: number): Promise<Callback | undefined> {
    const sets: string[] = [];
    const values: unknown[] = [id, from];
    for (const [key, value] of Object.entries(patch) as [keyof Patch, unknown][]) {
      values.push(value);
      sets.push(key === 'dueAt' ? `due_at = to_timestamp($${values.length} / 1000.0)` : `${COLUMNS[key]} = $${values.length}`);
    }
    values.push(now);
    sets.push(`updated_at = to_timestamp($${values.length} / 1000.0)`);
    const { rows } = await this.db.query(`update callbacks set ${sets.join(', ')} where id = $1 and status = any($2) returning *`, values);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }
}

function fromRow(r: Record<string, any>): Callback {
  const ms = (d: Date | null) => (d ? d.getTime() : 0);
  return {
    id: r.id,
    number: r.number,
    team: r.team,
    name: r.name,
    email: r.email,
    source: r.source,
    priority: r.priority,
    status: r.status,
    place: ms(r.place),
    dueAt: ms(r.due_at),
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lastOutcome: r.last_outcome,
    agent: r.agent,
    interactionId: r.interaction_id,
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at),
  };
}
