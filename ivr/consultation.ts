/**
 * The colleague an agent consults before passing a call on (attended transfer), on the lines:
 * every device of theirs rings (ringback for nobody: the caller is on hold music); the first that
 * answers is their leg, the others stop. Owns those legs: `hangup()` and `kill()` leave none.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { OfferRinger, type RingerDeps } from './offer-ringer.ts';

/** Stasis argument marking a leg ringing a consulted colleague: `consult,<callId>,<staffId>,<ringId>`. */
export const STASIS_ARG_CONSULT = 'consult';

export class Consultation {
  private current: { staffId: string; ringId: string; channelId?: string } | undefined;
  private readonly ringer: OfferRinger;

  constructor(
    private readonly deps: RingerDeps,
    callId: string,
    /** Shown on the colleague's phones: who calls. */
    callerId: () => string,
    /** Every phone of the colleague stopped ringing, unanswered (busy, declined, no answer). */
    private readonly unanswered: () => void,
    /** After a restart: the colleague consulted, and their leg if they had answered. */
    saved?: { staffId: string; channelId?: string },
  ) {
    if (saved) this.current = { staffId: saved.staffId, ringId: '', channelId: saved.channelId };
    this.ringer = new OfferRinger(
      deps,
      callId,
      callerId,
      (ringId) => {
        if (this.current?.ringId === ringId && !this.current.channelId) this.unanswered();
      },
      callId,
      STASIS_ARG_CONSULT,
    );
  }

  /** The colleague consulted now, if any. */
  get colleague(): string | undefined {
    return this.current?.staffId;
  }

  /** The colleague's leg, once they answered. */
  get channelId(): string | undefined {
    return this.current?.channelId;
  }

  owns(channelId: string): boolean {
    return this.current?.channelId === channelId || this.ringer.owns(channelId);
  }

  /** Rings every device of the colleague (whose slot the routing core holds already). */
  ring(callId: string, staffId: string, seconds: number): void {
    this.current = { staffId, ringId: randomUUID() };
    this.ringer.ring({ id: this.current.ringId, interactionId: callId, agents: [staffId], expiresAt: 0 }, seconds);
  }

  /** The colleague answered on this leg: false when it is not (or no longer) wanted, and should hang up. */
  answered(channelId: string, staffId: string, ringId: string): boolean {
    const c = this.current;
    if (!c || c.ringId !== ringId || c.staffId !== staffId || c.channelId) return false;
    this.ringer.take(channelId);
    this.ringer.kill(); // their other devices stop ringing
    c.channelId = channelId;
    return true;
  }

  /** A leg of the colleague's ended; true when it was their answered leg (they hung up). */
  legGone(channelId: string, cause: number): boolean {
    if (this.ringer.owns(channelId)) {
      this.ringer.legGone(channelId, cause);
      return false;
    }
    if (!this.current || this.current.channelId !== channelId) return false;
    this.current.channelId = undefined;
    return true;
  }

  /** Hangs up whatever of the colleague's is still up; the consultation is over. */
  async hangup(): Promise<void> {
    this.ringer.kill();
    const channelId = this.current?.channelId;
    // Forgotten first: the end of that leg is ours, not news.
    this.current = undefined;
    if (channelId) await this.deps.ari.hangup(channelId).catch((err) => this.log.warn({ err, channelId }, 'colleague hang-up failed'));
  }

  /** The colleague takes the call on their leg: the consultation is over, the leg is the call's now. */
  takeOver(): { channelId: string; staffId: string } {
    const c = this.current!;
    this.current = undefined;
    return { channelId: c.channelId!, staffId: c.staffId };
  }

  /** The consultation is over, its legs already gone (or never placed). */
  forget(): void {
    this.ringer.kill();
    this.current = undefined;
  }

  /** Forgets the legs without touching them: another Relais process owns the call now. */
  release(): void {
    this.ringer.release();
  }

  private get log(): Logger {
    return this.deps.log;
  }
}
