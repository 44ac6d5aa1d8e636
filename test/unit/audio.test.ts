import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPrompts } from '../../asterisk/prompts.ts';
import { activeSpan, encodeWav, findPrompt, heardPrompt, parseWav, rmsDbfs } from '../support/audio.ts';
import type { Wav } from '../support/audio.ts';

const RATE = 8000;
let dir: string;
let greeting: Wav;
let closed: Wav;
let long: Wav;
let codecRuns = 0;

/** The prompt as the caller's leg records it: through G.711 (no dither, like Asterisk) and 6 dB quieter. */
function throughCodec(file: string, encoding: 'a-law' | 'u-law'): Float32Array {
  const coded = join(dir, `coded-${++codecRuns}.wav`);
  const back = join(dir, `back-${codecRuns}.wav`);
  execFileSync('sox', ['-D', file, '-e', encoding, '-t', 'wav', coded]);
  execFileSync('sox', ['-D', coded, '-e', 'signed-integer', '-b', '16', '-t', 'wav', back, 'gain', '-6']);
  return parseWav(readFileSync(back)).samples;
}

/** Low deterministic noise, as a quiet line adds; -60 dBFS. */
function noise(ms: number, seed = 1): Float32Array {
  const out = new Float32Array((ms * RATE) / 1000);
  let x = seed;
  for (let i = 0; i < out.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x / 2 ** 32 - 0.5) * 0.0035;
  }
  return out;
}

function recording(...parts: Float32Array[]): Buffer {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return encodeWav(out, RATE);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relais-audio-test-'));
  const out = await renderPrompts(
    {
      greeting: { text: 'Bienvenue chez ISeedOr, votre hébergeur de seedbox et de serveurs.' },
      closed: { text: 'Nos bureaux sont fermés. Rappelez-nous du lundi au vendredi.' },
      long: {
        text:
          'Tous nos conseillers sont en ligne. Votre appel est important pour nous, merci de patienter. ' +
          'Vous pouvez aussi nous écrire depuis votre espace client, nous répondons sous vingt-quatre heures.',
      },
    },
    join(dir, 'prompts'),
  );
  const load = async (file: string) => parseWav(await readFile(file));
  [greeting, closed, long] = await Promise.all([load(out.greeting!.file), load(out.closed!.file), load(out.long!.file)]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('heardPrompt', () => {
  it.each(['a-law', 'u-law'] as const)('finds a prompt heard through %s at its offset', async (encoding) => {
    const heard = throughCodec(join(dir, 'prompts', 'greeting.wav'), encoding);
    const wav = recording(noise(1500), heard, noise(2000, 2));
    const promptWav = await readFile(join(dir, 'prompts', 'greeting.wav'));
    const r = heardPrompt(wav, promptWav);
    expect(r.heard).toBe(true);
    expect(r.peak).toBeGreaterThan(0.9);
    expect(Math.abs(r.offsetMs - 1500)).toBeLessThanOrEqual(20);
    expect(r.coverage).toBeGreaterThan(0.95);
  });

  it('does not hear a different prompt, silence or noise', async () => {
    const promptWav = await readFile(join(dir, 'prompts', 'greeting.wav'));
    const other = heardPrompt(recording(noise(1000), throughCodec(join(dir, 'prompts', 'closed.wav'), 'a-law'), noise(1000)), promptWav);
    expect(other.heard).toBe(false);
    expect(other.peak).toBeLessThan(0.5);
    expect(other.coverage).toBe(0);
    for (const quiet of [new Float32Array(8 * RATE), noise(8000)]) {
      const r = heardPrompt(encodeWav(quiet, RATE), promptWav);
      expect(r.heard).toBe(false);
      expect(r.peak).toBeLessThan(0.5);
    }
  });

  it('gives the share of a prompt cut halfway as its coverage', async () => {
    const heard = throughCodec(join(dir, 'prompts', 'long.wav'), 'a-law');
    const promptWav = await readFile(join(dir, 'prompts', 'long.wav'));
    const cut = heardPrompt(recording(noise(700), heard.subarray(0, heard.length / 2), noise(3000)), promptWav);
    expect(cut.heard).toBe(true);
    expect(Math.abs(cut.offsetMs - 700)).toBeLessThanOrEqual(20);
    expect(cut.coverage).toBeGreaterThan(0.4);
    expect(cut.coverage).toBeLessThan(0.6);
    // The recording started 2 s into the prompt: the start is before the recording.
    const late = heardPrompt(recording(heard.subarray(2 * RATE), noise(1000)), promptWav);
    expect(Math.abs(late.offsetMs + 2000)).toBeLessThanOrEqual(20);
    expect(late.coverage).toBeLessThan(0.85);
  });
});

describe('heardPrompt when the stream pauses or loses part of the prompt', () => {
  const quiet = (ms: number) => new Float32Array((ms * RATE) / 1000);
  const at = (ms: number) => (ms * RATE) / 1000;

  it.each([
    ['an 80 ms jump in the timestamps halfway', [6000], 80],
    ['a 20 ms jump in the opening words', [400], 20],
    ['two jumps, 160 and 500 ms', [3000, 9000], 500],
  ])('counts the whole prompt after %s (a starved Asterisk)', async (_, where, gapMs) => {
    const heard = throughCodec(join(dir, 'prompts', 'long.wav'), 'a-law');
    const parts: Float32Array[] = [noise(500)];
    let from = 0;
    for (const [i, ms] of where.entries()) {
      parts.push(heard.subarray(from, at(ms)), quiet(i === 0 && where.length > 1 ? 160 : gapMs));
      from = at(ms);
    }
    parts.push(heard.subarray(from), noise(1000));
    const r = heardPrompt(recording(...parts), await readFile(join(dir, 'prompts', 'long.wav')));
    expect(r.heard).toBe(true);
    expect(r.coverage).toBeGreaterThan(0.95);
    expect(Math.abs(r.offsetMs - 500)).toBeLessThanOrEqual(20);
  });

  it('does not count a prompt with a second missing in the middle, nor one that restarts', async () => {
    const heard = throughCodec(join(dir, 'prompts', 'long.wav'), 'a-law');
    const promptWav = await readFile(join(dir, 'prompts', 'long.wav'));
    const holed = heardPrompt(recording(noise(500), heard.subarray(0, at(5000)), heard.subarray(at(6000)), noise(500)), promptWav);
    // What follows a hole would be earlier than expected: only the part before it counts.
    expect(holed.coverage).toBeGreaterThan(0.3);
    expect(holed.coverage).toBeLessThan(0.6);
    // Cut after 3 s, then played again from the start: the first play is cut, the second whole.
    const again = heardPrompt(recording(noise(500), heard.subarray(0, at(3000)), heard, noise(500)), promptWav);
    expect(again.coverage).toBeGreaterThan(0.97);
    expect(Math.abs(again.offsetMs - 3500)).toBeLessThanOrEqual(20);
  });
});

describe('findPrompt', () => {
  it('finds a 10 s prompt in a 20 s recording in well under a second', () => {
    const prompt = { sampleRate: RATE, samples: long.samples.subarray(0, 10 * RATE) };
    expect(prompt.samples.length).toBe(10 * RATE);
    const samples = new Float32Array(20 * RATE);
    samples.set(noise(20_000));
    samples.set(prompt.samples, 7 * RATE + 40);
    const started = performance.now();
    const r = findPrompt({ sampleRate: RATE, samples }, prompt);
    const elapsed = performance.now() - started;
    expect(r.peak).toBeGreaterThan(0.99);
    expect(r.offsetMs).toBeCloseTo(7005, 3);
    expect(elapsed).toBeLessThan(1000);
  });

  it('refuses recordings and prompts at different rates', () => {
    expect(() => findPrompt({ sampleRate: 16000, samples: greeting.samples }, greeting)).toThrow(/resample/);
  });
});

describe('activeSpan and rmsDbfs', () => {
  it('finds where the sound is despite low noise', () => {
    const samples = parseWav(recording(noise(1500), greeting.samples, noise(2000, 3))).samples;
    const span = activeSpan(samples, RATE)!;
    const duration = (greeting.samples.length / RATE) * 1000;
    // The rendered prompt keeps ~100 ms of silence either side of its sound.
    expect(Math.abs(span.startMs - 1600)).toBeLessThanOrEqual(40);
    expect(Math.abs(span.endMs - (1500 + duration - 100))).toBeLessThanOrEqual(40);
    expect(activeSpan(noise(3000), RATE)).toBeNull();
    expect(activeSpan(new Float32Array(RATE), RATE)).toBeNull();
  });

  it('measures RMS in dBFS', () => {
    const sine = Float32Array.from({ length: RATE }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / RATE));
    expect(rmsDbfs(sine)).toBeCloseTo(-9.03, 1);
    expect(rmsDbfs(new Float32Array(10))).toBe(-Infinity);
    expect(rmsDbfs(closed.samples)).toBeGreaterThan(-30);
  });
});

describe('parseWav', () => {
  it('skips extra chunks such as LIST, padded to an even length', () => {
    const plain = encodeWav(greeting.samples.subarray(0, 4000), RATE);
    const list = Buffer.alloc(8 + 13 + 1);
    list.write('LIST', 0, 'ascii');
    list.writeUInt32LE(13, 4);
    list.write('INFOISFT', 8, 'ascii');
    const withList = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);
    withList.writeUInt32LE(withList.length - 8, 4);
    const parsed = parseWav(withList);
    expect(parsed.sampleRate).toBe(RATE);
    expect(parsed.samples).toEqual(parseWav(plain).samples);
    expect(parsed.samples.length).toBe(4000);
  });

  it('reads a WAV written by sox and refuses what is not 16-bit PCM', () => {
    const alaw = join(dir, 'prompts', 'greeting-alaw.wav');
    execFileSync('sox', [join(dir, 'prompts', 'greeting.wav'), '-e', 'a-law', alaw]);
    expect(() => parseWav(readFileSync(alaw))).toThrow(/16-bit PCM/);
    expect(() => parseWav(Buffer.from('not a wav file at all'))).toThrow(/RIFF/);
    expect(parseWav(encodeWav(greeting.samples, RATE)).samples.length).toBe(greeting.samples.length);
  });
});
