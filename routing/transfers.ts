/**
 * Passing an interaction on, run under the routing lock by the core (core.ts): a blind transfer to
 * a colleague (offered to them alone, back to its place in its team's queue if they do not take it)
 * or to a team's queue (at its place there), and the consultation of an attended transfer (the
 * colleague's slot held from the moment their phone rings). The agent who lets an interaction go
 * is released at once, with wrap-up, and every step is journaled.
 */
import { randomUUID } from 'node:crypto';
import { RoutingError, type RoutingRefusal } from './errors.ts';
import type { Agent, Interaction, Offer, TransferTarget } from './model.ts';
import { queueScore, staffed } from './planner.ts';
import type { CoreContext } from './context.ts';
import type { RoutingBatch, RoutingStore } from './store.ts';
import { afterConversation, colleagueRefusal, consultRefusal, holderRefusal, teamRefusal, triedAfterTransfer } from './transfer-rules.ts';

function refuse(code: RoutingRefusal | undefined): void {
  if (code) throw new RoutingError(code);
}

async function held(c: CoreContext, interactionId: string, from: string): Promise<Interaction> {
  const ix = await c.store.interaction(interactionId);
  refuse(holderRefusal(ix, from));
  return ix!;
}

async function colleagueOf(c: CoreContext, id: string, now: number): Promise<Agent> {
  if (!c.teamsOf(id)) throw new RoutingError('ROUTING_ERR_UNKNOWN_AGENT', `no agent "${id}" in any team`);
  const [agent] = await c.store.agents([id], now);
  return agent!;
}

/**
 * `from` passes the interaction on. To a team: it waits in that team's queue at its place. To the
 * colleague being consulted: they have it now (attended transfer). To another colleague: it is
 * offered to them alone, for the team's ring time; missed or declined, it goes back to its place
 * in its team's queue (declineLocked). Returns the interaction as it is now.
 */
export async function transferLocked(c: CoreContext, interactionId: string, from: string, to: TransferTarget): Promise<Interaction> {
  const now = c.now();
  const ix = await held(c, interactionId, from);
  const handledBy = c.team(ix.team)!;
  const b = c.store.batch();
  let next: Interaction;
  let mode: 'blind' | 'attended' = 'blind';
  const teams = [...(c.teamsOf(from) ?? [])];
  let offer: Offer | undefined;
  if ('team' in to) {
    const team = c.team(to.team);
    if (!team) throw new RoutingError('ROUTING_ERR_UNKNOWN_TEAM', `no team "${to.team}"`);
    refuse(teamRefusal(ix, staffed(await c.store.agents(team.members, now))));
    next = {
      ...ix,
      state: 'queued',
      team: team.id,
      agent: undefined,
      acceptedAt: undefined,
      tried: triedAfterTransfer(team.members, from),
    };
    b.enqueue(team.id, ix.id, queueScore(ix.priority, ix.enqueuedAt)).emit({ type: 'queue', team: team.id });
    teams.push(team.id);
  } else {
    const colleague = await colleagueOf(c, to.agent, now);
    refuse(colleagueRefusal(ix, from, colleague, c.capacity(colleague.id)));
    if (ix.consult?.agent === colleague.id) {
      // Their slot is already held by the consultation: they simply have it now.
      mode = 'attended';
      next = { ...ix, agent: colleague.id, acceptedAt: now, consult: undefined };
      b.saveAgent({ ...colleague, holding: [...(colleague.holding ?? []).filter((id) => id !== ix.id), ix.id] });
      b.emit({ type: 'assigned', interaction: next, agent: colleague.id });
    } else {
      offer = { id: randomUUID(), interactionId: ix.id, agents: [colleague.id], expiresAt: now + handledBy.offerSeconds * 1000 };
      next = {
        ...ix,
        state: 'offered',
        agent: undefined,
        acceptedAt: undefined,
        offer,
        tried: triedAfterTransfer(handledBy.members, from),
      };
      b.saveAgent({ ...colleague, offered: [ix.id] }).offerExpires(ix.id, offer.expiresAt);
    }
  }
  const [giver] = await c.store.agents([from], now);
  const released = afterConversation(giver!, ix, handledBy.wrapUpSeconds, now);
  b.journal({ at: now, step: 'transferred', interaction: ix, agent: from, data: { from, to, mode } });
  if (offer) {
    b.journal({ at: now, step: 'offered', interaction: next, data: { agents: offer.agents, transfer: true } });
    b.emit({ type: 'offer', offer, interaction: next });
  }
  b.saveAgent(released).wrapUpEnds(from, released.presence === 'wrapup' ? released.wrapUntil : undefined);
  await b
    .saveInteraction(next)
    .emit({ type: 'presence', agent: released })
    .emit({ type: 'finished', interaction: ix, agent: from })
    .emit({ type: 'transferred', interaction: next, from, to, mode })
    .commit();
  await c.dispatch(teams);
  return next;
}

/**
 * `from` calls a colleague about the interaction before passing it on: the colleague must be free
 * for it, and their slot is held for it from now on (no offer rings them meanwhile).
 */
export async function consultLocked(c: CoreContext, interactionId: string, from: string, colleagueId: string): Promise<Interaction> {
  const now = c.now();
  const ix = await held(c, interactionId, from);
  const colleague = await colleagueOf(c, colleagueId, now);
  refuse(consultRefusal(ix, from, colleague, c.capacity(colleagueId)));
  const next: Interaction = { ...ix, consult: { agent: colleagueId, since: now } };
  const busy: Agent = { ...colleague, active: { ...colleague.active, [ix.channel]: (colleague.active[ix.channel] ?? 0) + 1 } };
  await c.store
    .batch()
    .saveAgent(busy)
    .saveInteraction(next)
    .journal({ at: now, step: 'consulted', interaction: ix, agent: from, data: { to: colleagueId } })
    .emit({ type: 'presence', agent: busy })
    .commit();
  return next;
}

/** The consultation is over without a transfer (cancelled, not answered, hung up): the colleague is free. */
export async function endConsultLocked(c: CoreContext, interactionId: string): Promise<void> {
  const ix = await c.store.interaction(interactionId);
  if (!ix?.consult) return;
  const b = c.store.batch().saveInteraction({ ...ix, consult: undefined });
  const freed = await releaseConsultant(c.store, b, ix, c.now());
  await b.commit();
  await c.dispatch(c.teamsOf(freed) ?? []);
}

/**
 * Frees the slot the consulted colleague holds for `ix` (in the batch) and returns who it was. A
 * consultation is not a conversation with a customer: no wrap-up after it.
 */
export async function releaseConsultant(store: RoutingStore, b: RoutingBatch, ix: Interaction, now: number): Promise<string> {
  const id = ix.consult!.agent;
  const [a] = await store.agents([id], now);
  const freed: Agent = { ...a!, active: { ...a!.active, [ix.channel]: Math.max(0, (a!.active[ix.channel] ?? 0) - 1) }, idleSince: now };
  b.saveAgent(freed).emit({ type: 'presence', agent: freed });
  return id;
}
