/** What the routing core tells about its queues without changing them: places, estimates, snapshots. */
import type { Agent, TeamRouting } from './model.ts';
import type { CoreContext } from './context.ts';
import { answering, estimateWaitMinutes } from './planner.ts';

export interface TeamSnapshot {
  team: string;
  waiting: number;
  oldestEnqueuedAt: number | null;
  agents: Agent[];
}

/** 1 = next; 0 = being offered; and the estimated wait, from the team's handling times (`defaultHandleSeconds` until it has some). */
export async function positionOf(
  c: CoreContext,
  interactionId: string,
  defaultHandleSeconds: number,
): Promise<{ position: number; estimatedMinutes: number } | undefined> {
  const ix = await c.store.interaction(interactionId);
  const team = ix && c.team(ix.team);
  if (!ix || !team || ix.state === 'assigned') return undefined;
  const rank = ix.state === 'offered' ? -1 : await c.store.rank(ix.team, ix.id);
  if (rank === undefined) return undefined;
  const working = answering(await c.store.agents(team.members, c.now()));
  const aht = (await c.store.averageHandleSeconds(ix.team)) ?? defaultHandleSeconds;
  return { position: rank + 1, estimatedMinutes: estimateWaitMinutes(rank + 1, aht, working) };
}

/** A team's queue and agents now; the oldest is looked for among the first `window` waiting. */
export async function snapshotOf(c: CoreContext, team: TeamRouting, window: number): Promise<TeamSnapshot> {
  // Premium callers are ahead in the queue: the longest waiting one is not always its head.
  const queued = await c.store.interactions(await c.store.queueHead(team.id, window));
  return {
    team: team.id,
    waiting: await c.store.queueLength(team.id),
    oldestEnqueuedAt: queued.length ? Math.min(...queued.map((ix) => ix.enqueuedAt)) : null,
    agents: await c.store.agents(team.members, c.now()),
  };
}
