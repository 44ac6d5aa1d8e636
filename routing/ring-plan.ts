/**
 * Who rings, in which order, for how long: a team's strategy turned into "waves" of members.
 * Pure: the dialer gathers who is reachable, busy and idle since when, and runs the waves.
 */

export type RingStrategy = 'ringall' | 'roundrobin' | 'longestidle';

export interface MemberStatus {
  id: string;
  /** At least one of their phones is registered and answers. */
  reachable: boolean;
  /** Already on a call: not rung (Asterisk queues' ringinuse=no). */
  busy: boolean;
  /** When their last call ended (epoch ms), 0 if never: the longest idle rings first. */
  lastCallEndedAt: number;
}

export interface RingWave {
  members: string[];
  seconds: number;
}

export interface TeamRinging {
  strategy: RingStrategy;
  /** Per person, for the one-at-a-time strategies. */
  ringSeconds: number;
  /** For the team as a whole. */
  timeoutSeconds: number;
}

/**
 * @param members in configuration order
 * @param lastAnswered the member who answered the team's previous call (round robin starts after them)
 */
export function ringPlan(team: TeamRinging, members: readonly MemberStatus[], lastAnswered?: string): RingWave[] {
  const free = members.filter((m) => m.reachable && !m.busy);
  if (free.length === 0) return [];
  if (team.strategy === 'ringall') return [{ members: free.map((m) => m.id), seconds: team.timeoutSeconds }];

  const order = team.strategy === 'roundrobin' ? rotateAfter(members, lastAnswered, free) : byLongestIdle(free);
  const waves: RingWave[] = [];
  let left = team.timeoutSeconds;
  // Go round the order again until the team's time is up: someone may come back from the coffee machine.
  for (let i = 0; left > 0; i = (i + 1) % order.length) {
    const seconds = Math.min(team.ringSeconds, left);
    waves.push({ members: [order[i]!], seconds });
    left -= seconds;
  }
  return waves;
}

function rotateAfter(all: readonly MemberStatus[], last: string | undefined, free: readonly MemberStatus[]): string[] {
  const start = all.findIndex((m) => m.id === last) + 1; // 0 when unknown
  const rotated = [...all.slice(start), ...all.slice(0, start)];
  const freeIds = new Set(free.map((m) => m.id));
  return rotated.filter((m) => freeIds.has(m.id)).map((m) => m.id);
}

function byLongestIdle(free: readonly MemberStatus[]): string[] {
  // Array.prototype.sort is stable: equal idle times keep configuration order.
  return [...free].sort((a, b) => a.lastCallEndedAt - b.lastCallEndedAt).map((m) => m.id);
}
