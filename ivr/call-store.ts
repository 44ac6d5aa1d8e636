/**
 * Each call's IVR state, kept in Redis at every step so that another Relais process (or this one
 * after a restart) adopts the call where it was instead of leaving the caller in silence.
 */
import type { Redis } from 'ioredis';
import type { CallState } from './call-flow.ts';
import type { AgentLeg, SavedControl } from './call-control.ts';

export interface CallRecord {
  callId: string;
  callerNumber: string;
  startedAt: string;
  state: CallState;
  /** Set once an agent answered: their leg, who they are, and the bridge joining both. */
  agent?: AgentLeg;
  /** With an agent: hold, consultation (call-control.ts). */
  control?: SavedControl;
}

/** A call lasts hours at most; a record outliving its call by far is garbage. */
const TTL_SECONDS = 12 * 3600;

export class CallStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(callId: string): string {
    return `${this.prefix}:ivr:call:${callId}`;
  }

  async save(rec: CallRecord): Promise<void> {
    await this.redis.set(this.key(rec.callId), JSON.stringify(rec), 'EX', TTL_SECONDS);
  }

  async load(callId: string): Promise<CallRecord | undefined> {
    const raw = await this.redis.get(this.key(callId));
    return raw ? (JSON.parse(raw) as CallRecord) : undefined;
  }

  async remove(callId: string): Promise<void> {
    await this.redis.del(this.key(callId));
  }

  /** Every call id with a record (SCAN, not KEYS: never block Redis). */
  async callIds(): Promise<string[]> {
    const ids: string[] = [];
    const prefix = this.key('');
    for await (const keys of this.redis.scanStream({ match: `${prefix}*`, count: 200 }) as AsyncIterable<string[]>) {
      ids.push(...keys.map((k) => k.slice(prefix.length)));
    }
    return ids;
  }
}
