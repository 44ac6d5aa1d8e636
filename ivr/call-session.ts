/**
 * One caller in the IVR: the edge between the pure call flow and ARI. It turns ARI events into
 * flow events, runs the flow's effects, and owns everything the call creates (playback, digit
 * timer, team dialer, bridge, agent leg) so that `end()` leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { TeamState } from '../routing/team-state.ts';
import { step, resume, type CallEvent, type CallState, type Effect, type MenuSettings, type PromptId } from './call-flow.ts';
import type { CallRecord, CallStore } from './call-store.ts';
import { TeamDialer, type DialerDeps, type TeamToDial } from './team-dialer.ts';

export interface SessionDeps extends DialerDeps {
  store: CallStore;
  teamState: TeamState;
  menu: MenuSettings;
  teams: Readonly<Record<string, TeamToDial>>;
  /** Media URI of a prompt (`sound:/.../greeting`). */
  media: (prompt: PromptId) => string;
  now: () => Date;
  /** Called when the session is over, so the app forgets it. */
  onEnded: (session: CallSession) => void;
}

/** French ringback, played to the caller while a team's phones ring. */
const RINGBACK = 'tone:ring;tonezone=fr';

export class CallSession {
  private state: CallState;
  private playbackId: string | undefined;
  private digitTimer: NodeJS.Timeout | undefined;
  private dialer: TeamDialer | undefined;
  private agent: CallRecord['agent'];
  private ended = false;
  private readonly log: Logger;

  constructor(
    private readonly deps: SessionDeps,
    private readonly record: Omit<CallRecord, 'state' | 'agent'>,
    state: CallState,
    agent?: CallRecord['agent'],
  ) {
    this.state = state;
    this.agent = agent;
    this.log = deps.log.child({ call: record.callId });
  }

  get callId(): string {
    return this.record.callId;
  }

  get agentChannelId(): string | undefined {
    return this.agent?.channelId;
  }

  /** A new call, already answered by the dialplan: the flow decides (greeting or closed message). */
  start(open: boolean): void {
    this.log.info({ step: 'start', caller: this.record.callerNumber, open }, 'call entered the IVR');
    this.dispatch({ type: 'start', open });
  }

  /** A call found in Stasis after a (re)connection: go on from where it was. */
  adopt(): void {
    this.clearMedia();
    this.dialer?.kill();
    this.dialer = undefined;
    this.log.info({ step: 'adopt', phase: this.state.phase }, 'call adopted');
    this.apply(resume(this.state.phase === 'talking' && !this.agent ? undefined : this.state, this.deps.menu));
  }

  onDigit(digit: string): void {
    this.log.info({ step: 'digit', digit, phase: this.state.phase }, 'digit received');
    this.dispatch({ type: 'digit', digit });
  }

  onPlaybackFinished(playbackId: string): void {
    if (playbackId !== this.playbackId) return; // a playback stopped on purpose
    this.playbackId = undefined;
    this.dispatch({ type: 'promptDone' });
  }

  /** True when the channel is an agent leg of this call (ringing or answered). */
  ownsLeg(channelId: string): boolean {
    return this.agent?.channelId === channelId || (this.dialer?.owns(channelId) ?? false);
  }

  /** An agent leg answered and entered Stasis. */
  async onAgentAnswered(channelId: string, staffIdHint: string | undefined): Promise<void> {
    const staffId = this.state.phase === 'team' ? this.dialer?.answered(channelId, staffIdHint) : undefined;
    if (!staffId || this.ended) {
      await this.deps.ari.hangup(channelId).catch(() => undefined);
      return;
    }
    this.dialer = undefined;
    const bridgeId = `${this.callId}-bridge`;
    this.agent = { channelId, staffId, bridgeId };
    this.stopPrompt();
    try {
      await this.deps.ari.createBridge(bridgeId);
      await this.deps.ari.addToBridge(bridgeId, [this.callId, channelId]);
    } catch (err) {
      return this.failed(err, 'bridge');
    }
    this.log.info({ step: 'connected', staff: staffId, agentChannel: channelId }, 'caller and agent connected');
    this.dispatch({ type: 'agentConnected' });
  }

  /** A channel of this call is gone: the caller (end of everything) or an agent leg. */
  onChannelGone(channelId: string): void {
    if (channelId === this.callId) return this.end('caller hung up', { callerGone: true });
    if (this.agent?.channelId === channelId) return this.end('agent hung up', { agentGone: true });
    this.dialer?.legGone(channelId);
  }

  /**
   * Stops acting on the call without touching it (timers only): another Relais process owns it
   * now and adopts it from its saved state.
   */
  release(): void {
    this.ended = true;
    clearTimeout(this.digitTimer);
    this.dialer?.release();
  }

  /**
   * Ends the call and releases everything it holds. Idempotent. Channels known to be gone are not
   * asked to hang up again (a quarter of all requests under load, each a 404).
   */
  end(reason: string, gone: { callerGone?: boolean; agentGone?: boolean } = {}): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.digitTimer);
    if (gone.callerGone) this.playbackId = undefined;
    else this.stopPrompt();
    this.dialer?.kill();
    const { ari } = this.deps;
    const quietly = (p: Promise<void>) => p.catch((err) => this.log.warn({ err }, 'clean-up request failed'));
    if (!gone.callerGone) quietly(ari.hangup(this.callId));
    if (this.agent) {
      if (!gone.agentGone) quietly(ari.hangup(this.agent.channelId));
      quietly(ari.destroyBridge(this.agent.bridgeId));
      void this.deps.teamState.recordCallEnded(this.agent.staffId, this.deps.now()).catch(() => undefined);
    }
    void this.deps.store.remove(this.callId).catch((err) => this.log.warn({ err }, 'call record not removed'));
    this.log.info({ step: 'end', reason, phase: this.state.phase }, 'call ended');
    this.deps.onEnded(this);
  }

  private dispatch(event: CallEvent): void {
    if (this.ended) return;
    const before = this.state.phase;
    const t = step(this.state, event, this.deps.menu);
    if (t.state.phase !== before) this.log.info({ step: t.state.phase, from: before, event: event.type }, 'call step');
    this.apply(t);
  }

  private apply(t: { state: CallState; effects: Effect[] }): void {
    this.state = t.state;
    this.persist();
    for (const effect of t.effects) this.run(effect);
  }

  private run(effect: Effect): void {
    switch (effect.kind) {
      case 'play':
        return this.play(effect.prompts.map(this.deps.media));
      case 'ringback':
        return this.play([RINGBACK]);
      case 'stopPrompt':
        return this.stopPrompt();
      case 'startDigitTimer':
        clearTimeout(this.digitTimer);
        this.digitTimer = setTimeout(() => this.dispatch({ type: 'silence' }), effect.seconds * 1000);
        return;
      case 'cancelDigitTimer':
        clearTimeout(this.digitTimer);
        return;
      case 'dialTeam':
        return this.dialTeam(effect.team);
      case 'stopDialing':
        this.dialer?.kill();
        this.dialer = undefined;
        return;
      case 'hangup':
        return this.end('flow finished');
    }
  }

  private play(media: string[]): void {
    const playbackId = randomUUID();
    this.playbackId = playbackId;
    this.deps.ari.play(this.callId, media, playbackId).catch((err) => {
      if (this.playbackId === playbackId) this.failed(err, 'play');
    });
  }

  private stopPrompt(): void {
    const id = this.playbackId;
    this.playbackId = undefined;
    if (id) this.deps.ari.stopPlayback(id).catch((err) => this.log.warn({ err }, 'stop playback failed'));
  }

  private clearMedia(): void {
    clearTimeout(this.digitTimer);
    this.stopPrompt();
  }

  private dialTeam(teamId: string): void {
    const team = this.deps.teams[teamId];
    if (!team) return this.failed(new Error(`unknown team ${teamId}`), 'dial');
    this.dialer?.kill();
    const dialer = new TeamDialer(this.deps, this.callId, this.record.callerNumber, team, () => {
      if (this.dialer === dialer) this.dispatch({ type: 'teamUnanswered' });
    });
    this.dialer = dialer;
    dialer.start().catch((err) => this.failed(err, 'dial'));
  }

  /** Something on our side broke: the flow apologises; if even that fails, hang up. */
  private failed(err: unknown, what: string): void {
    if (this.ended) return;
    const code = (err as { code?: string }).code;
    if (code === 'ARI_ERR_NOT_FOUND') return this.end(`channel gone during ${what}`);
    this.log.error({ err, what }, 'call step failed');
    if (this.state.phase === 'farewell' && this.state.prompt === 'apology') return this.end(`${what} failed while apologising`);
    this.dispatch({ type: 'failure' });
  }

  private persist(): void {
    const rec: CallRecord = { ...this.record, state: this.state, ...(this.agent ? { agent: this.agent } : {}) };
    this.deps.store.save(rec).catch((err) => this.log.warn({ err }, 'call state not saved'));
  }
}
