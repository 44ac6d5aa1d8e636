/**
 * Refusals of the routing core, each with a stable code: the channel that asked maps them to its
 * own answer (an HTTP status, a message to the agent). Only the transfer operations use them so far.
 */
export const routingRefusals = {
  ROUTING_ERR_NOT_HOLDER: 'the interaction is not with this agent',
  ROUTING_ERR_UNKNOWN_AGENT: 'no such agent in any team',
  ROUTING_ERR_UNKNOWN_TEAM: 'no such team',
  ROUTING_ERR_SAME_AGENT: 'the agent already has the interaction',
  ROUTING_ERR_AGENT_UNAVAILABLE: 'the agent is not free for it (not logged in, paused, wrapping up or busy)',
  ROUTING_ERR_NOBODY_LOGGED_IN: 'nobody of the team is logged in',
  ROUTING_ERR_CONSULTING: 'a consultation is in progress: complete or cancel it first',
  ROUTING_ERR_NOT_CONSULTING: 'no consultation is in progress',
} as const;
export type RoutingRefusal = keyof typeof routingRefusals;

export class RoutingError extends Error {
  override readonly name = 'RoutingError';
  constructor(
    readonly code: RoutingRefusal,
    detail?: string,
  ) {
    super(detail ?? routingRefusals[code]);
  }
}
