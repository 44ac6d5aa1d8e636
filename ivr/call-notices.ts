/**
 * What the consoles are told about the calls agents have: a view of each call, and a typed event
 * at each change (an agent has it, held, resumed, consulting, transferring, transferred, ended),
 * published on Redis so a console's socket on any Relais process hears it.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TransferTarget } from '../routing/model.ts';
import type { ControlCommand } from './control-flow.ts';

/** A call as its agent's console shows it. */
export interface AgentCall {
  /** The caller's channel id (a call), or the callback attempt's id. */
  id: string;
  channel: 'call' | 'callback';
  /** Who has it. */
  agent: string;
  team: string;
  /** Who the agent talks to: the number as it arrived (a call) or as called (a callback). */
  customer: { number: string };
  state: 'talking' | 'held' | 'consulting';
  /** Since when in this state (ISO 8601). */
  since: string;
  /** While consulting: the colleague, and whether they answered. */
  colleague?: { agent: string; answered: boolean };
}

export type CallNotice =
  /** An agent has the call, answered from the queue (a callback: the customer answered). */
  | { type: 'connected'; call: AgentCall }
  | { type: 'held'; call: AgentCall }
  | { type: 'resumed'; call: AgentCall }
  /** The colleague's phones ring (`call.colleague.answered` false), or they answered. */
  | { type: 'consulting'; call: AgentCall }
  | { type: 'consultEnded'; call: AgentCall; reason: 'cancelled' | 'no-answer' | 'colleague-hung-up' }
  /** Blind transfer: `from` let the call go; it waits for the colleague or in the team's queue. */
  | { type: 'transferring'; callId: string; from: string; to: TransferTarget }
  /** Another agent has the call now: the consulted colleague, or whoever answered a blind transfer. */
  | { type: 'transferred'; call: AgentCall; from: string; mode: 'blind' | 'attended' }
  /** The call is over for its agent (and the colleague consulted, if any). */
  | { type: 'ended'; callId: string; agent: string; colleague?: string };

/** A call an agent's console can control, whatever its channel. */
export interface ControllableCall {
  /** The call as its agent sees it; undefined while no agent has it. */
  view(): AgentCall | undefined;
  /** The agent's command; resolves with the call as it is after it (undefined: no longer theirs). Refusals are CallControlErrors. */
  command(cmd: ControlCommand, actingAgent: string): Promise<AgentCall | undefined>;
}

export type NoticeHandler = (n: CallNotice) => void;

export function callNoticesChannel(prefix: string): string {
  return `${prefix}:calls:events`;
}

/** Publishes a notice to every Relais process; a lost notice is logged, never a call's failure. */
export function callNoticePublisher(redis: Redis, prefix: string, log: Logger): NoticeHandler {
  const channel = callNoticesChannel(prefix);
  return (n) =>
    void redis.publish(channel, JSON.stringify(n)).catch((err: Error) => log.warn({ err: err.message, type: n.type }, 'call notice lost'));
}

/** Subscribes on a dedicated connection (a subscribed Redis connection can do nothing else). */
export async function subscribeCallNotices(redis: Redis, prefix: string, log: Logger, handler: NoticeHandler): Promise<() => void> {
  const sub = redis.duplicate();
  sub.on('error', (err) => log.warn({ err: err.message }, 'call notices connection error'));
  await sub.subscribe(callNoticesChannel(prefix));
  sub.on('message', (_ch: string, text: string) => {
    try {
      handler(JSON.parse(text) as CallNotice);
    } catch (err) {
      log.error({ err }, 'call notice handler failed');
    }
  });
  return () => sub.disconnect();
}
