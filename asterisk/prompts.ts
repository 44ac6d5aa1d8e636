/**
 * Relais' own prompts as files Asterisk plays natively: French text synthesised with espeak-ng, or a
 * file the company recorded, converted by sox to 8 kHz mono 16-bit WAV (format_wav), peak-normalised
 * and trimmed so playback starts at once. Rendering is cached in a manifest next to the files.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** What went wrong while rendering a prompt. */
export type PromptErrorCode =
  | 'PROMPT_ERR_SYNTHESIS' // espeak-ng or sox is missing, or failed on a text prompt
  | 'PROMPT_ERR_RECORDING' // a recorded prompt is unreadable, not audio sox knows, or silent
  | 'PROMPT_ERR_NAME'; // a prompt name that cannot be a file name

/** A prompt that could not be rendered; `prompt` is its name, `path` the recording when there is one. */
export class PromptError extends Error {
  override readonly name = 'PromptError';
  constructor(
    readonly code: PromptErrorCode,
    readonly prompt: string,
    message: string,
    readonly path?: string,
  ) {
    super(`prompt "${prompt}": ${message}`);
  }
}

/** A prompt as the configuration gives it. */
export type PromptSource = { text: string } | { recording: string };

/** A rendered prompt: the absolute path of its WAV file and how long it plays. */
export interface RenderedPrompt {
  file: string;
  durationMs: number;
}

/** espeak-ng tuning; the defaults are chosen for intelligibility through G.711. */
export interface RenderOptions {
  /** espeak-ng voice, default `fr`. */
  voice?: string;
  /** Words per minute, default 150: espeak's 175 is hard to follow on a phone. */
  speed?: number;
}

const PAD_MS = 100;
const TOOL_TIMEOUT_MS = 30_000;
const MANIFEST = '.manifest.json';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

// Applied to every prompt, synthesised or recorded. Peak-normalise before trimming so the
// -40 dB silence threshold is relative to the speech, then keep 100 ms either side.
const SOX_OUTPUT = ['-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'wav'];
const SOX_EFFECTS = [
  'remix',
  '-',
  'highpass',
  '100',
  'rate',
  '-v',
  '8000',
  'gain',
  '-n',
  '-3',
  'silence',
  '1',
  '0.02',
  '-40d',
  'reverse',
  'silence',
  '1',
  '0.02',
  '-40d',
  'reverse',
  'pad',
  String(PAD_MS / 1000),
  String(PAD_MS / 1000),
];

function espeakArgs(voice: string, speed: number, out: string): string[] {
  // The text goes on stdin so that a prompt starting with "-" is never read as an option;
  // -p 45 lowers the pitch a little, -g 2 adds 20 ms between words, both help on a phone line.
  return ['-v', voice, '-s', String(speed), '-p', '45', '-g', '2', '-b', '1', '--stdin', '-w', out];
}

interface ManifestEntry {
  hash: string;
  durationMs: number;
}

/**
 * Renders every prompt to `${outDir}/${name}.wav` and returns the files with their durations.
 * A prompt whose source, voice, speed, command lines and tool versions are unchanged since the
 * last call is not rendered again; a prompt no longer in `prompts` is deleted. Each file is
 * written to a temporary name and renamed, so Asterisk never plays a half-written file.
 *
 * @throws {PromptError} PROMPT_ERR_SYNTHESIS, PROMPT_ERR_RECORDING or PROMPT_ERR_NAME; prompts
 *   that did render are kept in the manifest.
 */
export async function renderPrompts(
  prompts: Readonly<Record<string, PromptSource>>,
  outDir: string,
  opts: RenderOptions = {},
): Promise<Record<string, RenderedPrompt>> {
  const dir = resolve(outDir);
  const voice = opts.voice ?? 'fr';
  const speed = opts.speed ?? 150;
  for (const name of Object.keys(prompts)) {
    if (!NAME.test(name)) throw new PromptError('PROMPT_ERR_NAME', name, 'a name must be letters, digits, "-" or "_"');
  }
  await mkdir(dir, { recursive: true });
  const manifestPath = join(dir, MANIFEST);
  const previous = await readManifest(manifestPath);
  const work = await mkdtemp(join(tmpdir(), 'relais-prompts-'));
  const versions = new Map<string, Promise<string>>();
  const version = (tool: string, name: string) => {
    if (!versions.has(tool)) versions.set(tool, toolVersion(tool));
    return versions.get(tool)!.catch((err: Error) => {
      throw new PromptError('PROMPT_ERR_SYNTHESIS', name, err.message);
    });
  };

  const next: Record<string, ManifestEntry> = {};
  const result: Record<string, RenderedPrompt> = {};
  try {
    const settled = await Promise.allSettled(
      Object.entries(prompts).map(async ([name, source]) => {
        const file = join(dir, `${name}.wav`);
        // The key holds the command lines themselves, so retuning them re-renders every prompt.
        const sox = [...SOX_OUTPUT, ...SOX_EFFECTS, await version('sox', name)];
        const hash =
          'text' in source
            ? sha256('text', source.text, espeakArgs(voice, speed, ''), await version('espeak-ng', name), sox)
            : sha256('recording', await readRecording(name, source.recording), sox);
        const old = Object.hasOwn(previous, name) ? previous[name] : undefined;
        if (old && old.hash === hash && (await exists(file))) {
          next[name] = old;
          result[name] = { file, durationMs: old.durationMs };
          return;
        }
        const durationMs = await render(name, source, file, work, voice, speed);
        next[name] = { hash, durationMs };
        result[name] = { file, durationMs };
      }),
    );
    for (const name of Object.keys(previous)) {
      if (!Object.hasOwn(prompts, name) && NAME.test(name)) await rm(join(dir, `${name}.wav`), { force: true });
    }
    await writeAtomic(manifestPath, JSON.stringify({ version: 1, prompts: next }, null, 2));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function render(name: string, source: PromptSource, file: string, work: string, voice: string, speed: number): Promise<number> {
  // Hidden, and not *.wav, so nothing that lists prompts picks it up half-written.
  const tmp = join(dirname(file), `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    if ('text' in source) {
      const raw = join(work, `${name}.espeak.wav`);
      await runTool(name, 'espeak-ng', espeakArgs(voice, speed, raw), source.text, 'PROMPT_ERR_SYNTHESIS');
      await runTool(name, 'sox', ['-D', raw, ...SOX_OUTPUT, tmp, ...SOX_EFFECTS], undefined, 'PROMPT_ERR_SYNTHESIS');
    } else {
      // sox would run a file named "|cmd" and expand wildcards: an absolute path and --no-glob prevent both.
      const input = ['--no-glob', resolve(source.recording)];
      await runTool(name, 'sox', ['-D', ...input, ...SOX_OUTPUT, tmp, ...SOX_EFFECTS], undefined, 'PROMPT_ERR_RECORDING', source.recording);
    }
    const durationMs = wavDurationMs(await readFile(tmp));
    // Only the padding is left when everything was below the silence threshold.
    if (durationMs <= 2 * PAD_MS + 20) {
      const [code, path] =
        'text' in source ? (['PROMPT_ERR_SYNTHESIS', undefined] as const) : (['PROMPT_ERR_RECORDING', source.recording] as const);
      throw new PromptError(code, name, 'the rendered prompt is silent', path);
    }
    await rename(tmp, file);
    return durationMs;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function readRecording(name: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new PromptError('PROMPT_ERR_RECORDING', name, `cannot read ${path}: ${(err as Error).message}`, path);
  }
}

/**
 * Runs a tool with an argument array (never a shell: prompt text comes from configuration).
 * A missing tool is always PROMPT_ERR_SYNTHESIS; a failing one gives `failCode`.
 */
function runTool(
  name: string,
  tool: string,
  args: string[],
  stdin: string | undefined,
  failCode: PromptErrorCode,
  path?: string,
): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(tool, args, { stdio: ['pipe', 'ignore', 'pipe'], timeout: TOOL_TIMEOUT_MS });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {}); // EPIPE when the tool exits early: its exit code says why
    child.stdin.end(stdin ?? '');
    child.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? `${tool} is not installed (apt install espeak-ng sox libsox-fmt-all)` : err.message;
      fail(new PromptError('PROMPT_ERR_SYNTHESIS', name, why, path));
    });
    child.on('close', (code, signal) => {
      if (code === 0) return done();
      const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
      fail(new PromptError(failCode, name, `${tool} ${how}: ${stderr.trim() || 'no message'}`, path));
    });
  });
}

function toolVersion(tool: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(tool, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: TOOL_TIMEOUT_MS });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', (err: NodeJS.ErrnoException) =>
      fail(new Error(err.code === 'ENOENT' ? `${tool} is not installed (apt install espeak-ng sox libsox-fmt-all)` : err.message)),
    );
    // espeak-ng prints its data path after the version; only the version belongs in the cache key.
    child.on('close', (code) =>
      code === 0 ? done(out.split(/\s+Data at:/)[0]!.trim()) : fail(new Error(`${tool} --version exited with ${code}`)),
    );
  });
}

/** Length of the data chunk of a PCM WAV, in ms. */
function wavDurationMs(buf: Buffer): number {
  let byteRate = 0;
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    if (id === 'fmt ') byteRate = buf.readUInt32LE(at + 16);
    if (id === 'data' && byteRate > 0) return Math.round((Math.min(size, buf.length - at - 8) / byteRate) * 1000);
    at += 8 + size + (size & 1);
  }
  throw new Error('sox wrote a WAV without fmt or data chunk');
}

async function readManifest(path: string): Promise<Record<string, ManifestEntry>> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { version?: number; prompts?: Record<string, ManifestEntry> };
    return parsed.version === 1 && parsed.prompts ? parsed.prompts : {};
  } catch {
    return {}; // missing or damaged: everything is rendered again
  }
}

async function writeAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, content);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

function sha256(...parts: (string | string[] | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(Array.isArray(part) ? JSON.stringify(part) : part).update('\0');
  return hash.digest('hex');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
