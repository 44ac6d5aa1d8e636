/**
 * The routing core's decisions, as plain functions over data: who is free, which waiting
 * interaction goes to whom, where an interaction stands in its queue, how long it will wait.
 * The store (store.ts) loads the data, calls these, and writes the result atomically.
 */
import type { Agent, Capacity, Channel, Interaction, Offer, Priority, TeamRouting } from './model.ts';

/** Calls, callbacks and video calls share one slot: nobody holds two conversations at once. */
export type Slot = 'voice' | 'chat';
export const slotOf = (c: Channel): Slot => (c === 'chat' ? 'chat' : 'voice');

/** Queue order: premium first, then first come, first served. Sorted ascending. */
export function queueScore(priority: Priority, enqueuedAt: number): number {
  // Epoch ms stay below 1e13 for centuries: the priority band sits above them.
  return (priority === 'premium' ? 0 : 1) * 1e13 + enqueuedAt;
}

/** How many interactions of a slot the agent holds now. */
function load(agent: Agent, slot: Slot): number {
  return Object.entries(agent.active).reduce((n, [c, k]) => (slotOf(c as Channel) === slot ? n + (k ?? 0) : n), 0);
}

/** An agent can be offered an interaction of this channel now. One pending offer at a time. */
export function canTake(agent: Agent, channel: Channel, capacity: Capacity): boolean {
  const slot = slotOf(channel);
  if (slot === 'chat' && !agent.chatReady) return false;
  return agent.presence === 'available' && agent.offered.length === 0 && load(agent, slot) < capacity[slot];
}

/** Agents in the order the strategy offers to them. `members`: configuration order. */
export function orderAgents(team: TeamRouting, agents: readonly Agent[], lastAnswered?: string): Agent[] {
  const index = new Map(team.members.map((m, i) => [m, i]));
  const inConfigOrder = [...agents].sort((a, b) => (index.get(a.id) ?? 0) - (index.get(b.id) ?? 0));
  if (team.strategy === 'longestidle') return inConfigOrder.sort((a, b) => a.idleSince - b.idleSince); // stable: ties keep config order
  if (team.strategy === 'roundrobin') {
    const start = inConfigOrder.findIndex((a) => a.id === lastAnswered) + 1;
    return [...inConfigOrder.slice(start), ...inConfigOrder.slice(0, start)];
  }
  return inConfigOrder;
}

export interface PlanInput {
  team: TeamRouting;
  /** Queued interactions of the team, in queue order. */
  queue: readonly Interaction[];
  /** The team's members' current state. */
  agents: readonly Agent[];
  capacity: (agentId: string) => Capacity;
  now: number;
  lastAnswered?: string;
  newOfferId: () => string;
}

/**
 * The offers to make now: each waiting interaction, in queue order, to the best free agent
 * (ringall: to every free agent at once). An interaction nobody can take now (its channel's
 * slots are full) does not hold up those behind it of another channel.
 */
export function planOffers(p: PlanInput): Offer[] {
  // Who can take a conversation, who a chat, in strategy order: computed once, not per
  // interaction (a dispatch looks at up to 200 waiting ones), and shrunk as offers are made.
  const ordered = orderAgents(p.team, p.agents, p.lastAnswered);
  const free: Record<Slot, Agent[]> = {
    voice: ordered.filter((a) => canTake(a, 'call', p.capacity(a.id))),
    chat: ordered.filter((a) => canTake(a, 'chat', p.capacity(a.id))),
  };
  const offers: Offer[] = [];
  for (const ix of p.queue) {
    if (free.voice.length === 0 && free.chat.length === 0) break;
    const candidates = free[slotOf(ix.channel)];
    if (candidates.length === 0) continue;
    // One at a time: who has not been tried in this round first; when all have, a new round.
    const untried = candidates.filter((a) => !ix.tried.includes(a.id));
    const to = p.team.strategy === 'ringall' ? candidates : (untried.length ? untried : candidates).slice(0, 1);
    const taken = new Set(to.map((a) => a.id));
    // One pending offer at a time: whoever is offered this one is out of both lists.
    free.voice = free.voice.filter((a) => !taken.has(a.id));
    free.chat = free.chat.filter((a) => !taken.has(a.id));
    offers.push({ id: p.newOfferId(), interactionId: ix.id, agents: [...taken], expiresAt: p.now + p.team.offerSeconds * 1000 });
  }
  return offers;
}

/** Whether any of these agents can be offered anything now: if not, a dispatch has nothing to do. */
export function anyoneFree(agents: readonly Agent[], capacity: (agentId: string) => Capacity): boolean {
  return agents.some((a) => canTake(a, 'call', capacity(a.id)) || canTake(a, 'chat', capacity(a.id)));
}

/** Agents logged in (not offline), paused ones included: nobody logged in means overflow. */
export function staffed(agents: readonly Agent[]): number {
  return agents.filter((a) => a.presence !== 'offline').length;
}

/** Agents taking interactions now or about to (available or wrapping up): what a wait estimate counts on. */
export function answering(agents: readonly Agent[]): number {
  return agents.filter((a) => a.presence === 'available' || a.presence === 'wrapup').length;
}

/**
 * Estimated wait for the interaction at `position` (1 = next), from the team's recent average
 * handling time: the agents working share the queue ahead. Rounded up to the minute, at least 1.
 */
export function estimateWaitMinutes(position: number, averageHandleSeconds: number, agentsWorking: number): number {
  const seconds = (position * averageHandleSeconds) / Math.max(agentsWorking, 1);
  return Math.max(1, Math.ceil(seconds / 60));
}
