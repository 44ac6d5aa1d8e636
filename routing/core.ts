/**
 * The routing core: one for every channel. Interactions wait in team queues (premium first, then
 * in order of arrival); agents are offered them by their team's strategy, with a timeout; a missed
 * offer goes to the next agent, and an agent who misses too many in a row is paused. Every step is
 * journaled for statistics; every decision is published to the channels as an event.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Agent, Capacity, Channel, Interaction, Offer, Presence, TeamSettings, TransferTarget } from './model.ts';
import { anyoneFree, planOffers, queueScore } from './planner.ts';
import { SharedTurns } from './shared-turns.ts';
import type { RoutingStore } from './store.ts';
import { afterConversation } from './transfer-rules.ts';
import { occupyLocked, releaseLocked, setChatReadyLocked } from './agents.ts';
import { enqueueLocked, type NewInteraction } from './enqueue.ts';
import { overflowLocked } from './overflow.ts';
import type { CoreContext } from './context.ts';
import { positionOf, snapshotOf, type TeamSnapshot } from './queries.ts';
import { consultLocked, endConsultLocked, releaseConsultant, transferLocked } from './transfers.ts';

export interface RoutingSettings {
  teams: Readonly<Record<string, TeamSettings>>;
  capacity: (agentId: string) => Capacity;
  autoPauseAfterMissed: number;
  /** Average handling time assumed until a team has history. */
  defaultHandleSeconds?: number;
}

export type { NewInteraction } from './enqueue.ts';
export type { TeamSettings } from './model.ts';

/** How many waiting interactions a dispatch reads at a time, and at most in all. */
const PLAN_WINDOW = 200;
const PLAN_LIMIT = 2000;
/** Most interactions queued in one turn of the lock. */
const ENQUEUE_BATCH = 500;

export class RoutingCore {
  private readonly teamsOf = new Map<string, string[]>();
  private readonly context: CoreContext;
  private readonly entering: SharedTurns<NewInteraction, Interaction>;

  constructor(
    private readonly store: RoutingStore,
    private readonly settings: RoutingSettings,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    for (const t of Object.values(settings.teams)) for (const m of t.members) this.teamsOf.set(m, [...(this.teamsOf.get(m) ?? []), t.id]);
    this.context = {
      store,
      now,
      capacity: settings.capacity,
      team: (id) => settings.teams[id],
      teamsOf: (id) => this.teamsOf.get(id),
      dispatch: (teams) => this.dispatchLocked(teams),
    };
    this.entering = new SharedTurns(
      (fn) => store.withLock(fn),
      (inputs) => enqueueLocked(this.context, inputs),
      ENQUEUE_BATCH,
    );
  }

  interaction(id: string): Promise<Interaction | undefined> {
    return this.store.interaction(id);
  }

  /** Which of these interactions the core knows (queued, offered or assigned). */
  existing(ids: readonly string[]): Promise<Set<string>> {
    return this.store.existing(ids);
  }

  async agent(id: string): Promise<Agent> {
    const [a] = await this.store.agents([id], this.now());
    return a!;
  }

  /**
   * Puts an interaction in its team's queue (or its overflow team's, when nobody is logged in).
   * Those arriving while the lock is busy are queued together in its next turn (shared-turns.ts).
   */
  async enqueue(input: NewInteraction): Promise<Interaction> {
    this.team(input.team); // an unknown team is refused here, not in the turn of others
    return this.entering.join(input);
  }

  /** An agent answered the offer. False when too late (another agent took it, or it ended). */
  accept(interactionId: string, agentId: string, offerId: string): Promise<boolean> {
    return this.store.withLock(async () => {
      const now = this.now();
      const ix = await this.store.interaction(interactionId);
      const offer = ix?.offer;
      if (!ix || ix.state !== 'offered' || offer?.id !== offerId || !offer.agents.includes(agentId)) return false;
      const agents = await this.store.agents(offer.agents, now);
      const b = this.store.batch();
      for (const a of agents) {
        a.offered = a.offered.filter((id) => id !== ix.id);
        if (a.id === agentId)
          Object.assign(a, {
            missed: 0,
            active: { ...a.active, [ix.channel]: (a.active[ix.channel] ?? 0) + 1 },
            holding: [...(a.holding ?? []).filter((id) => id !== ix.id), ix.id],
          });
        b.saveAgent(a);
      }
      const others = offer.agents.filter((id) => id !== agentId);
      Object.assign(ix, { state: 'assigned', agent: agentId, acceptedAt: now, offer: undefined });
      b.saveInteraction(ix).offerExpires(ix.id, undefined).lastAnswered(ix.team, agentId);
      b.journal({ at: now, step: 'accepted', interaction: ix, agent: agentId }).emit({ type: 'assigned', interaction: ix, agent: agentId });
      if (others.length) b.emit({ type: 'offerCancelled', offer, agents: others, reason: 'taken' });
      await b.commit();
      // The others are free again, and the one who took it may still have room (chats beside a call).
      await this.dispatchLocked(this.teamsOfAgents(offer.agents));
      return true;
    });
  }

  /** The agent did not take the offer: missed (no answer in time) or declined (rejected it). */
  decline(interactionId: string, agentId: string, offerId: string, how: 'missed' | 'declined'): Promise<void> {
    return this.store.withLock(() => this.declineLocked(interactionId, [agentId], offerId, how));
  }

  /** The conversation is over: the agent wraps up, then is offered the next interaction. */
  finish(interactionId: string): Promise<void> {
    return this.store.withLock(async () => {
      const now = this.now();
      const ix = await this.store.interaction(interactionId);
      if (!ix) return;
      if (ix.state !== 'assigned' || !ix.agent) return this.abandonLocked(ix);
      const team = this.team(ix.team);
      const [before] = await this.store.agents([ix.agent], now);
      const agent = afterConversation(before!, ix, team.wrapUpSeconds, now);
      const b = this.store.batch();
      if (agent.presence === 'wrapup') b.wrapUpEnds(agent.id, agent.wrapUntil);
      // The customer left during a consultation: the colleague consulted is free too.
      const consulted = ix.consult ? await releaseConsultant(this.store, b, ix, now) : undefined;
      const handled = (now - (ix.acceptedAt ?? now)) / 1000;
      const previous = (await this.store.averageHandleSeconds(ix.team)) ?? handled;
      b.saveAgent(agent)
        .averageHandleSeconds(ix.team, 0.8 * previous + 0.2 * handled)
        .deleteInteraction(ix.id);
      await b
        .journal({ at: now, step: 'ended', interaction: ix, agent: ix.agent, data: { handledSeconds: handled } })
        .emit({ type: 'finished', interaction: ix, agent: ix.agent })
        .emit({ type: 'presence', agent })
        .commit();
      await this.dispatchLocked([...(this.teamsOf.get(agent.id) ?? []), ...(consulted ? (this.teamsOf.get(consulted) ?? []) : [])]);
    });
  }

  /**
   * The agent who has the interaction passes it on, and is released at once (wrap-up as after a
   * conversation): to a team's queue, at its place there; to the colleague they consulted (attended
   * transfer); or to another colleague, offered to them alone for the team's ring time, and back to
   * its place in its team's queue if they do not take it. Refused with a RoutingError when it is not
   * theirs or the colleague or team cannot take it now; nothing changes then.
   */
  transfer(interactionId: string, fromAgent: string, to: TransferTarget): Promise<Interaction> {
    return this.store.withLock(() => transferLocked(this.context, interactionId, fromAgent, to));
  }

  /**
   * The agent calls a colleague about the interaction before passing it on (attended transfer): the
   * colleague's slot is held for it until `transfer` to them or `endConsult`. Refused with a
   * RoutingError like `transfer`, or while another consultation is in progress.
   */
  consult(interactionId: string, fromAgent: string, colleague: string): Promise<Interaction> {
    return this.store.withLock(() => consultLocked(this.context, interactionId, fromAgent, colleague));
  }

  /** The consultation ended without a transfer: the colleague is free again. Nothing if there is none. */
  endConsult(interactionId: string): Promise<void> {
    return this.store.withLock(() => endConsultLocked(this.context, interactionId));
  }

  /**
   * The interaction leaves the queue before an agent took it: the customer left (abandoned), or
   * asked to be called back (callback: the callback takes its place, and it is not an abandon).
   * Returns what left, undefined if it was not waiting any more.
   */
  abandon(interactionId: string, step: 'abandoned' | 'callback' = 'abandoned'): Promise<Interaction | undefined> {
    return this.store.withLock(async () => {
      const ix = await this.store.interaction(interactionId);
      if (ix?.state === 'assigned') throw new Error(`interaction ${interactionId} is with an agent: finish it instead`);
      if (ix) await this.abandonLocked(ix, step);
      return ix;
    });
  }

  /** Presence from the API, a feature code or the console. Offers in progress are withdrawn when leaving. */
  async setPresence(agentId: string, presence: Exclude<Presence, 'wrapup'>, reason?: string): Promise<Agent> {
    this.teamsOfAgents([agentId]); // throws on an unknown agent
    return this.store.withLock(async () => {
      const now = this.now();
      const [agent] = await this.store.agents([agentId], now);
      const wasFree = agent!.presence === 'available';
      Object.assign(agent!, { presence, reason: presence === 'paused' ? reason : undefined, since: now, wrapUntil: undefined });
      if (presence === 'available' && !wasFree) Object.assign(agent!, { idleSince: now, missed: 0 });
      // Saved before the offers are withdrawn: their re-dispatch must not hand them straight back to
      // an agent who is leaving (they would stay paused or offline with a phone ringing).
      await this.store.batch().saveAgent(agent!).wrapUpEnds(agentId, undefined).commit();
      if (presence !== 'available')
        for (const id of agent!.offered) {
          const ix = await this.store.interaction(id);
          if (ix?.offer) await this.declineLocked(id, [agentId], ix.offer.id, 'declined');
        }
      const [a] = await this.store.agents([agentId], now);
      await this.store.batch().emit({ type: 'presence', agent: a }).commit();
      await this.dispatchLocked(this.teamsOf.get(agentId) ?? []);
      return a!;
    });
  }

  /** The agent's chat page opened (chats may be offered to them) or closed everywhere. */
  async setChatReady(agentId: string, ready: boolean): Promise<void> {
    this.teamsOfAgents([agentId]); // throws on an unknown agent
    await this.store.withLock(() => setChatReadyLocked(this.context, agentId, ready));
  }

  /**
   * An agent starts a conversation that did not come through a queue (a video call inside a chat
   * they already have): it takes their voice slot, so no call is offered on top of it. False,
   * and nothing changes, when the slot is full (they are on a call).
   */
  occupy(agentId: string, channel: Exclude<Channel, 'chat'>): Promise<boolean> {
    this.teamsOfAgents([agentId]); // throws on an unknown agent
    return this.store.withLock(() => occupyLocked(this.context, agentId, channel));
  }

  /** Ends what `occupy` started: the slot is free again (no wrap-up: the chat goes on). */
  release(agentId: string, channel: Exclude<Channel, 'chat'>): Promise<void> {
    this.teamsOfAgents([agentId]);
    return this.store.withLock(() => releaseLocked(this.context, agentId, channel));
  }

  /** Where an interaction stands: 1 = next; 0 = being offered; and the estimated wait. */
  position(interactionId: string): Promise<{ position: number; estimatedMinutes: number } | undefined> {
    return positionOf(this.context, interactionId, this.settings.defaultHandleSeconds ?? 180);
  }

  /**
   * Every interaction waiting in a team's queue, in queue order (position = index + 1): the
   * positions of all of them in one read, where `position` would take one per interaction.
   * Offered ones are not in it (their position is 0).
   */
  queueOrder(teamId: string): Promise<string[]> {
    return this.store.queueAll(this.team(teamId).id);
  }

  /** The team's members as they stand now (presence, load, chat page open). */
  teamAgents(teamId: string): Promise<Agent[]> {
    return this.store.agents(this.team(teamId).members, this.now());
  }

  /** A team's queue and agents now, for supervisors. */
  teamSnapshot(teamId: string): Promise<TeamSnapshot> {
    return snapshotOf(this.context, this.team(teamId), PLAN_WINDOW);
  }

  /** Due work: expired offers, finished wrap-ups, overflows. Every process runs it every second. */
  sweep(): Promise<void> {
    return this.store.withLock(async () => {
      const now = this.now();
      for (const id of await this.store.expiredOffers(now)) {
        const ix = await this.store.interaction(id);
        if (ix?.offer) await this.declineLocked(id, ix.offer.agents, ix.offer.id, 'missed');
        else await this.store.batch().offerExpires(id, undefined).commit();
      }
      for (const agent of await this.store.agents(await this.store.wrapUpsDue(now), now)) {
        if (agent.presence === 'wrapup') Object.assign(agent, { presence: 'available', since: now, idleSince: now, wrapUntil: undefined });
        await this.store.batch().saveAgent(agent).wrapUpEnds(agent.id, undefined).emit({ type: 'presence', agent }).commit();
      }
      await overflowLocked(this.context, Object.values(this.settings.teams), PLAN_WINDOW, now);
      // Every team, not only those touched above: a safety net, so nothing waits forever on a
      // trigger that was lost (a process that died between a write and its dispatch).
      await this.dispatchLocked(Object.keys(this.settings.teams));
    });
  }

  /** Offers what can be offered in these teams now. */
  dispatch(teams: readonly string[]): Promise<void> {
    return this.store.withLock(() => this.dispatchLocked(teams));
  }

  private async dispatchLocked(teamIds: readonly string[]): Promise<void> {
    for (const teamId of new Set(teamIds)) {
      const team = this.team(teamId);
      const now = this.now();
      // Agents first: when nobody is free (most dispatches under load) the queue is not read.
      const agents = await this.store.agents(team.members, now);
      if (!anyoneFree(agents, this.settings.capacity)) continue;
      const lastAnswered = await this.store.lastAnswered(team.id);
      const byId = new Map<string, Interaction>();
      const offers: Offer[] = [];
      // Page by page: a chat agent who is free must find the chats waiting behind 200 calls.
      let free = agents;
      for (let from = 0; from < PLAN_LIMIT; from += PLAN_WINDOW) {
        const ids = await this.store.queueRange(team.id, from, PLAN_WINDOW);
        const page = (await this.store.interactions(ids)).filter((ix) => ix.state === 'queued');
        for (const ix of page) byId.set(ix.id, ix);
        const planned = planOffers({
          team,
          queue: page,
          agents: free,
          capacity: this.settings.capacity,
          now,
          lastAnswered,
          newOfferId: randomUUID,
        });
        offers.push(...planned);
        const offeredTo = new Set(planned.flatMap((o) => o.agents));
        free = free.filter((a) => !offeredTo.has(a.id));
        if (ids.length < PLAN_WINDOW || !anyoneFree(free, this.settings.capacity)) break;
      }
      if (offers.length === 0) continue;
      const agentById = new Map(agents.map((a) => [a.id, a]));
      const b = this.store.batch();
      for (const offer of offers) {
        const ix = Object.assign(byId.get(offer.interactionId)!, { state: 'offered', offer });
        for (const id of offer.agents) b.saveAgent(Object.assign(agentById.get(id)!, { offered: [ix.id] }));
        b.saveInteraction(ix).dequeue(team.id, ix.id).offerExpires(ix.id, offer.expiresAt);
        b.journal({ at: now, step: 'offered', interaction: ix, data: { agents: offer.agents } }).emit({
          type: 'offer',
          offer,
          interaction: ix,
        });
      }
      await b.emit({ type: 'queue', team: team.id }).commit();
    }
  }

  private async declineLocked(
    interactionId: string,
    agentIds: readonly string[],
    offerId: string,
    how: 'missed' | 'declined',
  ): Promise<void> {
    const now = this.now();
    const ix = await this.store.interaction(interactionId);
    const offer = ix?.offer;
    if (!ix || ix.state !== 'offered' || offer?.id !== offerId) return;
    const leaving = agentIds.filter((id) => offer.agents.includes(id));
    if (leaving.length === 0) return;
    const b = this.store.batch();
    for (const a of await this.store.agents(leaving, now)) {
      a.offered = a.offered.filter((id) => id !== ix.id);
      if (how === 'missed') a.missed += 1;
      if (how === 'missed' && a.missed >= this.settings.autoPauseAfterMissed && a.presence === 'available') {
        Object.assign(a, { presence: 'paused', reason: 'missed offers', since: now });
        this.log.warn({ agent: a.id, missed: a.missed }, 'agent paused after missed offers');
        b.emit({ type: 'presence', agent: a });
      }
      b.saveAgent(a).journal({ at: now, step: how, interaction: ix, agent: a.id });
    }
    const remaining = offer.agents.filter((id) => !leaving.includes(id));
    b.emit({ type: 'offerCancelled', offer, agents: leaving, reason: how });
    if (remaining.length) ix.offer = { ...offer, agents: remaining };
    else {
      // Once everyone of the team has been tried, a new round starts.
      const tried = [...new Set([...ix.tried, ...leaving])];
      const team = this.team(ix.team);
      Object.assign(ix, { state: 'queued', offer: undefined, tried: team.members.every((m) => tried.includes(m)) ? leaving : tried });
      b.enqueue(ix.team, ix.id, queueScore(ix.priority, ix.enqueuedAt)).offerExpires(ix.id, undefined);
    }
    await b.saveInteraction(ix).commit();
    // Those who left it may be offered work waiting in their other teams.
    await this.dispatchLocked([ix.team, ...this.teamsOfAgents(leaving)]);
  }

  private async abandonLocked(ix: Interaction, step: 'abandoned' | 'callback' = 'abandoned'): Promise<void> {
    const now = this.now();
    const b = this.store.batch().dequeue(ix.team, ix.id).offerExpires(ix.id, undefined).deleteInteraction(ix.id);
    const freed = ix.offer?.agents ?? [];
    for (const a of await this.store.agents(freed, now)) b.saveAgent({ ...a, offered: a.offered.filter((id) => id !== ix.id) });
    if (ix.offer) b.emit({ type: 'offerCancelled', offer: ix.offer, agents: freed, reason: 'abandoned' });
    await b.journal({ at: now, step, interaction: ix }).emit({ type: 'queue', team: ix.team }).commit();
    await this.dispatchLocked(this.teamsOfAgents(freed));
  }

  private team(id: string): TeamSettings {
    const t = this.settings.teams[id];
    if (!t) throw new Error(`unknown team "${id}"`);
    return t;
  }

  private teamsOfAgents(agentIds: readonly string[]): string[] {
    return agentIds.flatMap((id) => {
      const teams = this.teamsOf.get(id);
      if (!teams) throw new Error(`unknown agent "${id}"`);
      return teams;
    });
  }
}
