import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderPrompts } from '../../asterisk/prompts.ts';
import { activeSpan, parseWav } from '../support/audio.ts';

const GREETING = 'Bienvenue chez ISeedOr, votre hébergeur de seedbox et de serveurs.';
const CLOSED = 'Nos bureaux sont fermés. Nous sommes ouverts du lundi au vendredi, de neuf heures à dix-huit heures.';

/** Reads the fmt and data chunks by hand, independently of the parser under test elsewhere. */
function wavFormat(buf: Buffer) {
  expect(buf.toString('ascii', 0, 4)).toBe('RIFF');
  expect(buf.toString('ascii', 8, 12)).toBe('WAVE');
  const out = { format: 0, channels: 0, sampleRate: 0, bits: 0, dataBytes: -1 };
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      out.format = buf.readUInt16LE(at + 8);
      out.channels = buf.readUInt16LE(at + 10);
      out.sampleRate = buf.readUInt32LE(at + 12);
      out.bits = buf.readUInt16LE(at + 22);
    }
    if (id === 'data') out.dataBytes = size;
    at += 8 + size + (size & 1);
  }
  return out;
}

const fileId = async (path: string) => {
  const s = await stat(path);
  return { ino: s.ino, mtimeMs: s.mtimeMs };
};

describe('renderPrompts', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relais-prompts-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('synthesises French text as 8 kHz mono 16-bit PCM WAV, trimmed and normalised', async () => {
    const out = await renderPrompts({ greeting: { text: GREETING }, closed: { text: CLOSED } }, dir);
    expect(Object.keys(out).sort()).toEqual(['closed', 'greeting']);
    for (const [name, text] of [
      ['greeting', GREETING],
      ['closed', CLOSED],
    ] as const) {
      const { file, durationMs } = out[name]!;
      expect(file).toBe(join(dir, `${name}.wav`));
      const buf = await readFile(file);
      expect(wavFormat(buf)).toMatchObject({ format: 1, channels: 1, sampleRate: 8000, bits: 16 });
      expect(durationMs).toBe(Math.round((wavFormat(buf).dataBytes / 16000) * 1000));
      // At ~150 words a minute: between 1.5 and 4 words a second.
      const words = text.split(/\s+/).length;
      expect(durationMs).toBeGreaterThan((words / 4) * 1000);
      expect(durationMs).toBeLessThan((words / 1.5) * 1000);
      const { samples, sampleRate } = parseWav(buf);
      const span = activeSpan(samples, sampleRate)!;
      expect(span.startMs).toBeLessThanOrEqual(150);
      expect(durationMs - span.endMs).toBeLessThanOrEqual(150);
      const peak = samples.reduce((max, s) => Math.max(max, Math.abs(s)), 0);
      expect(20 * Math.log10(peak)).toBeCloseTo(-3, 0);
    }
    expect(out.closed!.durationMs).toBeGreaterThan(out.greeting!.durationMs);
  });

  it('renders again only what changed, and deletes prompts no longer configured', async () => {
    const first = await renderPrompts({ greeting: { text: GREETING }, closed: { text: CLOSED } }, dir);
    const greeting = await fileId(first.greeting!.file);
    const closed = await fileId(first.closed!.file);

    expect(await renderPrompts({ greeting: { text: GREETING }, closed: { text: CLOSED } }, dir)).toEqual(first);
    expect(await fileId(first.greeting!.file)).toEqual(greeting);
    expect(await fileId(first.closed!.file)).toEqual(closed);

    const changed = await renderPrompts({ greeting: { text: 'Bonjour et bienvenue.' }, closed: { text: CLOSED } }, dir);
    expect((await fileId(first.greeting!.file)).ino).not.toBe(greeting.ino);
    expect(changed.greeting!.durationMs).toBeLessThan(first.greeting!.durationMs);
    expect(await fileId(first.closed!.file)).toEqual(closed);

    const slower = await renderPrompts({ greeting: { text: 'Bonjour et bienvenue.' } }, dir, { speed: 120 });
    expect(slower.greeting!.durationMs).toBeGreaterThan(changed.greeting!.durationMs);
    expect(existsSync(first.closed!.file)).toBe(false);
    const manifest = JSON.parse(await readFile(join(dir, '.manifest.json'), 'utf8'));
    expect(Object.keys(manifest.prompts)).toEqual(['greeting']);
  });

  it('renders a file deleted behind its back even though the manifest lists it', async () => {
    const first = await renderPrompts({ greeting: { text: GREETING } }, dir);
    await unlink(first.greeting!.file);
    expect(await renderPrompts({ greeting: { text: GREETING } }, dir)).toEqual(first);
    expect(existsSync(first.greeting!.file)).toBe(true);
  });

  it('converts a recording in another format, trimming its silence', async () => {
    const recording = join(dir, 'source.wav');
    // 44.1 kHz stereo: 1 s of silence, a 1 s tone, 1 s of silence.
    execFileSync('sox', ['-n', '-r', '44100', '-c', '2', recording, 'synth', '1', 'sine', '440', 'gain', '-20', 'pad', '1', '1']);
    const out = await renderPrompts({ connecting: { recording } }, join(dir, 'out'));
    const buf = await readFile(out.connecting!.file);
    expect(wavFormat(buf)).toMatchObject({ format: 1, channels: 1, sampleRate: 8000, bits: 16 });
    expect(out.connecting!.durationMs).toBeGreaterThan(1150);
    expect(out.connecting!.durationMs).toBeLessThan(1260);
  });

  it('refuses a recording sox cannot read with PROMPT_ERR_RECORDING and its path', async () => {
    const missing = join(dir, 'missing.wav');
    await expect(renderPrompts({ greeting: { recording: missing } }, dir)).rejects.toMatchObject({
      code: 'PROMPT_ERR_RECORDING',
      prompt: 'greeting',
      path: missing,
    });
    const garbage = join(dir, 'garbage.wav');
    await writeFile(garbage, 'this is not audio');
    await expect(renderPrompts({ greeting: { recording: garbage } }, dir)).rejects.toMatchObject({
      code: 'PROMPT_ERR_RECORDING',
      path: garbage,
    });
    const silent = join(dir, 'silent.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', silent, 'trim', '0', '2']);
    await expect(renderPrompts({ greeting: { recording: silent } }, dir)).rejects.toMatchObject({ code: 'PROMPT_ERR_RECORDING' });
    expect(existsSync(join(dir, 'greeting.wav'))).toBe(false);
  });

  it('reports a failed synthesis with PROMPT_ERR_SYNTHESIS and keeps the prompts that did render', async () => {
    await expect(renderPrompts({ greeting: { text: GREETING }, closed: { text: CLOSED } }, dir, { voice: 'zz' })).rejects.toMatchObject({
      code: 'PROMPT_ERR_SYNTHESIS',
      message: expect.stringContaining('voice'),
    });

    const silent = join(dir, 'silent.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', silent, 'trim', '0', '1']);
    await expect(renderPrompts({ greeting: { text: GREETING }, closed: { recording: silent } }, dir)).rejects.toMatchObject({
      code: 'PROMPT_ERR_RECORDING',
      prompt: 'closed',
    });
    const manifest = JSON.parse(await readFile(join(dir, '.manifest.json'), 'utf8'));
    expect(Object.keys(manifest.prompts)).toEqual(['greeting']);
  });

  it('passes text to espeak as text, never as options or shell', async () => {
    const out = await renderPrompts({ menu: { text: `-v en --help $(touch ${join(dir, 'pwned')})` } }, dir);
    expect(out.menu!.durationMs).toBeGreaterThan(1000);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('refuses a name that is not a plain file name', async () => {
    await expect(renderPrompts({ '../evil': { text: 'Bonjour' } }, dir)).rejects.toMatchObject({ code: 'PROMPT_ERR_NAME' });
  });
});
