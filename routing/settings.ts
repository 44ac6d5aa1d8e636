/** The routing core's settings, from the configuration. */
import type { Config } from '../config/load.ts';
import type { RoutingSettings, TeamSettings } from './core.ts';

export function routingSettings(config: Config): RoutingSettings {
  const teams: Record<string, TeamSettings> = {};
  for (const [id, t] of Object.entries(config.teams)) {
    teams[id] = {
      id,
      strategy: t.strategy,
      members: t.members,
      offerSeconds: t.ringSeconds,
      wrapUpSeconds: t.wrapUpSeconds,
      ...(t.overflow
        ? { overflow: { to: t.overflow.to, ...(t.overflow.afterSeconds ? { afterSeconds: t.overflow.afterSeconds } : {}) } }
        : {}),
    };
  }
  return {
    teams,
    capacity: (agentId) => ({ voice: 1, chat: config.staff[agentId]?.chatCapacity ?? 0 }),
    autoPauseAfterMissed: config.routing.autoPauseAfterMissed,
  };
}
