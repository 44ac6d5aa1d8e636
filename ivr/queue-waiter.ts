/**
 * A caller's side of waiting in a team's queue, against the routing core: entering it
 * (idempotent: after a restart the place is kept), the position announced on entry and every
 * `announceEverySeconds`, the wait limit, and routing requests retried while Redis restarts.
 */
import type { Logger } from 'pino';
import type { RoutingCore } from '../routing/core.ts';
import type { Offer, Priority } from '../routing/model.ts';
import type { CallEvent } from './call-flow.ts';

export interface QueueSettings {
  /** Shown on agents' phones. */
  name: string;
  /** How long an offer rings an agent. */
  offerSeconds: number;
  announceEverySeconds: number;
  maxWaitSeconds: number;
}

export interface QueueWaiterDeps {
  routing: RoutingCore;
  queues: Readonly<Record<string, QueueSettings>>;
  priorityOf: (callerNumber: string) => Promise<Priority>;
  now: () => Date;
  log: Logger;
  callId: string;
  callerNumber: string;
  /** The call is over: stop trying. */
  isOver: () => boolean;
  dispatch: (event: CallEvent) => void;
  /** An offer already made when the caller (re-)entered: ring it. */
  onOffer: (offer: Offer) => void;
}

export class QueueWaiter {
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly d: QueueWaiterDeps) {}

  /**
   * Enters the team's queue, rings at once if an agent is free, and otherwise announces the
   * position now and periodically; `keepWaiting`: the caller chose to wait past the limit.
   */
  async enter(teamId: string, keepWaiting: boolean): Promise<void> {
    const team = this.d.queues[teamId];
    if (!team) throw new Error(`unknown team ${teamId}`);
    const { routing, callId, callerNumber } = this.d;
    const priority = await this.d.priorityOf(callerNumber).catch(() => 'normal' as const);
    const ix = await this.untilStored(() =>
      routing.enqueue({ id: callId, channel: 'call', team: teamId, priority, meta: { callerNumber } }),
    );
    if (!ix || this.d.isOver()) return;
    this.d.log.info({ step: 'queued', team: ix.team, priority, state: ix.state }, 'caller in queue');
    const snapshot = await this.untilStored(() => routing.teamSnapshot(ix.team));
    if (!snapshot || this.d.isOver()) return;
    if (snapshot.agents.every((a) => a.presence === 'offline')) return this.d.dispatch({ type: 'noAgent', canWait: false });
    if (ix.offer) this.d.onOffer(ix.offer);
    this.announceNow();
    const waitedMs = this.d.now().getTime() - ix.enqueuedAt;
    this.timers.push(setInterval(() => this.announceNow(), team.announceEverySeconds * 1000));
    if (!keepWaiting) {
      const left = Math.max(0, team.maxWaitSeconds * 1000 - waitedMs);
      this.timers.push(setTimeout(() => this.d.dispatch({ type: 'noAgent', canWait: true }), left));
    }
  }

  /** Asks where the caller stands; the flow announces it (position 0, being offered: nothing to say). */
  announceNow(): void {
    void this.d.routing
      .position(this.d.callId)
      .then((p) => p && this.d.dispatch({ type: 'position', position: p.position, minutes: p.estimatedMinutes }))
      .catch((err) => this.d.log.warn({ err }, 'position unavailable'));
  }

  /** Stops the announcements and the wait limit (connected, leaving, or choosing a callback). */
  pause(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  /**
   * Runs a routing request until Redis answers: while Redis restarts the caller keeps hearing
   * the hold music, then takes their place. Undefined if the call ended meanwhile.
   */
  private async untilStored<T>(request: () => Promise<T>): Promise<T | undefined> {
    for (let delay = 250; ; delay = Math.min(delay * 2, 4000)) {
      try {
        return await request();
      } catch (err) {
        if (this.d.isOver()) return undefined;
        this.d.log.warn({ err: (err as Error).message, retryInMs: delay }, 'routing unavailable: caller kept on hold');
        await new Promise((r) => setTimeout(r, delay));
        if (this.d.isOver()) return undefined;
      }
    }
  }
}
