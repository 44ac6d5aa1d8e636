/**
 * Calls' records in Redis, shared by every Relais process: which call a conversation has (at most
 * one: taken with SET NX), its state, and which process holds its media. A call that ends is
 * removed (its history is the customer's timeline); removing is what makes an ending happen once,
 * whichever processes see it at the same time.
 */
import type { Redis } from 'ioredis';
import type { EndReason, SessionView, Side } from './protocol.ts';

export interface Session {
  id: string;
  conversationId: string;
  state: 'proposed' | 'active';
  by: Side;
  /** Epoch ms. */
  proposedAt: number;
  acceptedAt: number | null;
  /** The process holding the media (relay.ts), once accepted. */
  holder: string | null;
  /** The conversation's agent, team and customer, as when proposed. */
  agent: string;
  team: string;
  customerId: string | null;
  contact: string | null;
  /** The agent's voice slot is taken (routing). */
  occupied: boolean;
}

// Takes the conversation's one call: KEYS conv, session; ARGV id, json, ttl ms. Returns the id holding it.
const CREATE = `
local held = redis.call('GET', KEYS[1])
if held then return held end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return ARGV[1]`;
// Compare and set: KEYS session, conv; ARGV old json, new json, persist (1: no expiry any more).
const SWAP = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
if ARGV[3] == '1' then redis.call('PERSIST', KEYS[1]) redis.call('PERSIST', KEYS[2]) end
return 1`;
// KEYS session, conv; ARGV id. 1 when this call removed it.
const REMOVE = `
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1`;

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(kind: 'session' | 'conv', id: string): string {
    return `${this.prefix}:video:${kind}:${id}`;
  }

  /** Stores a proposal unless the conversation has a call; returns the call the conversation has. */
  async create(s: Session, ttlMs: number): Promise<string> {
    return (await this.redis.eval(
      CREATE,
      2,
      this.key('conv', s.conversationId),
      this.key('session', s.id),
      s.id,
      JSON.stringify(s),
      ttlMs,
    )) as string;
  }

  async get(id: string): Promise<Session | undefined> {
    const raw = await this.redis.get(this.key('session', id));
    return raw ? (JSON.parse(raw) as Session) : undefined;
  }

  async ofConversation(conversationId: string): Promise<Session | undefined> {
    const id = await this.redis.get(this.key('conv', conversationId));
    return id ? this.get(id) : undefined;
  }

  /** Replaces `old` by `next` if nobody changed it meanwhile. */
  async swap(old: Session, next: Session, persist: boolean): Promise<boolean> {
    const r = await this.redis.eval(
      SWAP,
      2,
      this.key('session', old.id),
      this.key('conv', old.conversationId),
      JSON.stringify(old),
      JSON.stringify(next),
      persist ? '1' : '0',
    );
    return r === 1;
  }

  /** True for the one caller that removed it. */
  async remove(s: Session): Promise<boolean> {
    return (await this.redis.eval(REMOVE, 2, this.key('session', s.id), this.key('conv', s.conversationId), s.id)) === 1;
  }
}

export function sessionView(s: Session, present: Side[] = [], ended?: EndReason): SessionView {
  return {
    id: s.id,
    conversationId: s.conversationId,
    state: ended ? 'ended' : s.state,
    by: s.by,
    proposedAt: new Date(s.proposedAt).toISOString(),
    acceptedAt: s.acceptedAt === null ? null : new Date(s.acceptedAt).toISOString(),
    reason: ended ?? null,
    present,
  };
}
