/**
 * What a peer heard during one stretch of a call: the RTP its port received between two instants
 * (captured on the wire), and whether that was another peer's speech, Asterisk's hold music, or
 * silence. Speech is recognised block by block against what sipp says; hold music against the
 * music-on-hold files themselves (decoded once with sox), so "music" means the real hold music.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import { encodeWav, findPrompt, parseWav, rmsDbfs, type Wav } from './audio.ts';
import { CHROOT } from './relais.ts';
import { rtpAudio, speechWav, type RtpCapture } from './rtp-capture.ts';

const RATE = 8000;

/** The audio `dstPort` received between two instants (epoch ms), as decoded samples. */
export function heardBetween(capture: RtpCapture, dstPort: number, fromMs: number, toMs: number): Wav {
  const packets = capture.packets().filter((p) => p.dstPort === dstPort && p.time * 1000 >= fromMs && p.time * 1000 < toMs);
  return packets.length ? parseWav(rtpAudio(packets)) : { sampleRate: RATE, samples: new Float32Array(0) };
}

/** Level of a stretch, in dBFS (-Infinity: nothing, or digital silence). */
export const levelOf = (w: Wav): number => rmsDbfs(w.samples);

/** A stretch is silent when nothing audible came (no packets, comfort noise, or digital silence). */
export const isSilent = (w: Wav): boolean => levelOf(w) < -50;

let speech: Wav | undefined;

/**
 * The share of the stretch's audible one-second blocks that are part of `voice` (by default what a
 * sipp peer says: sip-tester's speech sample), from 0 to 1; NaN when nothing in it is audible.
 */
export function speechShare(w: Wav, voice: Wav = sippSpeech()): number {
  let audible = 0;
  let matched = 0;
  for (let at = 0; at + RATE <= w.samples.length; at += RATE) {
    const block = { sampleRate: RATE, samples: w.samples.subarray(at, at + RATE) };
    if (rmsDbfs(block.samples) < -45) continue;
    audible++;
    if (findPrompt(voice, block).peak >= 0.6) matched++;
  }
  return audible ? matched / audible : NaN;
}

const sippSpeech = (): Wav => (speech ??= parseWav(speechWav()));

let music: Wav[] | undefined;

/** The music-on-hold files Asterisk plays (Debian's opsound, GSM), decoded once to 8 kHz WAV. */
function holdMusic(): Wav[] {
  if (music) return music;
  const dir = join(CHROOT, 'usr/share/asterisk/moh');
  const out = join(tmpdir(), 'relais-test-moh');
  mkdirSync(out, { recursive: true });
  music = readdirSync(dir)
    .filter((f) => f.endsWith('.gsm'))
    .map((f) => {
      const wav = join(out, `${basename(f, '.gsm')}.wav`);
      if (!existsSync(wav)) execFileSync('sox', ['-t', 'gsm', '-r', '8000', '-c', '1', join(dir, f), '-b', '16', wav]);
      return parseWav(readFileSync(wav));
    });
  return music;
}

/**
 * How well a stretch (a few seconds) matches Asterisk's hold music: the best normalised
 * cross-correlation found anywhere in the music files (about 1: it is the music; below 0.5: it is
 * not). The files are searched in overlapping 20 s pieces, so each correlation stays small.
 */
export function holdMusicMatch(w: Wav): number {
  if (w.samples.length < RATE || levelOf(w) < -45) return 0;
  const piece = 20 * RATE;
  let best = 0;
  for (const file of holdMusic()) {
    for (let at = 0; at < file.samples.length; at += piece - w.samples.length) {
      const part = { sampleRate: RATE, samples: file.samples.subarray(at, at + piece) };
      best = Math.max(best, findPrompt(part, w).peak);
      if (best >= 0.9) return best;
    }
  }
  return best;
}

/** Keeps a stretch that failed a check as a WAV file, for a look at why; returns where. */
export function keep(w: Wav, name: string): string {
  const file = join(tmpdir(), `relais-heard-${name}-${Date.now()}.wav`);
  writeFileSync(file, encodeWav(w.samples, w.sampleRate));
  return file;
}

/** The stretch is Asterisk's hold music. */
export function expectHoldMusic(w: Wav, what: string): void {
  const match = holdMusicMatch(w);
  if (match < 0.8)
    expect.fail(
      `${what}: not the hold music (best match ${match.toFixed(2)}, level ${levelOf(w).toFixed(1)} dBFS; kept in ${keep(w, 'not-music')})`,
    );
}

/** Most of the stretch is a sipp peer's speech, or `voice`. */
export function expectSpeech(w: Wav, what: string, voice?: Wav): void {
  const share = speechShare(w, voice);
  if (!(share >= 0.6))
    expect.fail(
      `${what}: not speech (${Number.isNaN(share) ? 'nothing audible' : `${Math.round(share * 100)} % of it`}; kept in ${keep(w, 'not-speech')})`,
    );
}

/** Nothing audible in the stretch. */
export function expectSilence(w: Wav, what: string): void {
  if (!isSilent(w)) expect.fail(`${what}: not silent (level ${levelOf(w).toFixed(1)} dBFS; kept in ${keep(w, 'not-silent')})`);
}
