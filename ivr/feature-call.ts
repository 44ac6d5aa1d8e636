/**
 * A staff member dialled a feature code (*45 log in, *46 log out, *47 pause, *48 resume): their
 * presence changes in the routing core, a short French message confirms it, and the call ends.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AriActions } from '../asterisk/ari-actions.ts';
import { staffOfChannel } from '../asterisk/endpoints.ts';
import type { FeatureAction } from '../dialplan/render.ts';
import type { RoutingCore } from '../routing/core.ts';
import type { Presence } from '../routing/model.ts';
import type { PromptId } from './call-flow.ts';

const PRESENCE: Record<FeatureAction, Exclude<Presence, 'wrapup'>> = {
  login: 'available',
  logout: 'offline',
  pause: 'paused',
  resume: 'available',
};

export interface FeatureDeps {
  ari: AriActions;
  routing: RoutingCore;
  media: (prompt: PromptId) => string;
  log: Logger;
}

export class FeatureCall {
  private playbackId: string | undefined;

  constructor(
    private readonly deps: FeatureDeps,
    readonly channelId: string,
  ) {}

  async run(channelName: string, action: FeatureAction): Promise<void> {
    const staffId = staffOfChannel(channelName);
    let prompt: PromptId = `feature-${action}`;
    try {
      if (!staffId) throw new Error(`no staff member for channel ${channelName}`);
      await this.deps.routing.setPresence(staffId, PRESENCE[action], action === 'pause' ? 'pause' : undefined);
      this.deps.log.info({ step: 'feature', staff: staffId, action }, 'presence changed from a phone');
    } catch (err) {
      this.deps.log.error({ err, channelName, action }, 'feature code failed');
      prompt = 'apology';
    }
    this.playbackId = randomUUID();
    await this.deps.ari.play(this.channelId, [this.deps.media(prompt)], this.playbackId).catch(() => this.hangup());
  }

  onPlaybackFinished(playbackId: string): void {
    if (playbackId === this.playbackId) this.hangup();
  }

  private hangup(): void {
    this.deps.ari.hangup(this.channelId).catch(() => undefined);
  }
}
