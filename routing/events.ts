/**
 * What the routing core tells the channels, through Redis pub/sub so every Relais process hears
 * it: the process that holds the caller (or the visitor's socket) acts on it.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Agent, Interaction, Offer, TransferTarget } from './model.ts';

export type RoutingEvent =
  /** Ring the agents' phones (or their console) for this interaction. */
  | { type: 'offer'; offer: Offer; interaction: Interaction }
  /** Stop ringing these agents: someone else took it, the customer left, they missed or declined it. */
  | { type: 'offerCancelled'; offer: Offer; agents: string[]; reason: 'taken' | 'abandoned' | 'missed' | 'declined' }
  | { type: 'assigned'; interaction: Interaction; agent: string }
  /** The agent is done with it (ended, or handed to someone else). */
  | { type: 'finished'; interaction: Interaction; agent: string }
  /** The agent who had it passed it on (it is now offered, queued, or the consulted colleague's). */
  | { type: 'transferred'; interaction: Interaction; from: string; to: TransferTarget; mode: 'blind' | 'attended' }
  /** The team's queue changed: positions and estimates may have moved. */
  | { type: 'queue'; team: string }
  | { type: 'presence'; agent: Agent };

export type RoutingEventHandler = (e: RoutingEvent) => void;

/** Subscribes on a dedicated connection (a subscribed Redis connection can do nothing else). */
export async function subscribeRouting(
  redis: Redis,
  channel: string,
  log: Logger,
  handler: RoutingEventHandler,
): Promise<() => Promise<void>> {
  const sub = redis.duplicate();
  sub.on('error', (err) => log.warn({ err: err.message }, 'routing events connection error'));
  await sub.subscribe(channel);
  sub.on('message', (_ch: string, text: string) => {
    try {
      handler(JSON.parse(text) as RoutingEvent);
    } catch (err) {
      log.error({ err }, 'routing event handler failed');
    }
  });
  return async () => {
    sub.disconnect();
  };
}
