/**
 * Rings a team's phones for one caller, wave after wave as the team's ring plan says, until one
 * phone answers or the team's time is up. Owns its originated legs and its timer: `kill()`
 * releases everything, whatever the moment.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AriActions } from '../asterisk/ari-actions.ts';
import { staffDialStrings, staffEndpoints } from '../asterisk/endpoints.ts';
import { ringPlan, type MemberStatus, type RingWave, type TeamRinging } from '../routing/ring-plan.ts';
import type { TeamState } from '../routing/team-state.ts';

/** Stasis argument marking a leg Relais originated to a staff phone: `agent,<callId>,<staffId>`. */
export const STASIS_ARG_AGENT = 'agent';

export interface DialerDeps {
  ari: AriActions;
  app: string;
  teamState: TeamState;
  log: Logger;
}

export interface TeamToDial extends TeamRinging {
  id: string;
  name: string;
  members: readonly string[];
}

interface Leg {
  staffId: string;
  wave: number;
}

export class TeamDialer {
  private readonly legs = new Map<string, Leg>();
  private wave = -1;
  private waves: RingWave[] = [];
  private timer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    private readonly deps: DialerDeps,
    private readonly callId: string,
    private readonly callerNumber: string,
    private readonly team: TeamToDial,
    /** Called once when nobody answered in the team's time. */
    private readonly onUnanswered: () => void,
  ) {}

  async start(): Promise<void> {
    const statuses = await this.memberStatuses();
    this.waves = ringPlan(this.team, statuses, await this.remembered(() => this.deps.teamState.lastAnswered(this.team.id), undefined));
    this.deps.log.info({ call: this.callId, step: 'dial', team: this.team.id, waves: this.waves }, 'ringing team');
    this.nextWave();
  }

  /** True when `channelId` is one of this dialer's ringing legs. */
  owns(channelId: string): boolean {
    return this.legs.has(channelId);
  }

  /**
   * A leg answered. The first one wins: the others stop ringing. Returns the staff member, or
   * undefined when another leg already won (the caller hangs this one up).
   */
  answered(channelId: string, staffIdHint?: string): string | undefined {
    if (this.done) return undefined;
    const leg = this.legs.get(channelId);
    const staffId = leg?.staffId ?? staffIdHint;
    if (!staffId) return undefined;
    this.legs.delete(channelId);
    this.finish();
    void this.deps.teamState.recordAnswered(this.team.id, staffId).catch((err) => this.deps.log.warn({ err }, 'team state not saved'));
    return staffId;
  }

  /** A leg ended without answering (busy, declined, unreachable, timed out). */
  legGone(channelId: string): void {
    const leg = this.legs.get(channelId);
    if (!leg) return;
    this.legs.delete(channelId);
    // Nobody left ringing in this wave: no point waiting for its timer.
    if (!this.done && leg.wave === this.wave && ![...this.legs.values()].some((l) => l.wave === this.wave)) this.nextWave();
  }

  /** Forgets the legs without touching them: another Relais process now owns this call. */
  release(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.legs.clear();
  }

  /** Stops ringing everyone. Safe to call at any moment, more than once. */
  kill(): void {
    this.finish();
  }

  private finish(): void {
    this.done = true;
    clearTimeout(this.timer);
    for (const channelId of this.legs.keys()) this.hangupLeg(channelId);
    this.legs.clear();
  }

  private nextWave(): void {
    clearTimeout(this.timer);
    for (const channelId of this.legs.keys()) this.hangupLeg(channelId);
    this.legs.clear();
    this.wave += 1;
    const wave = this.waves[this.wave];
    if (!wave) {
      this.done = true;
      this.deps.log.info({ call: this.callId, step: 'unanswered', team: this.team.id }, 'nobody answered');
      this.onUnanswered();
      return;
    }
    this.timer = setTimeout(() => this.nextWave(), wave.seconds * 1000);
    for (const staffId of wave.members) {
      for (const endpoint of staffDialStrings(staffId)) this.originate(endpoint, staffId, wave.seconds);
    }
  }

  private originate(endpoint: string, staffId: string, seconds: number): void {
    const channelId = `${this.callId}-${randomUUID().slice(0, 8)}`;
    this.legs.set(channelId, { staffId, wave: this.wave });
    this.deps.ari
      .originate({
        endpoint,
        app: this.deps.app,
        appArgs: [STASIS_ARG_AGENT, this.callId, staffId].join(','),
        channelId,
        callerId: `"${this.team.name}" <${this.callerNumber || 'anonymous'}>`,
        timeoutSeconds: seconds,
        originator: this.callId,
      })
      // An unregistered phone fails at once: that leg is simply not ringing.
      .catch((err) => {
        this.deps.log.debug({ call: this.callId, endpoint, err: err.message }, 'leg not placed');
        this.legGone(channelId);
      });
  }

  private hangupLeg(channelId: string): void {
    this.deps.ari.hangup(channelId).catch((err) => this.deps.log.warn({ call: this.callId, channelId, err }, 'leg hang-up failed'));
  }

  /**
   * What the strategy remembers lives in Redis. Without it (Redis restarting) the phones still
   * ring, in configuration order: a caller never waits on a store.
   */
  private async remembered<T>(read: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await read();
    } catch (err) {
      this.deps.log.warn({ call: this.callId, err: (err as Error).message }, 'team state unavailable: ringing in configuration order');
      return fallback;
    }
  }

  private async memberStatuses(): Promise<MemberStatus[]> {
    const idle = await this.remembered(() => this.deps.teamState.lastCallEnded(this.team.members), {} as Record<string, number>);
    return Promise.all(
      this.team.members.map(async (id) => {
        const { phone, browser } = staffEndpoints(id);
        const devices = await Promise.all(
          [phone, browser].map((r) => this.deps.ari.endpoint('PJSIP', r).catch(() => ({ state: 'unknown', channelIds: [] }))),
        );
        return {
          id,
          reachable: devices.some((d) => d.state === 'online'),
          busy: devices.some((d) => d.channelIds.length > 0),
          lastCallEndedAt: idle[id] ?? 0,
        };
      }),
    );
  }
}
