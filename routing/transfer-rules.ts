/**
 * The routing core's decisions about passing an interaction on, as plain functions over data: who
 * may pass it to whom, and what becomes of the agent who lets it go. transfers.ts loads the data,
 * asks these, and writes the result in one batch.
 */
import type { RoutingRefusal } from './errors.ts';
import type { Agent, Capacity, Interaction } from './model.ts';
import { canTake, slotOf } from './planner.ts';

/**
 * The agent once a conversation of theirs is over for them (finished, or passed on): wrap-up after
 * a conversation, free at once after a chat or with no wrap-up time.
 */
export function afterConversation(agent: Agent, ix: Pick<Interaction, 'id' | 'channel'>, wrapUpSeconds: number, now: number): Agent {
  const { channel } = ix;
  const a: Agent = {
    ...agent,
    active: { ...agent.active, [channel]: Math.max(0, (agent.active[channel] ?? 0) - 1) },
    holding: (agent.holding ?? []).filter((id) => id !== ix.id),
  };
  // A chat ending among others does not stop the agent.
  if (a.presence === 'available' && wrapUpSeconds > 0 && slotOf(channel) === 'voice')
    return { ...a, presence: 'wrapup', since: now, wrapUntil: now + wrapUpSeconds * 1000 };
  return { ...a, idleSince: now };
}

/** Only the agent who has the interaction may pass it on. */
export function holderRefusal(ix: Interaction | undefined, from: string): RoutingRefusal | undefined {
  return ix?.state === 'assigned' && ix.agent === from ? undefined : 'ROUTING_ERR_NOT_HOLDER';
}

/**
 * Why the interaction cannot go to this colleague now: they must be free for it, as for an offer
 * (available, nothing ringing for them, a slot free). The colleague being consulted already holds
 * a slot for it: passing it to them completes the consultation.
 */
export function colleagueRefusal(ix: Interaction, from: string, colleague: Agent, capacity: Capacity): RoutingRefusal | undefined {
  if (colleague.id === from) return 'ROUTING_ERR_SAME_AGENT';
  if (ix.consult) return ix.consult.agent === colleague.id ? undefined : 'ROUTING_ERR_CONSULTING';
  return canTake(colleague, ix.channel, capacity) ? undefined : 'ROUTING_ERR_AGENT_UNAVAILABLE';
}

/** Why the agent cannot consult this colleague now: one consultation at a time, with someone free. */
export function consultRefusal(ix: Interaction, from: string, colleague: Agent, capacity: Capacity): RoutingRefusal | undefined {
  if (colleague.id === from) return 'ROUTING_ERR_SAME_AGENT';
  if (ix.consult) return 'ROUTING_ERR_CONSULTING';
  return canTake(colleague, ix.channel, capacity) ? undefined : 'ROUTING_ERR_AGENT_UNAVAILABLE';
}

/** Why the interaction cannot go to this team's queue now: someone must be there to take it. */
export function teamRefusal(ix: Interaction, loggedIn: number): RoutingRefusal | undefined {
  if (ix.consult) return 'ROUTING_ERR_CONSULTING';
  return loggedIn > 0 ? undefined : 'ROUTING_ERR_NOBODY_LOGGED_IN';
}

/**
 * Who is offered an interaction passed on first: everyone but the agent who let it go, when they
 * are of the team (they would be offered it straight back after their wrap-up otherwise).
 */
export function triedAfterTransfer(members: readonly string[], from: string): string[] {
  return members.includes(from) ? [from] : [];
}
