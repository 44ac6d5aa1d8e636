/**
 * What the routing core's operations in other files (transfers, agents, queries) need of it. Those
 * marked "Locked" run with the routing lock held, taken by the core (core.ts).
 */
import type { Capacity, TeamSettings } from './model.ts';
import type { RoutingStore } from './store.ts';

export interface CoreContext {
  store: RoutingStore;
  now: () => number;
  capacity: (agentId: string) => Capacity;
  team: (id: string) => TeamSettings | undefined;
  /** The teams of an agent; undefined for someone in no team. */
  teamsOf: (agentId: string) => readonly string[] | undefined;
  /** Offers what can be offered in these teams (the lock is already held). */
  dispatch: (teams: readonly string[]) => Promise<void>;
}
