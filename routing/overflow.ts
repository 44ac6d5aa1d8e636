/** Overflow after a wait: run by the core's sweep (core.ts) under the routing lock. */
import type { CoreContext } from './context.ts';
import type { TeamSettings } from './model.ts';
import { queueScore } from './planner.ts';
import type { RoutingBatch } from './store.ts';

/** Interactions that waited longer than their team's `overflow.afterSeconds` move, once. */
export async function overflowLocked(c: CoreContext, teams: readonly TeamSettings[], window: number, now: number): Promise<void> {
  for (const team of teams) {
    const after = team.overflow?.afterSeconds;
    if (!team.overflow || after === undefined) continue;
    const waiting = await c.store.interactions(await c.store.queueHead(team.id, window));
    const moving = waiting.filter((ix) => ix.state === 'queued' && !ix.overflowed && now - ix.enqueuedAt >= after * 1000);
    if (moving.length === 0) continue;
    const to = team.overflow.to;
    const b: RoutingBatch = c.store.batch();
    for (const ix of moving) {
      b.dequeue(team.id, ix.id).journal({ at: now, step: 'overflowed', interaction: ix, data: { to, why: 'waited too long' } });
      Object.assign(ix, { team: to, overflowed: true, tried: [] });
      b.saveInteraction(ix).enqueue(to, ix.id, queueScore(ix.priority, ix.enqueuedAt));
    }
    await b.emit({ type: 'queue', team: team.id }).emit({ type: 'queue', team: to }).commit();
    await c.dispatch([to]);
  }
}
