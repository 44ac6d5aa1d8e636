/**
 * The routing core's vocabulary, shared by every channel: interactions wait in team queues,
 * agents take them according to their presence and capacity.
 */

export const channels = ['call', 'chat', 'video', 'callback'] as const;
export type Channel = (typeof channels)[number];

/** Premium customers (ISeedOr's premium seedbox offer) go ahead of normal ones. */
export type Priority = 'premium' | 'normal';

export type InteractionState = 'queued' | 'offered' | 'assigned';

export interface Interaction {
  id: string;
  channel: Channel;
  team: string;
  priority: Priority;
  /** Epoch ms when it first entered a queue: its place, kept across offers, overflow and callbacks. */
  enqueuedAt: number;
  state: InteractionState;
  /** While offered: to whom, which offer, until when. */
  offer?: Offer;
  /** While assigned: who has it, since when (epoch ms). */
  agent?: string;
  acceptedAt?: number;
  /** Agents who missed or declined it in the current round: the others are offered it first. */
  tried: string[];
  /** Moved to another team once already: never moved again. */
  overflowed?: boolean;
  /**
   * While assigned: the colleague the agent consults before passing it on (attended transfer).
   * From the moment their phone rings it holds their voice slot, so nothing else is offered to them.
   */
  consult?: { agent: string; since: number };
  /** Channel-specific data (the caller's channel id, number, ...), opaque to routing. */
  meta: Readonly<Record<string, string>>;
}

export interface Offer {
  id: string;
  interactionId: string;
  agents: string[];
  expiresAt: number;
}

export const presences = ['available', 'paused', 'wrapup', 'offline'] as const;
export type Presence = (typeof presences)[number];

export interface Agent {
  id: string;
  presence: Presence;
  /** Why paused ("lunch", or "missed offers" when paused automatically). */
  reason?: string;
  /** Epoch ms the presence was set. */
  since: number;
  /** Wrap-up ends then (epoch ms). */
  wrapUntil?: number;
  /** Epoch ms since when the agent has been free: the longest idle is offered first. */
  idleSince: number;
  /** Offers missed in a row; reset by an accepted one. */
  missed: number;
  /** Interactions in hand, per channel. */
  active: Partial<Record<Channel, number>>;
  /** Interactions currently offered to this agent (an offer holds capacity while it rings). */
  offered: string[];
  /** Interactions this agent has in hand (a console reloaded mid-call shows them again). */
  holding?: string[];
  /**
   * A chat page of theirs is open (the chat's agent socket): only then are they offered chats,
   * which a desk phone cannot show.
   */
  chatReady?: boolean;
}

/** How many interactions an agent handles at once: conversations (call, callback, video) and chats. */
export interface Capacity {
  readonly voice: number;
  readonly chat: number;
}

export type Strategy = 'ringall' | 'roundrobin' | 'longestidle';

export interface TeamRouting {
  id: string;
  strategy: Strategy;
  members: readonly string[];
  /** How long an offer waits for the agent (the phone rings) before it is missed. */
  offerSeconds: number;
  wrapUpSeconds: number;
}

/** Where an agent passes an interaction on: to a colleague, or to a team's queue. */
export type TransferTarget = { agent: string } | { team: string };

/** A team as the routing core runs it: its routing, and where its waiting interactions may go. */
export interface TeamSettings extends TeamRouting {
  overflow?: { to: string; afterSeconds?: number };
}

/**
 * Every step recorded, in order, for statistics. `callback`: the customer left the queue to be
 * called back; `transferred`: the agent passed it on (data: from, to, mode); `consulted`: the
 * agent called a colleague about it first (data: to).
 */
export const routingSteps = [
  'queued',
  'offered',
  'accepted',
  'missed',
  'declined',
  'abandoned',
  'overflowed',
  'ended',
  'callback',
  'transferred',
  'consulted',
] as const;
export type RoutingStep = (typeof routingSteps)[number];
