/**
 * Conversations and messages in PostgreSQL (migration 004_chat.sql). A message gets the next
 * sequence number of its conversation in the transaction that stores it, so order is total per
 * conversation; a message whose id is already stored is returned as it was (a resend), never
 * stored twice. Messages are written in batches (chat/message-writer.ts).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  IN_FLIGHT,
  MessageWriter,
  type Appended,
  type BatchItem,
  type NewMessage,
  type WriterOptions,
  type WriteStats,
} from './message-writer.ts';
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

const attachmentOf = (r: Record<string, any>) =>
  r.attachment_id ? { id: r.attachment_id, name: r.a_name, type: r.a_type, size: r.a_size } : null;

const messageOf = (r: Record<string, any>): MessageView => ({
  id: r.id,
  seq: r.seq,
  from: r.sender,
  author: r.author,
  text: r.body,
  attachment: attachmentOf(r),
  at: (r.at as Date).toISOString(),
});

/** A row of WRITE_BATCH: a new message's sender and text are the batch's own. */
const writtenOf = (r: Record<string, any>, sent: BatchItem): MessageView => ({
  id: r.id,
  seq: r.seq,
  from: r.sender ?? sent.from,
  author: r.author,
  text: r.body ?? sent.text,
  attachment: attachmentOf(r),
  at: new Date(r.at_ms).toISOString(),
});

/** Messages with their attachment's description (never its bytes). */
const MESSAGES = `select m.*, a.name as a_name, a.type as a_type, a.size as a_size
  from chat_messages m left join chat_attachments a on a.id = m.attachment_id`;

/**
 * ChatStore.writeBatch's statement. $1..$5: conversation ids, message ids, senders, texts,
 * attachment ids, one entry per message in order of arrival (ord). A new message comes back with
 * only what PostgreSQL decided (seq, author, time), not the text the batch just sent; a resend
 * with the stored message whole. Times as epoch ms: cheaper to read than a timestamp's text.
 */
const WRITE_BATCH = `
  with input as (
    select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[]) with ordinality
      as i (conversation_id, id, sender, body, attachment_id, ord)
  ), firsts as (
    select distinct on (conversation_id, id) * from input order by conversation_id, id, ord
  ), fresh as (
    select f.*, row_number() over (partition by f.conversation_id order by f.ord) as n from firsts f
    where not exists (select from chat_messages m where m.conversation_id = f.conversation_id and m.id = f.id)
  ), bumped as (
    update conversations c set last_seq = c.last_seq + k.n
    from (select conversation_id, count(*)::int as n from fresh group by conversation_id) k
    where c.id = k.conversation_id and c.status <> 'ended'
    returning c.id, c.last_seq - k.n as base, c.visitor_name, c.agent_name, c.agent is not null as agent_assigned
  ), inserted as (
    insert into chat_messages (conversation_id, id, seq, sender, author, body, attachment_id)
    select f.conversation_id, f.id, b.base + f.n, f.sender,
           case f.sender when 'visitor' then b.visitor_name when 'agent' then b.agent_name end, f.body, f.attachment_id
    from fresh f join bumped b on b.id = f.conversation_id
    returning conversation_id, id, seq, author, attachment_id, at
  ), answered as (
    select i.conversation_id, i.id, i.seq, null as sender, i.author, null as body, i.attachment_id, i.at,
           false as duplicate, b.agent_assigned
    from inserted i join bumped b on b.id = i.conversation_id
    union all
    select m.conversation_id, m.id, m.seq, m.sender, m.author, m.body, m.attachment_id, m.at, true, null
    from chat_messages m join firsts f on f.conversation_id = m.conversation_id and f.id = m.id
  )
  select x.conversation_id, x.id, x.seq, x.sender, x.author, x.body, x.attachment_id,
         floor(extract(epoch from x.at) * 1000)::float8 as at_ms, x.duplicate, x.agent_assigned,
         a.name as a_name, a.type as a_type, a.size as a_size
  from answered x left join chat_attachments a on a.id = x.attachment_id`;

/**
 * The message writer's sessions: WRITE_BATCH is their only statement, prepared once and run with
 * its generic plan (planning it took 0.5 of the ~0.9 ms PostgreSQL spent on a 2-message batch).
 * Seq scans off: every table in it is reached by primary key, and a plan made while the tables are
 * young (a new install, bench:chat's fresh schema) would otherwise scan chat_messages whole, and
 * keep doing so as it grows until the next ANALYZE (measured: 0.6 → 5.2 ms per 2-message statement
 * within 9,000 messages). PostgreSQL's CPU per 2-message batch: 0.93 ms before, 0.3 ms now.
 */
const WRITER_SESSION = 'set plan_cache_mode = force_generic_plan; set enable_seqscan = off';

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
  private readonly writer: MessageWriter;
  /** The writer's own connections, one per batch in flight, set up by WRITER_SESSION. */
  private readonly writerDb: pg.Pool;
  private readonly setUp = new WeakSet<pg.PoolClient>();

  constructor(
    private readonly db: pg.Pool,
    writer: WriterOptions = {},
  ) {
    this.writer = new MessageWriter((items) => this.writeBatch(items), writer);
    this.writerDb = new pg.Pool({ ...db.options, max: writer.inFlight ?? IN_FLIGHT });
    // An idle connection PostgreSQL closed (a restart): the pool opens another when asked; the main
    // pool's listener has logged the restart.
    this.writerDb.on('error', () => undefined);
  }

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

  /**
   * Appends a message, or answers with the one already stored under this id (a resend). Undefined:
   * the conversation is over or unknown. Written with the messages that arrive meanwhile
   * (chat/message-writer.ts); the author is the conversation's visitor or agent as stored.
   */
  append(conversationId: string, m: NewMessage): Promise<Appended> {
    return this.writer.append(conversationId, m);
  }

  /** The message writer since the previous call. */
  writeStats(): WriteStats {
    return this.writer.stats();
  }

  /** Takes no more messages; resolves once those on their way are written. */
  async close(): Promise<void> {
    await this.writer.close();
    await this.writerDb.end();
  }

  /**
   * Writes a batch in ONE statement (one round trip, one commit; atomic): each message's id is
   * looked up first (a resend, also twice in the same batch, is answered with the stored one);
   * each conversation's last_seq moves by its count of new messages, which take the numbers in
   * between in order of arrival; the stored rows come back from the insert, nothing is re-read.
   * Two processes writing one conversation queue on its row; one that stored the same id
   * meanwhile makes this statement fail on the primary key, and the writer writes it again.
   */
  private async writeBatch(items: readonly BatchItem[]): Promise<Appended[]> {
    const client = await this.writerDb.connect();
    let rows: pg.QueryResultRow[];
    try {
      if (!this.setUp.has(client)) {
        await client.query(WRITER_SESSION);
        this.setUp.add(client);
      }
      ({ rows } = await client.query({
        name: 'chat-write-batch',
        text: WRITE_BATCH,
        values: [
          items.map((i) => i.conversationId),
          items.map((i) => i.id),
          items.map((i) => i.from),
          items.map((i) => i.text),
          items.map((i) => i.attachment ?? null),
        ],
      }));
    } finally {
      // One that broke is not handed out again (pg-pool drops a client no longer queryable).
      client.release();
    }
    const byKey = new Map(rows.map((r) => [`${r.conversation_id}/${r.id}`, r]));
    /** Each stored message once: the second of two sends with one id in this batch is a resend of the first, answered with it. */
    const answered = new Map<string, MessageView>();
    return items.map((i) => {
      const key = `${i.conversationId}/${i.id}`;
      const row = byKey.get(key);
      if (!row) return undefined;
      const first = answered.get(key);
      const message = first ?? writtenOf(row, i);
      if (!first) answered.set(key, message);
      return { message, duplicate: row.duplicate || first !== undefined, agentAssigned: row.agent_assigned === true };
    });
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

  async end(id: string, disposition?: string): Promise<Conversation | undefined> {
    const { rows } = await this.db.query(
      `update conversations set status = 'ended', ended_at = now(), disposition = $2 where id = $1 and status <> 'ended' returning *`,
      [id, disposition ?? null],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Its agent passed it on: it waits again, for whoever the routing core offers it to next. */
  async release(id: string, agent: string): Promise<Conversation | undefined> {
    const { rows } = await this.db.query(
      `update conversations set status = 'waiting', agent = null, agent_name = null
       where id = $1 and agent = $2 and status = 'active' returning *`,
      [id, agent],
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

  /** The ids of the conversations waiting for an agent, oldest first (index conversations_waiting). */
  async waitingIds(limit = 50_000): Promise<string[]> {
    const { rows } = await this.db.query(`select id from conversations where status = 'waiting' order by created_at, id limit $1`, [limit]);
    return rows.map((r) => r.id as string);
  }

  async activeOf(agent: string): Promise<Conversation[]> {
    const { rows } = await this.db.query(`select * from conversations where agent = $1 and status = 'active' order by created_at`, [agent]);
    return rows.map(fromRow);
  }
}
