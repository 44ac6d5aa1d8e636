/**
 * An agent's availability beside their presence, run under the routing lock by the core (core.ts):
 * their chat page open or not, and a voice slot taken by a conversation that came through no queue
 * (a video call inside a chat they have).
 */
import type { Channel } from './model.ts';
import type { CoreContext } from './context.ts';
import { slotOf } from './planner.ts';

export async function setChatReadyLocked(c: CoreContext, agentId: string, ready: boolean): Promise<void> {
  const [agent] = await c.store.agents([agentId], c.now());
  if (Boolean(agent!.chatReady) === ready) return;
  agent!.chatReady = ready;
  await c.store.batch().saveAgent(agent!).commit();
  if (ready) await c.dispatch(c.teamsOf(agentId) ?? []);
}

/** False, and nothing changes, when the agent's voice slots are full. */
export async function occupyLocked(c: CoreContext, agentId: string, channel: Exclude<Channel, 'chat'>): Promise<boolean> {
  const [agent] = await c.store.agents([agentId], c.now());
  const held = Object.entries(agent!.active).reduce((n, [ch, k]) => (slotOf(ch as Channel) === 'voice' ? n + (k ?? 0) : n), 0);
  if (held >= c.capacity(agentId).voice) return false;
  agent!.active = { ...agent!.active, [channel]: (agent!.active[channel] ?? 0) + 1 };
  await c.store.batch().saveAgent(agent!).emit({ type: 'presence', agent: agent! }).commit();
  return true;
}

export async function releaseLocked(c: CoreContext, agentId: string, channel: Exclude<Channel, 'chat'>): Promise<void> {
  const now = c.now();
  const [agent] = await c.store.agents([agentId], now);
  if (!agent!.active[channel]) return;
  agent!.active = { ...agent!.active, [channel]: agent!.active[channel]! - 1 };
  agent!.idleSince = now;
  await c.store.batch().saveAgent(agent!).emit({ type: 'presence', agent: agent! }).commit();
  await c.dispatch(c.teamsOf(agentId) ?? []);
}
