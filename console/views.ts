/**
 * From routing and records to what the console shows: pure functions over data, so the socket
 * stays a thin edge and these are tested without Redis.
 */
import type { Agent, Interaction, Offer } from '../routing/model.ts';
import type { AgentStateView, CustomerBadge, OfferView, WallAgent, WallTeam } from './protocol.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export function agentStateView(a: Agent, capacity: { voice: number; chat: number }): AgentStateView {
  return {
    presence: a.presence,
    reason: a.reason ?? null,
    since: iso(a.since),
    wrapUntil: a.presence === 'wrapup' && a.wrapUntil ? iso(a.wrapUntil) : null,
    active: { ...a.active },
    capacity,
    chatReady: Boolean(a.chatReady),
  };
}

/** Who an interaction is from, as routing knows it: the number or conversation in its meta. */
export function contactOf(ix: Interaction): string | null {
  return ix.meta.callerNumber ?? ix.meta.number ?? null;
}

export function offerView(offer: Offer, ix: Interaction, teamName: string, customer: CustomerBadge): OfferView {
  return {
    offerId: offer.id,
    interactionId: ix.id,
    channel: ix.channel,
    team: ix.team,
    teamName,
    expiresAt: iso(offer.expiresAt),
    waitingSince: iso(ix.enqueuedAt),
    customer,
    preview: null,
  };
}

export interface TeamToday {
  queued: number;
  answered: number;
  abandoned: number;
  serviceLevel: number | null;
  avgWaitSeconds: number | null;
}

export const NO_FIGURES: TeamToday = { queued: 0, answered: 0, abandoned: 0, serviceLevel: null, avgWaitSeconds: null };

export function wallTeam(
  snapshot: { team: string; waiting: number; oldestEnqueuedAt: number | null; agents: Agent[] },
  name: string,
  staffName: (id: string) => string,
  today: TeamToday,
): WallTeam {
  const agents: WallAgent[] = snapshot.agents.map((a) => ({
    id: a.id,
    name: staffName(a.id),
    presence: a.presence,
    reason: a.reason ?? null,
    since: iso(a.since),
    active: { ...a.active },
  }));
  return {
    team: snapshot.team,
    name,
    waiting: snapshot.waiting,
    oldestSince: snapshot.oldestEnqueuedAt === null ? null : iso(snapshot.oldestEnqueuedAt),
    agents,
    today,
  };
}
