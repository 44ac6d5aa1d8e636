/**
 * The prompt playing on a channel, by ARI playback id: a PlaybackFinished for the current one
 * means "done", any other is a playback stopped on purpose. One per channel Relais speaks to.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AriActions } from '../asterisk/ari-actions.ts';

export class PromptPlayer {
  private current: string | undefined;

  constructor(
    private readonly ari: AriActions,
    private readonly log: Logger,
  ) {}

  /** Plays media (one playlist) on the channel; `onError` hears a failure while it is still current. */
  play(channelId: string, media: readonly string[], onError: (err: unknown) => void): void {
    const id = randomUUID();
    this.current = id;
    this.ari.play(channelId, media, id).catch((err) => {
      if (this.current === id) onError(err);
    });
  }

  /** Stops the current prompt, if any. */
  stop(): void {
    const id = this.current;
    this.current = undefined;
    if (id) this.ari.stopPlayback(id).catch((err) => this.log.warn({ err }, 'stop playback failed'));
  }

  /** Forgets the current prompt without a request (its channel is gone). */
  forget(): void {
    this.current = undefined;
  }

  /** Whether this finished playback is the current prompt (which is then over). */
  finished(playbackId: string): boolean {
    if (playbackId !== this.current) return false;
    this.current = undefined;
    return true;
  }
}
