/**
 * Rings the phones of the agents a call is offered to (every device of each agent), and tells
 * the session when an agent's phones all stopped without answering: busy or rejected counts as
 * declined, anything else (no answer, unreachable, offline) as missed. Owns its legs: `kill()`
 * hangs up whatever still rings.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AriActions } from '../asterisk/ari-actions.ts';
import { staffDialStrings } from '../asterisk/endpoints.ts';
import type { Offer } from '../routing/model.ts';

/** Stasis argument marking a leg Relais originated to a staff phone: `agent,<callId>,<staffId>,<offerId>`. */
export const STASIS_ARG_AGENT = 'agent';

/** Q.850 causes of a phone that said no, as opposed to one that did not answer. */
const BUSY_CAUSES = new Set([17 /* user busy */, 21 /* call rejected */]);

export interface RingerDeps {
  ari: AriActions;
  app: string;
  log: Logger;
}

interface Leg {
  staffId: string;
  offerId: string;
}

export class OfferRinger {
  private readonly legs = new Map<string, Leg>();

  constructor(
    private readonly deps: RingerDeps,
    private readonly callId: string,
    /** Shown on the agent's phone when it rings: who calls (asked at each ring: the name may arrive late). */
    private readonly callerId: () => string,
    /** An agent's phones all stopped ringing, unanswered. */
    private readonly agentGone: (offerId: string, staffId: string, how: 'missed' | 'declined') => void,
    /** The caller's channel, when there is one (a callback has none until the agent answers). */
    private readonly originator: string | null = callId,
    /** What the legs are in the Stasis application: offers to agents, or a consulted colleague's phones. */
    private readonly stasisKind: string = STASIS_ARG_AGENT,
  ) {}

  get ringing(): boolean {
    return this.legs.size > 0;
  }

  owns(channelId: string): boolean {
    return this.legs.has(channelId);
  }

  /** Rings the offer's agents whose phones do not ring for it yet (offers are repeated on resume). */
  ring(offer: Offer, seconds: number): void {
    const ringingFor = new Set([...this.legs.values()].filter((l) => l.offerId === offer.id).map((l) => l.staffId));
    for (const staffId of offer.agents) {
      if (ringingFor.has(staffId)) continue;
      for (const endpoint of staffDialStrings(staffId)) this.originate(endpoint, staffId, offer.id, seconds);
    }
  }

  /** The leg answered: it is the session's now. */
  take(channelId: string): Leg | undefined {
    const leg = this.legs.get(channelId);
    this.legs.delete(channelId);
    return leg;
  }

  /** Stops these agents' phones (someone else took the call, the offer expired, ...). */
  cancel(offerId: string, agents: readonly string[]): void {
    for (const [channelId, leg] of this.legs) {
      if (leg.offerId === offerId && agents.includes(leg.staffId)) this.hangup(channelId);
    }
  }

  /** A leg ended without answering. */
  legGone(channelId: string, cause: number): void {
    const leg = this.legs.get(channelId);
    if (!leg) return;
    this.legs.delete(channelId);
    const stillRinging = [...this.legs.values()].some((l) => l.offerId === leg.offerId && l.staffId === leg.staffId);
    if (!stillRinging) this.agentGone(leg.offerId, leg.staffId, BUSY_CAUSES.has(cause) ? 'declined' : 'missed');
  }

  /** Hangs up every leg still ringing. Safe at any moment, more than once. */
  kill(): void {
    for (const channelId of [...this.legs.keys()]) this.hangup(channelId);
  }

  /** Forgets the legs without touching them: another Relais process owns this call now. */
  release(): void {
    this.legs.clear();
  }

  private hangup(channelId: string): void {
    this.legs.delete(channelId);
    this.deps.ari.hangup(channelId).catch((err) => this.deps.log.warn({ call: this.callId, channelId, err }, 'leg hang-up failed'));
  }

  private originate(endpoint: string, staffId: string, offerId: string, seconds: number): void {
    const channelId = `${this.callId}-${randomUUID().slice(0, 8)}`;
    this.legs.set(channelId, { staffId, offerId });
    this.deps.ari
      .originate({
        endpoint,
        app: this.deps.app,
        appArgs: [this.stasisKind, this.callId, staffId, offerId].join(','),
        channelId,
        callerId: this.callerId(),
        // A little longer than the offer: the routing core decides when it expired.
        timeoutSeconds: seconds + 2,
        originator: this.originator ?? undefined,
      })
      // A phone that is not registered fails at once: that device simply does not ring.
      .catch((err: Error) => {
        this.deps.log.debug({ call: this.callId, endpoint, err: err.message }, 'leg not placed');
        this.legGone(channelId, 0);
      });
  }
}
