/**
 * Agents control the calls they have, from the agent console: list them, hold, resume, hang up,
 * transfer blind or attended, complete or cancel a consultation. Each request runs where the
 * calls are (ivr/call-commands.ts): any Relais process answers the same. Only the agent who has a
 * call may control it; refusals answer with the call-control reason in `details.reason`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/load.ts';
import type { CallCommands } from '../../ivr/call-commands.ts';
import { CallControlError, type CallControlErrorCode } from '../../ivr/call-control-errors.ts';
import type { ControlCommand } from '../../ivr/control-flow.ts';
import type { RoutingCore } from '../../routing/core.ts';
import { ApiError, type ApiErrorCode } from '../api-errors.ts';
import { parseWith } from '../validate.ts';

const STATUS: Record<CallControlErrorCode, ApiErrorCode> = {
  CALL_ERR_NOT_FOUND: 'API_ERR_NOT_FOUND',
  CALL_ERR_NOT_YOURS: 'API_ERR_FORBIDDEN',
  CALL_ERR_NOT_CONNECTED: 'API_ERR_CONFLICT',
  CALL_ERR_CONSULTING: 'API_ERR_CONFLICT',
  CALL_ERR_NOT_CONSULTING: 'API_ERR_CONFLICT',
  CALL_ERR_NOT_ANSWERED: 'API_ERR_CONFLICT',
  CALL_ERR_TARGET_UNAVAILABLE: 'API_ERR_CONFLICT',
  CALL_ERR_NOBODY_IN_TEAM: 'API_ERR_CONFLICT',
  CALL_ERR_ATTENDED_TO_TEAM: 'API_ERR_UNPROCESSABLE',
  CALL_ERR_UNSUPPORTED: 'API_ERR_UNPROCESSABLE',
  CALL_ERR_SELF: 'API_ERR_UNPROCESSABLE',
  CALL_ERR_UNKNOWN_TARGET: 'API_ERR_UNPROCESSABLE',
  CALL_ERR_OWNER_UNAVAILABLE: 'API_ERR_UNAVAILABLE',
  CALL_ERR_FAILED: 'API_ERR_INTERNAL',
};

const agentId = z.string().trim().min(1).max(64);
const callId = z.string().regex(/^[\w.-]{1,128}$/, 'not a call id');
/** Every call-control body may name the acting agent (see actingAgent). */
const bare = z.strictObject({ agent: agentId.optional() }).optional();
const transferBody = z.strictObject({
  agent: agentId.optional(),
  to: z.union([z.strictObject({ agent: agentId }), z.strictObject({ team: z.string().trim().min(1).max(64) })]),
  mode: z.enum(['blind', 'attended']).default('blind'),
});

export function registerCallRoutes(app: FastifyInstance, config: Config, calls: CallCommands, routing: RoutingCore): void {
  /**
   * The agent acting: the person logged in; a machine client with the API token names the agent
   * in `X-Relais-Agent` (or `agent` in the query or body).
   */
  const actingAgent = (req: FastifyRequest): string => {
    if (req.staff?.via === 'session') return req.staff.id;
    const named =
      req.headers['x-relais-agent'] ??
      (req.query as { agent?: unknown } | undefined)?.agent ??
      (req.body as { agent?: unknown } | null)?.agent;
    const id = parseWith(agentId, named);
    if (!Object.hasOwn(config.staff, id)) throw new ApiError('API_ERR_VALIDATION', `no staff member "${id}"`);
    return id;
  };

  /** Runs a command where the calls are; a refusal becomes an API error that says why. */
  const command = async (req: FastifyRequest, cmd: ControlCommand) => {
    const agent = actingAgent(req);
    const id = parseWith(callId, (req.params as { id?: unknown }).id);
    try {
      return { call: await calls.request({ kind: 'command', callId: id, agent, command: cmd }) };
    } catch (err) {
      throw await apiErrorOf(err, cmd);
    }
  };

  /** The refusal as the agent reads it; a busy colleague's state is said (paused, on a call...). */
  const apiErrorOf = async (err: unknown, cmd: ControlCommand): Promise<unknown> => {
    if (!(err instanceof CallControlError)) return err;
    let message = err.message;
    if (err.code === 'CALL_ERR_TARGET_UNAVAILABLE' && cmd.op === 'transfer' && 'agent' in cmd.to) {
      const a = await routing.agent(cmd.to.agent).catch(() => undefined);
      const busy =
        a && (a.offered.length ? 'ringing for another call' : Object.values(a.active).some((n) => (n ?? 0) > 0) ? 'on a call' : '');
      if (a) message = `${cmd.to.agent} is not free for a call (${busy || a.presence}${a.reason ? `: ${a.reason}` : ''})`;
    }
    return new ApiError(STATUS[err.code], message, { reason: err.code });
  };

  const known = (to: { agent: string } | { team: string }) => {
    const ok = 'agent' in to ? Object.hasOwn(config.staff, to.agent) : Object.hasOwn(config.teams, to.team);
    if (!ok)
      throw new ApiError('API_ERR_UNPROCESSABLE', 'agent' in to ? `no agent "${to.agent}"` : `no team "${to.team}"`, {
        reason: 'CALL_ERR_UNKNOWN_TARGET',
      });
  };

  app.get('/api/calls/mine', async (req) => {
    try {
      return { calls: await calls.request({ kind: 'mine', agent: actingAgent(req) }) };
    } catch (err) {
      throw await apiErrorOf(err, { op: 'hold' });
    }
  });

  for (const op of ['hold', 'resume', 'hangup'] as const)
    app.post(`/api/calls/:id/${op}`, async (req) => {
      parseWith(bare, req.body);
      return command(req, { op });
    });

  app.post('/api/calls/:id/transfer', async (req) => {
    const body = parseWith(transferBody, req.body);
    known(body.to);
    return command(req, { op: 'transfer', to: body.to, mode: body.mode });
  });

  for (const op of ['complete', 'cancel'] as const)
    app.post(`/api/calls/:id/transfer/${op}`, async (req) => {
      parseWith(bare, req.body);
      return command(req, { op });
    });
}
