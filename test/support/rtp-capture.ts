/**
 * What did a SIP peer really receive? A tcpdump capture of the peers' RTP ports on loopback,
 * parsed here: packet counts per direction, the G.711 audio a port received (as a WAV for
 * `heardPrompt`) and the RFC 2833 digits sent to it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from './audio.ts';
import { SPEECH_PCAP } from './sipp.ts';

/** One RTP packet as seen on the wire. */
export interface RtpPacket {
  /** Capture time, seconds since the epoch. */
  time: number;
  srcPort: number;
  dstPort: number;
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Buffer;
}

export interface PacketFilter {
  dstPort?: number;
  srcPort?: number;
  payloadType?: number;
}

/** A running capture; the read methods work once `stop()` has resolved. */
export interface RtpCapture {
  /** Stops tcpdump (it flushes on SIGINT) and parses what it wrote. */
  stop(): Promise<void>;
  /** Every RTP packet captured, in capture order (SIP, RTCP and other UDP are left out). */
  packets(): RtpPacket[];
  count(filter: PacketFilter): number;
  /** The G.711 audio received on `dstPort`, as an 8 kHz mono 16-bit WAV (see `rtpAudio`). */
  audioTo(dstPort: number): Buffer;
  /** The RFC 2833 digits sent to `dstPort`, in order, one per event. */
  dtmfTo(dstPort: number, payloadType?: number): string;
}

const RATE = 8000;
const DEADLINE_MS = 5000;
/** Enough for any RTP packet (they stay under the 1500-byte Ethernet MTU); longer ones are left out. */
const SNAPLEN = 1600;

/**
 * Starts `tcpdump -i <iface> -U --immediate-mode -w <tmp file>` on UDP to or from `ports`, and
 * resolves once it reports it is listening (within 5 s, or rejects with its stderr).
 */
export async function startCapture(opts: { ports: number[]; iface?: string }): Promise<RtpCapture> {
  if (!opts.ports.length) throw new Error('startCapture: no port to capture');
  const dir = await mkdtemp(join(tmpdir(), 'relais-rtp-'));
  const file = join(dir, 'capture.pcap');
  const filter = `udp and (${opts.ports.map((p) => `port ${p}`).join(' or ')})`;
  // In immediate mode each ring-buffer slot holds a full snapshot: with -s 0 (up to lo's 64 KiB MTU)
  // the default 2 MB ring has a few dozen slots and a burst of RTP is dropped by the kernel. A
  // larger ring (-B, KiB) rides out moments when tcpdump is starved of CPU.
  const args = ['-i', opts.iface ?? 'lo', '-U', '--immediate-mode', '-B', '32768', '-w', file, '-s', String(SNAPLEN), filter];
  const child = spawn('tcpdump', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`));
    child.once('error', (err) => resolve(err.message));
  });
  // A test that fails before stop() must not leave tcpdump running after the worker is gone.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const listening = new Promise<null>((resolve) => child.stderr.on('data', () => stderr.includes('listening on') && resolve(null)));
  const failure = await Promise.race([
    listening,
    exited.then((how) => `tcpdump exited (${how}) before listening`),
    delay(DEADLINE_MS).then(() => `tcpdump did not report "listening on" within ${DEADLINE_MS} ms`),
  ]);
  if (failure) {
    child.kill('SIGKILL');
    process.off('exit', killOnExit);
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${failure}: ${stderr.trim() || '(no output)'}`);
  }

  let captured: RtpPacket[] | null = null;
  let stopping: Promise<void> | undefined;
  const finish = async () => {
    // Packets sent just before stop() may still be between the socket and tcpdump's ring buffer.
    await delay(100);
    child.kill('SIGINT');
    const how = await Promise.race([exited, delay(DEADLINE_MS).then(() => null)]);
    process.off('exit', killOnExit);
    if (how === null) child.kill('SIGKILL');
    try {
      if (how === null) throw new Error(`tcpdump did not exit within ${DEADLINE_MS} ms of SIGINT: ${stderr.trim()}`);
      if (how !== 'code 0' && how !== 'SIGINT') throw new Error(`tcpdump ended with ${how}: ${stderr.trim()}`);
      const dropped = Number(/(\d+) packets? dropped by kernel/.exec(stderr)?.[1] ?? 0);
      if (dropped) throw new Error(`tcpdump lost ${dropped} packets (dropped by the kernel): counts would be wrong`);
      captured = parsePcap(await readFile(file));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  const all = () => {
    if (!captured) throw new Error('RtpCapture: read after stop() has resolved');
    return captured;
  };
  const select = (f: PacketFilter) =>
    all().filter((p) => (['dstPort', 'srcPort', 'payloadType'] as const).every((k) => f[k] === undefined || p[k] === f[k]));
  return {
    stop: () => (stopping ??= finish()),
    packets: all,
    count: (f) => select(f).length,
    audioTo: (dstPort) => rtpAudio(select({ dstPort })),
    dtmfTo: (dstPort, payloadType = 101) => rtpDtmf(select({ dstPort, payloadType })),
  };
}

/**
 * The RTP packets in a classic pcap file (either byte order, µs or ns timestamps; Ethernet,
 * Linux cooked v1/v2 or raw IP links; IPv4). Other packets, and packets cut by the snapshot length, are skipped.
 */
export function parsePcap(buf: Buffer): RtpPacket[] {
  if (buf.length < 24) throw new Error('pcap: file shorter than its header');
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const be = buf.readUInt32BE(0) === 0xa1b2c3d4 || buf.readUInt32BE(0) === 0xa1b23c4d;
  if (!le && !be) throw new Error(`pcap: unknown magic 0x${magic.toString(16)} (pcapng is not read)`);
  const u32 = (at: number) => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const fraction = (le ? magic : buf.readUInt32BE(0)) === 0xa1b23c4d ? 1e9 : 1e6;
  // The upper bits of the link-type field carry FCS information.
  const linkType = u32(20) & 0xffff;
  if (!LINKS[linkType]) throw new Error(`pcap: link type ${linkType} is not read`);
  const out: RtpPacket[] = [];
  for (let at = 24; at + 16 <= buf.length;) {
    const time = u32(at) + u32(at + 4) / fraction;
    const size = u32(at + 8);
    const truncated = size < u32(at + 12);
    const frame = buf.subarray(at + 16, at + 16 + size);
    at += 16 + size;
    const ip = truncated ? null : ipv4Of(frame, linkType);
    const packet = ip && udpRtp(ip, time);
    if (packet) out.push(packet);
  }
  return out;
}

/** Per link type: where the IP header starts, and where the EtherType is (-1: raw IP, no EtherType). */
const LINKS: Record<number, [number, number]> = { 1: [14, 12], 113: [16, 14], 276: [20, 0], 101: [0, -1], 228: [0, -1] };

/** The IPv4 datagram in a frame, or null when it holds something else. */
function ipv4Of(frame: Buffer, linkType: number): Buffer | null {
  let [at, typeAt] = LINKS[linkType]!;
  if (linkType === 1 && frame.length >= 18 && frame.readUInt16BE(12) === 0x8100) [at, typeAt] = [18, 16]; // 802.1Q tag
  const ipv4Type = typeAt < 0 || (frame.length >= typeAt + 2 && frame.readUInt16BE(typeAt) === 0x0800);
  const ip = frame.subarray(at);
  return ipv4Type && ip.length >= 20 && ip[0]! >> 4 === 4 ? ip : null;
}

/** The RTP packet in an IPv4 datagram, or null for anything else (TCP, fragments, SIP, RTCP…). */
function udpRtp(ip: Buffer, time: number): RtpPacket | null {
  const headerLength = (ip[0]! & 0x0f) * 4;
  const fragmented = (ip.readUInt16BE(6) & 0x3fff) !== 0; // more-fragments flag or an offset
  if (ip[9] !== 17 || fragmented || ip.length < headerLength + 8) return null;
  // A zero length field means "see the link layer" (segmentation offload): trust the captured size.
  const udp = ip.subarray(headerLength, ip.readUInt16BE(2) || ip.length);
  const rtp = udp.subarray(8, udp.readUInt16BE(4) || udp.length);
  if (rtp.length < 12 || rtp[0]! >> 6 !== 2) return null;
  const payloadType = rtp[1]! & 0x7f;
  if (payloadType >= 72 && payloadType <= 76) return null; // RTCP SR/RR/SDES/BYE/APP (200–204 with the marker bit)
  let start = 12 + 4 * (rtp[0]! & 0x0f);
  if (rtp[0]! & 0x10) start += rtp.length >= start + 4 ? 4 + 4 * rtp.readUInt16BE(start + 2) : 4;
  const padding = rtp[0]! & 0x20 ? rtp[rtp.length - 1]! : 0;
  if (start > rtp.length - padding) return null;
  return {
    time,
    srcPort: udp.readUInt16BE(0),
    dstPort: udp.readUInt16BE(2),
    payloadType,
    seq: rtp.readUInt16BE(2),
    timestamp: rtp.readUInt32BE(4),
    ssrc: rtp.readUInt32BE(8),
    marker: (rtp[1]! & 0x80) !== 0,
    payload: Buffer.from(rtp.subarray(start, rtp.length - padding)),
  };
}

/**
 * ITU-T G.711 A-law expansion: even bits are inverted on the wire (XOR 0x55), then a sign bit
 * (1 = positive), a 3-bit segment and a 4-bit step; the value is the middle of its step, and each
 * segment above the first doubles the step size, starting at 256 (on the 16-bit scale, the 13-bit
 * linear value shifted left by 3).
 */
export function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  const segment = (a >> 4) & 0x07;
  let magnitude = ((a & 0x0f) << 4) + 8;
  if (segment > 0) magnitude = (magnitude + 0x100) << (segment - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

/**
 * ITU-T G.711 µ-law expansion: the byte is sent inverted, then a sign bit (1 = negative), a
 * 3-bit segment and a 4-bit step. Adding the bias 0x84 (33 on the 14-bit scale) makes every
 * segment an exact doubling, so the value is ((step·8 + bias) << segment) − bias.
 */
export function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const biased = (((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 0x07);
  return u & 0x80 ? 0x84 - biased : biased - 0x84;
}

/**
 * G.711 packets (PT 8 A-law, PT 0 µ-law; anything else left out) decoded to an 8 kHz mono WAV.
 * Each run of one SSRC is sorted by sequence number (across the 16-bit wrap) and laid out on its
 * RTP timestamps, so gaps become silence of the right length; each run starts at the arrival
 * time of its first packet, measured from the first run's. Where timestamps jump back, or more
 * than 1 s away from the clock, the timeline restarts at that packet's arrival time.
 */
export function rtpAudio(packets: RtpPacket[]): Buffer {
  const audio = [...packets].filter((p) => p.payloadType === 0 || p.payloadType === 8).sort((a, b) => a.time - b.time);
  const runs: RtpPacket[][] = [];
  for (const p of audio) {
    const run = runs[runs.length - 1];
    if (run && run[0]!.ssrc === p.ssrc) run.push(p);
    else runs.push([p]);
  }
  const placed: { at: number; samples: Int16Array }[] = [];
  const t0 = runs[0]?.[0]?.time ?? 0;
  for (const run of runs) {
    const ordered = unwrapSeq(run);
    let [anchor, previous] = [ordered[0]!, ordered[0]!];
    for (const p of ordered) {
      // Signed 32-bit differences survive the timestamp wrap.
      const step = (p.timestamp - previous.timestamp) | 0;
      // A source may restart its timestamps (Asterisk keeps the SSRC across some changes of stream).
      if (step < 0 || Math.abs(step / RATE - (p.time - previous.time)) > 1) anchor = p;
      previous = p;
      const at = Math.round((anchor.time - t0) * RATE) + ((p.timestamp - anchor.timestamp) | 0);
      placed.push({ at, samples: Int16Array.from(p.payload, p.payloadType === 8 ? alawToLinear : ulawToLinear) });
    }
  }
  const total = placed.reduce((n, s) => Math.max(n, s.at + s.samples.length), 0);
  const out = new Float32Array(total);
  for (const { at, samples } of placed) samples.forEach((s, i) => (out[at + i] = s / 32768));
  return encodeWav(out, RATE);
}

/** One SSRC's packets sorted by sequence number, each taken as the nearest to the previous one. */
function unwrapSeq(run: RtpPacket[]): RtpPacket[] {
  let last = run[0]!.seq;
  const keyed = run.map((p) => {
    last += ((p.seq - last + 0x8000) & 0xffff) - 0x8000;
    return { p, key: last };
  });
  return keyed.sort((a, b) => a.key - b.key).map((k) => k.p);
}

let speech: Buffer | undefined;

/**
 * What a sipp peer says with a `speak` step (sip-tester's g711a.pcap, 7.1 s of speech) as an 8 kHz
 * WAV: the reference to look for with `heardPrompt` in what the other side received.
 */
export function speechWav(): Buffer {
  speech ??= rtpAudio(parsePcap(readFileSync(SPEECH_PCAP)));
  return speech;
}

/** RFC 2833 digits in these telephone-event packets, one per event (its end packet is sent 3 times). */
export function rtpDtmf(packets: RtpPacket[]): string {
  const seen = new Set<string>();
  let digits = '';
  for (const p of [...packets].sort((a, b) => a.time - b.time)) {
    const event = p.payload[0];
    const key = `${p.ssrc}/${p.timestamp}`;
    if (event === undefined || event > 15 || seen.has(key)) continue;
    seen.add(key);
    digits += '0123456789*#ABCD'[event];
  }
  return digits;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
