/**
 * What did the caller really hear? Integration tests record the caller's leg (an ARI snoop, 8 kHz
 * 16-bit WAV, after a G.711 codec) and look for a rendered prompt in it by normalised
 * cross-correlation, which ignores level, codec noise, start offset and surrounding silence.
 */

/** Decoded audio: mono samples in [-1, 1). */
export interface Wav {
  sampleRate: number;
  samples: Float32Array;
}

/** Where a prompt best matches a recording. */
export interface PromptMatch {
  /** Normalised cross-correlation at the best offset: ~1 when the whole prompt is there, < 0.5 when it is not. */
  peak: number;
  /** Where the prompt's first sample falls in the recording (negative: the recording started late). */
  offsetMs: number;
}

/** A prompt counts as heard from this peak on. */
export const HEARD_PEAK = 0.6;

/**
 * Reads a PCM 16-bit WAV (a plain RIFF header as Asterisk and sox write, or with extra chunks such
 * as LIST). Several channels are averaged to one. A data size larger than the file (a recording
 * still being written) is read to the end of the buffer.
 */
export function parseWav(buf: Buffer): Wav {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      let format = buf.readUInt16LE(body);
      // WAVE_FORMAT_EXTENSIBLE keeps the real format in the first two bytes of its sub-format GUID.
      if (format === 0xfffe && size >= 26) format = buf.readUInt16LE(body + 24);
      fmt = { format, channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new Error('WAV data chunk before its fmt chunk');
      if (fmt.format !== 1 || fmt.bits !== 16) throw new Error(`WAV format ${fmt.format}/${fmt.bits}-bit: only 16-bit PCM is read`);
      const frames = Math.floor(Math.min(size, buf.length - body) / 2 / fmt.channels);
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < fmt.channels; c++) sum += buf.readInt16LE(body + 2 * (i * fmt.channels + c));
        samples[i] = sum / fmt.channels / 32768;
      }
      return { sampleRate: fmt.sampleRate, samples };
    }
    at = body + size + (size & 1); // chunks are padded to an even length
  }
  throw new Error('WAV without a data chunk');
}

/** Writes mono samples as a 16-bit PCM WAV (for building test recordings). */
export function encodeWav(samples: Float32Array, sampleRate: number): Buffer {
  const buf = Buffer.alloc(44 + samples.length * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + samples.length * 2, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(samples.length * 2, 40);
  samples.forEach((s, i) => buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(s * 32768))), 44 + 2 * i));
  return buf;
}

/** RMS level in dB relative to full scale; -Infinity for digital silence. */
export function rmsDbfs(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length ? 10 * Math.log10(sum / samples.length) : -Infinity;
}

/**
 * The non-silent part of a recording, in ms, or null when there is none. Frames of 10 ms are
 * active above a threshold set between the noise floor (10th percentile of frame levels) and
 * the loudest frame, so steady low noise is not taken for sound; a click shorter than 30 ms is ignored.
 */
export function activeSpan(samples: Float32Array, sampleRate: number): { startMs: number; endMs: number } | null {
  const frame = Math.round(sampleRate / 100);
  const levels: number[] = [];
  for (let at = 0; at + frame <= samples.length; at += frame) levels.push(rmsDbfs(samples.subarray(at, at + frame)));
  if (!levels.length) return null;
  const sorted = [...levels].sort((a, b) => a - b);
  const floor = sorted[Math.floor(sorted.length / 10)]!;
  const loudest = sorted[sorted.length - 1]!;
  if (loudest < -60 || loudest - floor < 15) return null;
  const threshold = Math.max(-60, Math.min(floor + 10, loudest - 25));
  const active = (i: number) => levels[i]! > threshold && levels[i + 1]! > threshold && levels[i + 2]! > threshold;
  let first = -1;
  let last = -1;
  for (let i = 0; i + 2 < levels.length; i++) {
    if (!active(i)) continue;
    if (first < 0) first = i;
    last = i + 2;
  }
  return first < 0 ? null : { startMs: first * 10, endMs: (last + 1) * 10 };
}

/**
 * Finds `prompt` in `recording` by normalised cross-correlation, computed for every offset at
 * once with an FFT (a 20 s recording against a 10 s prompt takes well under a second). The
 * prompt is normalised over its full length, so a prompt only half there peaks near 0.7.
 */
export function findPrompt(recording: Wav, prompt: Wav): PromptMatch {
  if (recording.sampleRate !== prompt.sampleRate) {
    throw new Error(`recording at ${recording.sampleRate} Hz, prompt at ${prompt.sampleRate} Hz: resample one first`);
  }
  const r = recording.samples;
  const p = prompt.samples;
  const n = r.length;
  const m = p.length;
  let promptEnergy = 0;
  for (const s of p) promptEnergy += s * s;
  if (!n || !m || promptEnergy === 0) return { peak: 0, offsetMs: 0 };

  const corr = crossCorrelate(r, p);
  const size = corr.length;
  const cumulative = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cumulative[i + 1] = cumulative[i]! + r[i]! * r[i]!;
  // Below -80 dBFS over the prompt's length a window is silence: dividing by its energy would only amplify rounding.
  const silent = m * 1e-8;
  let peak = 0;
  let best = 0;
  for (let lag = -(m - 1); lag < n; lag++) {
    const energy = cumulative[Math.min(n, lag + m)]! - cumulative[Math.max(0, lag)]!;
    if (energy <= silent) continue;
    const c = corr[lag >= 0 ? lag : size + lag]! / Math.sqrt(promptEnergy * energy);
    if (c > peak) {
      peak = c;
      best = lag;
    }
  }
  return { peak: Math.min(1, peak), offsetMs: (best / recording.sampleRate) * 1000 };
}

/**
 * Silence a stream may gain inside a prompt and still count as the whole prompt: when Asterisk is
 * starved of CPU for a moment it sends the late frames with a jump in their RTP timestamps (at
 * least 80 ms, its MAX_TIMESTAMP_SKEW), so the rest of the prompt arrives intact but later. A
 * phone's jitter buffer plays that as a short pause; nothing of the prompt is lost.
 */
const MAX_GAP_MS = 2000;
/** How much of the prompt, beside a block that is not where expected, locates the rest again. */
const RELOCATE_MS = 400;

/**
 * Whether the caller heard `promptWav` in `recordingWav`. `coverage` is the share of the prompt's
 * audible 100 ms blocks that the recording holds in order: from the block that matches where the
 * whole prompt matches best, each next block where the previous one ended or later by a gap (see
 * MAX_GAP_MS), each earlier block where the following one began or earlier by a gap; assert it
 * near 1 to prove a prompt was not cut. `heard`: the prompt is there (peak ≥ HEARD_PEAK, or most
 * of it in order). `offsetMs`: where the prompt's first sample falls, gaps included.
 */
export function heardPrompt(recordingWav: Buffer, promptWav: Buffer): { heard: boolean; peak: number; offsetMs: number; coverage: number } {
  const recording = parseWav(recordingWav);
  const prompt = parseWav(promptWav);
  const { peak, offsetMs } = findPrompt(recording, prompt);
  const rate = prompt.sampleRate;
  const { coverage, startLag } = coverageInOrder(recording.samples, prompt.samples, Math.round((offsetMs * rate) / 1000), rate);
  return { heard: peak >= HEARD_PEAK || coverage >= 0.9, peak, offsetMs: (startLag / rate) * 1000, coverage };
}

/** Share of the prompt's audible blocks found in the recording in order (see `heardPrompt`), and the first one's lag. */
function coverageInOrder(r: Float32Array, p: Float32Array, wholeLag: number, rate: number): { coverage: number; startLag: number } {
  const block = rate / 10;
  const levels: number[] = [];
  for (let at = 0; at < p.length; at += block) levels.push(rmsDbfs(p.subarray(at, at + block)));
  const audible = Math.max(-60, Math.max(...levels) - 30);
  const blocks = levels.flatMap((level, b) => (level > audible ? [b] : []));
  const matchesAt = (b: number, lag: number) => correlationAt(r, p, b * block, Math.min(p.length, (b + 1) * block), lag) >= 0.5;
  const anchor = blocks.findIndex((b) => matchesAt(b, wholeLag));
  if (anchor < 0) return { coverage: 0, startLag: wholeLag };
  let matched = 1;
  let startLag = wholeLag;
  for (const direction of [1, -1] as const) {
    let lag = wholeLag;
    for (let i = anchor + direction; i >= 0 && i < blocks.length; i += direction) {
      const b = blocks[i]!;
      if (!matchesAt(b, lag)) {
        const moved = relocate(r, p, b * block, lag, rate, direction);
        if (moved === null || !matchesAt(b, moved)) continue;
        lag = moved;
      }
      matched++;
      if (direction < 0) startLag = lag;
    }
  }
  return { coverage: matched / blocks.length, startLag };
}

/** Normalised correlation of prompt samples [from, to) with the recording at `lag`. */
function correlationAt(r: Float32Array, p: Float32Array, from: number, to: number, lag: number): number {
  let rp = 0;
  let rr = 0;
  let pp = 0;
  for (let i = from; i < to; i++) {
    const j = lag + i;
    const rs = j >= 0 && j < r.length ? r[j]! : 0;
    rp += rs * p[i]!;
    rr += rs * rs;
    pp += p[i]! * p[i]!;
  }
  return rr > 0 && pp > 0 ? rp / Math.sqrt(rr * pp) : 0;
}

/**
 * The lag at which the prompt is found again after a gap, from a block at `from`: going forward,
 * RELOCATE_MS of prompt from the block, from 2 ms before `lag` to MAX_GAP_MS after; going back,
 * RELOCATE_MS ending with the block, from MAX_GAP_MS before to 2 ms after. A normalised
 * correlation of at least 0.8 is required; null when it is not there (cut, or missing).
 */
function relocate(r: Float32Array, p: Float32Array, from: number, lag: number, rate: number, direction: 1 | -1): number | null {
  const span = Math.round((RELOCATE_MS * rate) / 1000);
  const blockEnd = Math.min(p.length, from + rate / 10);
  const chunkFrom = direction > 0 ? from : Math.max(0, blockEnd - span);
  const chunk = p.subarray(chunkFrom, Math.min(p.length, chunkFrom + span));
  if (chunk.length < rate / 10) return null;
  const [slackBefore, slackAfter] = direction > 0 ? [rate / 500, (MAX_GAP_MS * rate) / 1000] : [(MAX_GAP_MS * rate) / 1000, rate / 500];
  const lo = Math.max(0, chunkFrom + lag - slackBefore);
  const hi = Math.min(r.length, chunkFrom + lag + slackAfter + chunk.length);
  if (hi - lo < chunk.length) return null;
  const found = findPrompt({ sampleRate: rate, samples: r.subarray(lo, hi) }, { sampleRate: rate, samples: chunk });
  if (found.peak < 0.8) return null;
  const at = lo + Math.round((found.offsetMs * rate) / 1000);
  return at >= lo && at + chunk.length <= hi ? at - chunkFrom : null;
}

/** c[lag] = Σ r[i + lag]·p[i], negative lags wrapped to the end; zero-padded so nothing wraps into another lag. */
function crossCorrelate(r: Float32Array, p: Float32Array): Float64Array {
  let size = 1;
  while (size < r.length + p.length - 1) size <<= 1;
  const [rRe, rIm] = [new Float64Array(size), new Float64Array(size)];
  const [pRe, pIm] = [new Float64Array(size), new Float64Array(size)];
  rRe.set(r);
  pRe.set(p);
  const table = twiddles(size);
  fft(rRe, rIm, table, false);
  fft(pRe, pIm, table, false);
  // R · conj(P), in place in rRe/rIm.
  for (let k = 0; k < size; k++) {
    const re = rRe[k]! * pRe[k]! + rIm[k]! * pIm[k]!;
    rIm[k] = rIm[k]! * pRe[k]! - rRe[k]! * pIm[k]!;
    rRe[k] = re;
  }
  fft(rRe, rIm, table, true);
  return rRe;
}

function twiddles(size: number): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(size / 2);
  const sin = new Float64Array(size / 2);
  for (let k = 0; k < size / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / size);
    sin[k] = Math.sin((2 * Math.PI * k) / size);
  }
  return { cos, sin };
}

/** In-place iterative radix-2 FFT; the inverse is scaled by 1/size. */
function fft(re: Float64Array, im: Float64Array, table: { cos: Float64Array; sin: Float64Array }, inverse: boolean): void {
  const size = re.length;
  for (let i = 1, j = 0; i < size; i++) {
    let bit = size >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i]!;
      re[i] = re[j]!;
      re[j] = tr;
      const ti = im[i]!;
      im[i] = im[j]!;
      im[j] = ti;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= size; len <<= 1) {
    const half = len >> 1;
    const step = size / len;
    for (let start = 0; start < size; start += len) {
      for (let k = 0; k < half; k++) {
        const wr = table.cos[k * step]!;
        const wi = sign * table.sin[k * step]!;
        const a = start + k;
        const b = a + half;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < size; i++) {
      re[i] = re[i]! / size;
      im[i] = im[i]! / size;
    }
  }
}
