import { execFileSync, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav, heardPrompt, parseWav } from '../support/audio.ts';
import {
  alawToLinear,
  parsePcap,
  rtpAudio,
  rtpDtmf,
  speechWav,
  startCapture,
  ulawToLinear,
  type RtpPacket,
} from '../support/rtp-capture.ts';
import { callIn, SPEECH_PCAP } from '../support/sipp.ts';

const RATE = 8000;
const FRAME = 160;
const PCAPS = '/usr/share/sip-tester';

/** A sweep from `from` to `to` Hz: unlike a steady sine, it matches itself at one offset only. */
function chirp(ms: number, from: number, to: number): Float32Array {
  const n = (ms * RATE) / 1000;
  return Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * (from * i + ((to - from) * i * i) / (2 * n))) / RATE));
}

/** G.711-encodes samples with sox, an encoder independent of the decoders under test. */
function g711(samples: Float32Array, encoding: 'a-law' | 'u-law'): Buffer {
  return execFileSync('sox', ['-t', 'wav', '-', '-t', 'raw', '-e', encoding, '-b', '8', '-'], { input: encodeWav(samples, RATE) });
}

function rtp(h: { pt: number; seq: number; ts: number; ssrc: number; marker?: boolean }, payload: Buffer, extras = false): Buffer {
  const head = Buffer.alloc(12);
  head[0] = 0x80 | (extras ? 0x31 : 0); // with extras: padding, header extension and one CSRC
  head[1] = (h.marker ? 0x80 : 0) | h.pt;
  head.writeUInt16BE(h.seq & 0xffff, 2);
  head.writeUInt32BE(h.ts >>> 0, 4);
  head.writeUInt32BE(h.ssrc, 8);
  if (!extras) return Buffer.concat([head, payload]);
  const csrc = Buffer.from([0, 0, 0, 7]);
  const extension = Buffer.from([0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0]);
  return Buffer.concat([head, csrc, extension, payload, Buffer.from([0, 0, 0, 4])]);
}

/** An RFC 2833 event as phones send it: growing durations, then the end packet 3 times. */
function dtmfPackets(event: number, seq: number, ts: number, ssrc: number): Buffer[] {
  const body = (end: boolean, duration: number) => Buffer.from([event, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]);
  const packets = [1, 2, 3].map((i) => rtp({ pt: 101, seq: seq + i - 1, ts, ssrc, marker: i === 1 }, body(false, i * FRAME)));
  for (let i = 0; i < 3; i++) packets.push(rtp({ pt: 101, seq: seq + 3 + i, ts, ssrc }, body(true, 4 * FRAME)));
  return packets;
}

const send = (s: Socket, buf: Buffer, port: number) =>
  new Promise<void>((resolve, reject) => s.send(buf, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function bindUdp(port = 0): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

/** A run of `count` free UDP ports from an even base (sipp takes SIP+1 for control, media+2 for video). */
async function freeUdpRun(count: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20000 + 2 * Math.floor(Math.random() * 19000);
    const held: Socket[] = [];
    try {
      for (let p = base; p < base + count; p++) held.push(await bindUdp(p));
      return base;
    } catch {
      // taken: try another base
    } finally {
      await Promise.all(held.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    }
  }
  throw new Error(`no run of ${count} free UDP ports`);
}

/** Whether a socket is bound to this local port, read from the kernel (probing by binding could steal it). */
function udpBound(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return new RegExp(`^\\s*\\d+: [0-9A-F]{8}:${hex} `, 'm').test(readFileSync('/proc/net/udp', 'utf8'));
}

/** Longest run of exact zeros (unfilled timeline: G.711 decodes no code to 0 in A-law), in ms. */
function longestSilenceMs(samples: Float32Array): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < samples.length; i++) {
    run = samples[i] === 0 ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return (best / RATE) * 1000;
}

describe('G.711 decoders', () => {
  it('expand known codes', () => {
    expect([0xd5, 0x55, 0xaa, 0x2a].map(alawToLinear)).toEqual([8, -8, 32256, -32256]);
    expect([0xff, 0x7f, 0x80, 0x00].map(ulawToLinear)).toEqual([0, 0, 32124, -32124]);
    expect(Object.is(ulawToLinear(0x7f), 0)).toBe(true);
  });

  it('agree with sox on all 256 codes', () => {
    const codes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const [encoding, decode] of [
      ['a-law', alawToLinear],
      ['u-law', ulawToLinear],
    ] as const) {
      const pcm = execFileSync(
        'sox',
        ['-t', 'raw', '-r', '8000', '-e', encoding, '-b', '8', '-c', '1', '-', '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L', '-'],
        { input: codes },
      );
      const expected = Array.from({ length: 256 }, (_, i) => pcm.readInt16LE(2 * i));
      expect(Array.from(codes, decode)).toEqual(expected);
    }
  });
});

describe('parsePcap', () => {
  const speech = readFileSync(SPEECH_PCAP);

  it("reads sip-tester's speech capture (Ethernet, little-endian, µs)", () => {
    const packets = parsePcap(speech);
    expect(packets).toHaveLength(236);
    expect(packets.every((p) => p.payloadType === 8 && p.dstPort === 2006 && p.payload.length === 240)).toBe(true);
    expect(packets[0]).toMatchObject({ srcPort: 5000, seq: 59133, timestamp: 240, ssrc: 0xdee0ee8f, marker: true });
  });

  it('reads the same packets in big-endian, ns, Linux cooked v1/v2 and raw IPv4 files', () => {
    const view = (buf: Buffer) => parsePcap(buf).map((p) => ({ ...p, payload: p.payload.toString('base64') }));
    const reference = view(speech);
    for (const [bigEndian, nanos, linkType] of [
      [true, false, 1],
      [false, true, 113],
      [true, true, 276],
      [false, false, 101],
      [true, false, 228],
    ] as const) {
      expect(view(rewritePcap(speech, { bigEndian, nanos, linkType })), `${bigEndian}/${nanos}/${linkType}`).toEqual(reference);
    }
  });

  it("decodes sip-tester's RFC 2833 captures to their digit", () => {
    for (const [name, digit] of [...'0123456789']
      .map((d) => [d, d])
      .concat([
        ['star', '*'],
        ['pound', '#'],
      ])) {
      expect(rtpDtmf(parsePcap(readFileSync(`${PCAPS}/dtmf_2833_${name}.pcap`)))).toBe(digit);
    }
  });
});

describe('rtpAudio', () => {
  it('restarts the timeline at the arrival time when a source restarts its timestamps', () => {
    const frame = (i: number, time: number, timestamp: number): RtpPacket => ({
      time,
      srcPort: 1,
      dstPort: 2,
      payloadType: 8,
      seq: i,
      timestamp,
      ssrc: 9,
      marker: false,
      payload: Buffer.alloc(FRAME, 0xaa),
    });
    const packets = [0, 1, 2]
      .map((i) => frame(i, 100 + i * 0.02, 500_000 + i * FRAME))
      .concat([3, 4].map((i) => frame(i, 100.5 + i * 0.02, i * FRAME)));
    const samples = parseWav(rtpAudio(packets)).samples;
    const loud = [...samples].map((s, i) => (s !== 0 ? i : -1)).filter((i) => i >= 0);
    expect([loud[0], loud[3 * FRAME - 1], loud[3 * FRAME], loud.at(-1)]).toEqual([
      0,
      3 * FRAME - 1,
      4000 + 3 * FRAME,
      4000 + 5 * FRAME - 1,
    ]);
  });
});

/** The Ethernet/LE/µs `src` rewritten with another byte order, time unit and link type. */
function rewritePcap(src: Buffer, o: { bigEndian: boolean; nanos: boolean; linkType: number }): Buffer {
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (o.bigEndian) b.writeUInt32BE(v);
    else b.writeUInt32LE(v);
    return b;
  };
  const version = o.bigEndian ? [0, 2, 0, 4] : [2, 0, 4, 0];
  const parts = [u32(o.nanos ? 0xa1b23c4d : 0xa1b2c3d4), Buffer.from(version), u32(0), u32(0), u32(65535), u32(o.linkType)];
  for (let at = 24; at + 16 <= src.length;) {
    const size = src.readUInt32LE(at + 8);
    const ethernet = src.subarray(at + 16, at + 16 + 14);
    const ip = src.subarray(at + 16 + 14, at + 16 + size);
    const cooked = o.linkType === 113 ? Buffer.from([0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 8, 0]) : Buffer.alloc(0);
    const cooked2 = o.linkType === 276 ? Buffer.from([8, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0]) : Buffer.alloc(0);
    const frame = Buffer.concat([o.linkType === 1 ? ethernet : Buffer.alloc(0), cooked, cooked2, ip]);
    const fraction = src.readUInt32LE(at + 4) * (o.nanos ? 1000 : 1);
    parts.push(u32(src.readUInt32LE(at)), u32(fraction), u32(frame.length), u32(frame.length), frame);
    at += 16 + size;
  }
  return Buffer.concat(parts);
}

describe('startCapture on loopback', () => {
  let a: Socket;
  let b: Socket;
  beforeAll(async () => {
    [a, b] = await Promise.all([bindUdp(), bindUdp()]);
  });
  afterAll(() => {
    a.close();
    b.close();
  });

  it('counts both directions, lays audio on the RTP timeline per SSRC, skips non-RTP and reads digits', async () => {
    const portA = a.address().port;
    const portB = b.address().port;
    const first = chirp(800, 300, 1500);
    const second = chirp(400, 1500, 300);
    const back = chirp(200, 500, 900);
    const capture = await startCapture({ ports: [portA, portB] });
    let secondAtMs = 0;
    try {
      // A → B, SSRC 1 in one burst: arrival times say nothing, only timestamps place the audio.
      // 200 ms of silence suppressed halfway; seq and timestamp wrap around; frames 3 and 4 swapped.
      const coded = g711(first, 'a-law');
      const frames = Array.from({ length: 40 }, (_, i) => {
        const ts = 2 ** 32 - 800 + (i < 20 ? i : i + 10) * FRAME;
        return rtp(
          { pt: 8, seq: 65530 + i, ts, ssrc: 1, marker: i === 0 || i === 20 },
          coded.subarray(i * FRAME, (i + 1) * FRAME),
          i === 10,
        );
      });
      [frames[3], frames[4]] = [frames[4]!, frames[3]!];
      const startedAt = performance.now();
      for (const f of frames) await send(a, f, portB);
      await sleep(100);
      for (const p of [...dtmfPackets(5, 34, 6400, 1), ...dtmfPackets(11, 40, 8000, 1)]) await send(a, p, portB);
      // SSRC 2 starts after a pause: it is placed at its arrival time, not after SSRC 1's last sample.
      await sleep(1300 - (performance.now() - startedAt));
      const coded2 = g711(second, 'a-law');
      secondAtMs = performance.now() - startedAt;
      for (let i = 0; i < 20; i++)
        await send(a, rtp({ pt: 8, seq: 1000 + i, ts: 90_000 + i * FRAME, ssrc: 2 }, coded2.subarray(i * FRAME, (i + 1) * FRAME)), portB);

      // B → A: µ-law, plus an RTCP sender report and a SIP request that must be skipped.
      const coded3 = g711(back, 'u-law');
      for (let i = 0; i < 10; i++)
        await send(b, rtp({ pt: 0, seq: i, ts: i * FRAME, ssrc: 3 }, coded3.subarray(i * FRAME, (i + 1) * FRAME)), portA);
      await send(b, Buffer.from([0x80, 200, 0, 6, ...new Array(24).fill(0)]), portA);
      await send(b, Buffer.from(`OPTIONS sip:relais@127.0.0.1:${portA} SIP/2.0\r\nContent-Length: 0\r\n\r\n`), portA);
    } finally {
      await capture.stop();
    }

    expect(capture.count({ dstPort: portB, payloadType: 8 })).toBe(60);
    expect(capture.count({ dstPort: portB, payloadType: 101 })).toBe(12);
    expect(capture.count({ srcPort: portA })).toBe(72);
    expect(capture.count({ dstPort: portA })).toBe(10);
    expect(capture.count({ dstPort: portA, payloadType: 0 })).toBe(10);
    expect(capture.packets().find((p) => p.ssrc === 1 && p.seq === 4)?.payload.length).toBe(FRAME);
    expect(capture.dtmfTo(portB)).toBe('5#');
    expect(capture.dtmfTo(portA)).toBe('');

    const toB = capture.audioTo(portB);
    const withGap = new Float32Array(first.length + 200 * 8);
    withGap.set(first.subarray(0, 3200));
    withGap.set(first.subarray(3200), 3200 + 1600);
    const one = heardPrompt(toB, encodeWav(withGap, RATE));
    expect(one.peak).toBeGreaterThan(0.9);
    expect(Math.abs(one.offsetMs)).toBeLessThan(1);
    expect(Math.abs(longestSilenceMs(parseWav(toB).samples.subarray(0, 8000)) - 200)).toBeLessThan(20);

    const two = heardPrompt(toB, encodeWav(second, RATE));
    expect(two.peak).toBeGreaterThan(0.9);
    expect(Math.abs(two.offsetMs - secondAtMs)).toBeLessThan(20);

    expect(heardPrompt(capture.audioTo(portA), encodeWav(back, RATE)).peak).toBeGreaterThan(0.9);
  });

  it('sees what a sipp caller says to a sipp UAS, and its echo', async () => {
    const base = await freeUdpRun(12);
    const [uacSip, uacMedia, uasSip, uasMedia] = [base, base + 2, base + 6, base + 8];
    const capture = await startCapture({ ports: [uacSip, uacMedia, uasSip, uasMedia] });
    const uas = spawn(
      'sipp',
      [
        '-sn',
        'uas',
        '-i',
        '127.0.0.1',
        '-p',
        String(uasSip),
        '-cp',
        String(uasSip + 1),
        '-mp',
        String(uasMedia),
        '-rtp_echo',
        '-m',
        '1',
        '-nostdin',
        '-timeout',
        '20s',
      ],
      { stdio: 'ignore' },
    );
    try {
      const deadline = Date.now() + 5000;
      // Calling before the UAS has bound its port would earn an ICMP refusal, not a retransmission.
      while (!udpBound(uasSip)) {
        if (Date.now() > deadline) throw new Error(`sipp UAS not listening on ${uasSip} within 5 s`);
        await sleep(20);
      }
      const caller = callIn({
        target: { host: '127.0.0.1', port: uasSip },
        dialled: 'relais',
        from: 'caller',
        port: uacSip,
        mediaPort: uacMedia,
        steps: [{ speak: true }, { pause: 3000 }, { dtmf: '5' }, { hangup: true }],
        timeoutMs: 20_000,
      });
      const result = await caller.done;
      expect(result.code, result.errors).toBe(0);
    } finally {
      await capture.stop();
      uas.kill('SIGKILL');
    }

    const speech = parseWav(speechWav());
    const firstSeconds = encodeWav(speech.samples.subarray(0, 2.5 * RATE), RATE);
    for (const port of [uasMedia, uacMedia]) {
      expect(capture.count({ dstPort: port, payloadType: 8 })).toBeGreaterThan(90);
      const heard = heardPrompt(capture.audioTo(port), firstSeconds);
      expect(heard.peak, `audio to ${port}`).toBeGreaterThan(0.9);
      expect(heard.coverage).toBeGreaterThan(0.95);
      expect(capture.dtmfTo(port)).toBe('5');
    }
  });
});
