/**
 * Why a call-control command was refused, each with a stable code; the HTTP API maps them to a
 * status (server/routes/calls.ts) and answers with the code and this reason.
 */
import type { RoutingError, RoutingRefusal } from '../routing/errors.ts';

export const callControlErrors = {
  CALL_ERR_NOT_FOUND: 'no such call in progress',
  CALL_ERR_NOT_CONNECTED: 'the caller is not with an agent (still waiting, or being transferred)',
  CALL_ERR_NOT_YOURS: 'this call is not yours: only the agent who has it can control it',
  CALL_ERR_CONSULTING: 'a consultation is in progress: complete or cancel it first',
  CALL_ERR_NOT_CONSULTING: 'no consultation in progress to complete or cancel',
  CALL_ERR_NOT_ANSWERED: 'the colleague has not answered yet: wait, or cancel',
  CALL_ERR_ATTENDED_TO_TEAM: 'an attended transfer goes to a person: consult an agent, or transfer the call blind to the team',
  CALL_ERR_UNSUPPORTED: 'this call cannot be transferred (a callback: hold, resume and hang up only)',
  CALL_ERR_SELF: 'you already have this call',
  CALL_ERR_UNKNOWN_TARGET: 'no such agent or team',
  CALL_ERR_TARGET_UNAVAILABLE: 'that agent is not free for a call (not logged in, paused, wrapping up, ringing or on a call)',
  CALL_ERR_NOBODY_IN_TEAM: 'nobody of that team is logged in',
  CALL_ERR_OWNER_UNAVAILABLE: 'the Relais process that holds the calls did not answer in time: try again',
  CALL_ERR_FAILED: 'Asterisk did not carry the command out completely',
} as const;
export type CallControlErrorCode = keyof typeof callControlErrors;

export class CallControlError extends Error {
  override readonly name = 'CallControlError';
  constructor(
    readonly code: CallControlErrorCode,
    detail?: string,
  ) {
    super(detail ?? callControlErrors[code]);
  }
}

const FROM_ROUTING: Record<RoutingRefusal, CallControlErrorCode> = {
  ROUTING_ERR_NOT_HOLDER: 'CALL_ERR_NOT_YOURS',
  ROUTING_ERR_UNKNOWN_AGENT: 'CALL_ERR_UNKNOWN_TARGET',
  ROUTING_ERR_UNKNOWN_TEAM: 'CALL_ERR_UNKNOWN_TARGET',
  ROUTING_ERR_SAME_AGENT: 'CALL_ERR_SELF',
  ROUTING_ERR_AGENT_UNAVAILABLE: 'CALL_ERR_TARGET_UNAVAILABLE',
  ROUTING_ERR_NOBODY_LOGGED_IN: 'CALL_ERR_NOBODY_IN_TEAM',
  ROUTING_ERR_CONSULTING: 'CALL_ERR_CONSULTING',
  ROUTING_ERR_NOT_CONSULTING: 'CALL_ERR_NOT_CONSULTING',
};

/** The routing core's refusal, said as a call-control one. */
export function fromRouting(err: RoutingError): CallControlError {
  return new CallControlError(FROM_ROUTING[err.code]);
}
