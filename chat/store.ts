/**
 * Conversations and messages in PostgreSQL (migration 004_chat.sql). A message gets the next
 * sequence number of its conversation inside one transaction, so order is total per
 * conversation; a message whose id is already stored is returned as it was (a resend), never
 * stored twice.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ConversationStatus, ConversationView, MessageView } from './protocol.ts';

export interface Conversation {
  id: string;
  site: string;
  team: string;
  status: ConversationStatus;
  visitorName: string | null;
  visitorEmail: string | null;
  verified: boolean;
  page: string | null;
  customerId: string | null;
  agent: string | null;
  agentName: string | null;
  lastSeq: number;
  readByAgent: number;
  readByVisitor: number;
  createdAt: Date;
}

export interface NewConversation {
  site: string;
  team: string;
  visitorName: string | null;
  visitorEmail: string | null;
  verified: boolean;
  page: string | null;
  customerId: string | null;
}

const fromRow = (r: Record<string, any>): Conversation => ({
  id: r.id,
  site: r.site,
  team: r.team,
  status: r.status,
  visitorName: r.visitor_name,
  visitorEmail: r.visitor_email,
  verified: r.verified,
  page: r.page,
  customerId: r.customer_id,
  agent: r.agent,
  agentName: r.agent_name,
  lastSeq: r.last_seq,
  readByAgent: r.read_by_agent,
  readByVisitor: r.read_by_visitor,
  createdAt: r.created_at,
});

const messageOf = (r: Record<string, any>): MessageView => ({
  id: r.id,
  seq: r.seq,
  from: r.sender,
  author: r.author,
  text: r.body,
  attachment: r.attachment_id ? { id: r.attachment_id, name: r.a_name, type: r.a_type, size: r.a_size } : null,
  at: (r.at as Date).toISOString(),
});

/** Messages with their attachment's description (never its bytes). */
const MESSAGES = `select m.*, a.name as a_name, a.type as a_type, a.size as a_size
  from chat_messages m left join chat_attachments a on a.id = m.attachment_id`;

/** What the visitor and agents see of a conversation (position comes from the routing core). */
export function viewOf(c: Conversation, position: number | null = null): ConversationView {
  return {
    id: c.id,
    status: c.status,
    team: c.team,
    position: c.status === 'waiting' ? position : null,
    agent: c.agentName ? { name: c.agentName } : null,
    readByAgent: c.readByAgent,
    readByVisitor: c.readByVisitor,
  };
}

export class ChatStore {
  constructor(private readonly db: pg.Pool) {}

  async create(n: NewConversation): Promise<Conversation> {
    const { rows } = await this.db.query(
      `insert into conversations (id, site, team, status, visitor_name, visitor_email, verified, page, customer_id)
       values ($1, $2, $3, 'waiting', $4, $5, $6, $7, $8) returning *`,
      [randomUUID(), n.site, n.team, n.visitorName, n.visitorEmail, n.verified, n.page, n.customerId],
    );
    return fromRow(rows[0]!);
  }

  /** A message left while nobody could answer: a conversation born ended, holding it. */
  async createOffline(n: NewConversation, m: { id: string; text: string }): Promise<Conversation> {
    const id = randomUUID();
    const { rows } = await this.db.query(
      `with c as (
         insert into conversations (id, site, team, status, visitor_name, visitor_email, verified, page, customer_id, last_seq, ended_at)
         values ($1, $2, $3, 'ended', $4, $5, $6, $7, $8, 1, now()) returning *)
       insert into chat_messages (conversation_id, id, seq, sender, author, body)
         select c.id, $9, 1, 'visitor', c.visitor_name, $10 from c returning conversation_id`,
      [id, n.site, n.team, n.visitorName, n.visitorEmail, n.verified, n.page, n.customerId, m.id, m.text],
    );
    if (!rows[0]) throw new Error('offline message not stored');
    return (await this.get(id))!;
  }

  async get(id: string): Promise<Conversation | undefined> {
    const { rows } = await this.db.query('select * from conversations where id = $1', [id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Several conversations in one read (those found). */
  async getMany(ids: readonly string[]): Promise<Conversation[]> {
    const { rows } = await this.db.query('select * from conversations where id = any($1::uuid[])', [ids]);
    return rows.map(fromRow);
  }

  /** Appends a message (or returns the one already stored under this id). Undefined: the conversation is over or unknown. */
  async append(
    conversationId: string,
    m: { id: string; from: MessageView['from']; author: string | null; text: string; attachment?: string },
  ): Promise<{ message: MessageView; duplicate: boolean } | undefined> {
    const client = await this.db.connect();
    try {
      const existing = await client.query(`${MESSAGES} where m.conversation_id = $1 and m.id = $2`, [conversationId, m.id]);
      if (existing.rows[0]) return { message: messageOf(existing.rows[0]), duplicate: true };
      await client.query('begin');
      const seq = await client.query<{ last_seq: number }>(
        `update conversations set last_seq = last_seq + 1 where id = $1 and status <> 'ended' returning last_seq`,
        [conversationId],
      );
      if (!seq.rows[0]) {
        await client.query('rollback');
        return undefined;
      }
      const inserted = await client.query(
        `insert into chat_messages (conversation_id, id, seq, sender, author, body, attachment_id) values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (conversation_id, id) do nothing returning id`,
        [conversationId, m.id, seq.rows[0].last_seq, m.from, m.author, m.text, m.attachment ?? null],
      );
      if (!inserted.rows[0]) {
        // The same id arrived twice at once: the other one won, this one changes nothing.
        await client.query('rollback');
        const won = await client.query(`${MESSAGES} where m.conversation_id = $1 and m.id = $2`, [conversationId, m.id]);
        return { message: messageOf(won.rows[0]), duplicate: true };
      }
      await client.query('commit');
      // On the connection already held: asking the pool for another while holding one deadlocks
      // once every connection is held by an append (found by bench/chat-load.ts).
      const stored = await client.query(`${MESSAGES} where m.conversation_id = $1 and m.id = $2`, [conversationId, m.id]);
      return { message: messageOf(stored.rows[0]), duplicate: false };
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async messages(conversationId: string, after = 0, limit = 1000): Promise<MessageView[]> {
    const { rows } = await this.db.query(`${MESSAGES} where m.conversation_id = $1 and m.seq > $2 order by m.seq limit $3`, [
      conversationId,
      after,
      limit,
    ]);
    return rows.map(messageOf);
  }

  /** An agent took it. Undefined if it was no longer waiting. */
  async assign(id: string, agent: string, agentName: string): Promise<Conversation | undefined> {
    const { rows } = await this.db.query(
      `update conversations set status = 'active', agent = $2, agent_name = $3, answered_at = coalesce(answered_at, now())
       where id = $1 and status <> 'ended' returning *`,
      [id, agent, agentName],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async end(id: string): Promise<Conversation | undefined> {
    const { rows } = await this.db.query(
      `update conversations set status = 'ended', ended_at = now() where id = $1 and status <> 'ended' returning *`,
      [id],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Read marks only move forward, and never past the last message. */
  async markRead(id: string, by: 'agent' | 'visitor', seq: number): Promise<Conversation | undefined> {
    const column = by === 'agent' ? 'read_by_agent' : 'read_by_visitor';
    const { rows } = await this.db.query(
      `update conversations set ${column} = greatest(${column}, least($2, last_seq)) where id = $1 returning *`,
      [id, seq],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async rate(id: string, rating: 'good' | 'bad'): Promise<void> {
    await this.db.query('update conversations set rating = $2 where id = $1', [id, rating]);
  }

  /** Conversations waiting for an agent, oldest first. */
  async waiting(limit = 10_000): Promise<Conversation[]> {
    const { rows } = await this.db.query(`select * from conversations where status = 'waiting' order by created_at limit $1`, [limit]);
    return rows.map(fromRow);
  }

  async activeOf(agent: string): Promise<Conversation[]> {
    const { rows } = await this.db.query(`select * from conversations where agent = $1 and status = 'active' order by created_at`, [agent]);
    return rows.map(fromRow);
  }
}
