/**
 * Interactions entering their team's queue (or its overflow team's, when nobody is logged in),
 * several at once in one turn of the routing lock (shared-turns.ts), run by the core (core.ts).
 */
import { randomUUID } from 'node:crypto';
import type { CoreContext } from './context.ts';
import type { Channel, Interaction, Priority, TeamSettings } from './model.ts';
import { queueScore, staffed } from './planner.ts';

export interface NewInteraction {
  id?: string;
  channel: Channel;
  team: string;
  priority?: Priority;
  /** Keeps an earlier place in the queue (a caller who asked to be called back). */
  enqueuedAt?: number;
  meta?: Record<string, string>;
}

function teamOf(c: CoreContext, id: string): TeamSettings {
  const t = c.team(id);
  if (!t) throw new Error(`unknown team "${id}"`);
  return t;
}

export async function enqueueLocked(c: CoreContext, inputs: readonly NewInteraction[]): Promise<Interaction[]> {
  const now = c.now();
  // Idempotent: a retried request or a replay after a reconnection must not reset an offer.
  const known = new Map((await c.store.interactions(inputs.flatMap((i) => (i.id ? [i.id] : [])))).map((ix) => [ix.id, ix]));
  const nobodyIn = new Map<string, boolean>();
  const b = c.store.batch();
  const teams = new Set<string>();
  const queued: Interaction[] = [];
  for (const input of inputs) {
    const existing = input.id ? known.get(input.id) : undefined;
    if (existing) {
      queued.push(existing);
      continue;
    }
    let team = teamOf(c, input.team);
    const ix: Interaction = {
      id: input.id ?? randomUUID(),
      channel: input.channel,
      team: team.id,
      priority: input.priority ?? 'normal',
      enqueuedAt: input.enqueuedAt ?? now,
      state: 'queued',
      tried: [],
      meta: input.meta ?? {},
    };
    b.journal({ at: now, step: 'queued', interaction: ix });
    if (team.overflow) {
      if (!nobodyIn.has(team.id)) nobodyIn.set(team.id, staffed(await c.store.agents(team.members, now)) === 0);
      if (nobodyIn.get(team.id)) {
        team = teamOf(c, team.overflow.to);
        b.journal({ at: now, step: 'overflowed', interaction: ix, data: { to: team.id, why: 'nobody logged in' } });
        Object.assign(ix, { team: team.id, overflowed: true });
      }
    }
    b.saveInteraction(ix).enqueue(team.id, ix.id, queueScore(ix.priority, ix.enqueuedAt));
    teams.add(team.id);
    known.set(ix.id, ix);
    queued.push(ix);
  }
  for (const team of teams) b.emit({ type: 'queue', team });
  await b.commit();
  await c.dispatch([...teams]);
  return queued;
}
