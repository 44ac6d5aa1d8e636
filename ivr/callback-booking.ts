/**
 * A caller's callback, recorded from the IVR (the flow's `requestCallback` effect). A caller who
 * was waiting keeps their place: the callback takes it, and the call leaves the queue as "called
 * back", not abandoned.
 */
import type { Logger } from 'pino';
import type { CallbackRequest, RequestResult } from '../callback/service.ts';
import type { CallbackSource } from '../callback/store.ts';
import type { RoutingCore } from '../routing/core.ts';
import { whenOf, type CallbackOrigin, type CallEvent, type Effect } from './flow-types.ts';

/** What the IVR needs of the callback service. */
export interface CallbackDesk {
  request(req: CallbackRequest): Promise<RequestResult>;
  /** The digits to read back for a recorded number. */
  digitsToSay(e164: string): string;
}

const SOURCES: Record<CallbackOrigin, CallbackSource> = { queue: 'phone-queue', 'no-agent': 'phone-no-agent', closed: 'phone-closed' };

/** Records the callback and tells the flow: callbackBooked, or callbackRefused for a number that is not called back. */
export async function bookCallback(
  d: {
    callbacks?: CallbackDesk;
    routing: RoutingCore;
    log: Logger;
    callId: string;
    callerNumber: string;
    isOver: () => boolean;
    dispatch: (e: CallEvent) => void;
  },
  effect: Extract<Effect, { kind: 'requestCallback' }>,
): Promise<void> {
  const { callbacks, routing, log, callId } = d;
  if (!callbacks) throw new Error('callbacks are not configured');
  const waiting = whenOf(effect.origin) === 'turn' ? await routing.interaction(callId) : undefined;
  const result = await callbacks.request({
    number: effect.number === 'caller' ? d.callerNumber : effect.number.typed,
    team: waiting?.team ?? effect.team,
    source: SOURCES[effect.origin],
    place: waiting?.enqueuedAt,
  });
  if (d.isOver()) return;
  if (!result.ok) {
    log.info({ step: 'callback-refused', reason: result.reason }, 'callback number refused');
    return d.dispatch({ type: 'callbackRefused' });
  }
  if (waiting) await routing.abandon(callId, 'callback').catch((err) => log.warn({ err }, 'leaving the queue failed'));
  log.info({ step: 'callback-booked', callback: result.callback.id, merged: result.merged }, 'callback recorded');
  d.dispatch({ type: 'callbackBooked', digits: callbacks.digitsToSay(result.callback.number) });
}
