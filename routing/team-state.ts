/**
 * What ringing strategies remember between calls, in Redis so every Relais process agrees and a
 * restart forgets nothing: who answered each team's last call (round robin) and when each staff
 * member's last call ended (longest idle).
 */
import type { Redis } from 'ioredis';

export class TeamState {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(name: string): string {
    return `${this.prefix}:routing:${name}`;
  }

  async lastAnswered(team: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key('last-answered'), team)) ?? undefined;
  }

  async recordAnswered(team: string, staffId: string): Promise<void> {
    await this.redis.hset(this.key('last-answered'), team, staffId);
  }

  /** Epoch ms of each member's last call end; 0 for those who never had one. */
  async lastCallEnded(staffIds: readonly string[]): Promise<Record<string, number>> {
    if (staffIds.length === 0) return {};
    const values = await this.redis.hmget(this.key('last-call-ended'), ...staffIds);
    return Object.fromEntries(staffIds.map((id, i) => [id, Number(values[i] ?? 0)]));
  }

  async recordCallEnded(staffId: string, at: Date): Promise<void> {
    await this.redis.hset(this.key('last-call-ended'), staffId, String(at.getTime()));
  }
}
