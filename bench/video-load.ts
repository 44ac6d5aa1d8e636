/**
 * How many 1:1 video calls one mediasoup worker carries on this machine, its CPU per call, and its
 * consumers against mediasoup's documented "over ~500 consumers per worker".
 *
 *   npm run bench:video [-- --seconds 5 --steps 10,20,40,60,80,100,120,140 --json]
 *
 * Each call is built as Relais builds one (video/room.ts): a router of its own on the worker, and
 * per side a sending and a receiving transport, two producers (VP8 camera at 800 kb/s in 24
 * frames a second, Opus at 50 packets a second) and two consumers of the other side's. The
 * producers are synthetic: Node sends RTP shaped like a browser's (VP8 payload descriptor with
 * picture ids, a keyframe a second; mediasoup parses those, never the image) to PlainTransports,
 * and the consumers send theirs to a Node sink; what the worker forwarded is read from its own
 * transport counters (bytes in from producers, bytes out to consumers). PlainTransports carry no
 * SRTP: a browser's call adds its encryption, so real calls cost somewhat more than measured here.
 *
 * Baselines in the same run: the worker idle (its CPU is subtracted: CPU per call is what calls
 * add), and the same calls on ONE shared router (no router per call): the ratio says what Relais'
 * router per call costs. A step is carried when the worker forwarded ≥ 99 % of what came in and
 * stayed under 90 % of a core; it stops early, saying so, when Node cannot send the media fast
 * enough (the worker's limit is then above what this machine can feed it).
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { types } from 'mediasoup';
import { RELAIS_HOME } from '../test/support/relais.ts';
import { loadMediasoup, MEDIA_CODECS } from '../video/workers.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    steps: { type: 'string', default: '10,40,80,120,160,200,250,300' },
    json: { type: 'boolean' },
  },
});
const SECONDS = Number(args.seconds);
const STEPS = args.steps!.split(',').map(Number);
const DOCUMENTED_CONSUMERS = 500;
const VIDEO = { pt: 96, fps: 24, bitrate: 800_000, mtu: 1100 };
const AUDIO = { pt: 111, ptime: 20, bytes: 80 };

const mediasoup = await loadMediasoup(RELAIS_HOME);
const worker = await mediasoup.createWorker({ logLevel: 'error' });
const clockTicks = 100; // USER_HZ on Linux
const cpuOf = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / clockTicks; // utime + stime, seconds
};

/** Where consumers send (and it is dropped: the worker's own counters say what it forwarded). */
const sink: Socket = createSocket('udp4');
sink.on('message', () => undefined);
await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
const sinkPort = sink.address().port;
const source: Socket = createSocket('udp4');
await new Promise<void>((r) => source.bind(0, '127.0.0.1', r));

interface Side {
  send: types.PlainTransport;
  videoSsrc: number;
  audioSsrc: number;
}
interface Call {
  routers: types.Router[];
  sides: Side[];
  recvs: types.PlainTransport[];
}

let ssrcs = 1000;
async function makeCall(router: types.Router, own: boolean): Promise<Call> {
  // Sending sides learn Node's address from its first packet (comedia); receiving ones are told the sink's.
  const plain = (r: types.Router, comedia: boolean) =>
    r.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia });
  const sides: Side[] = [];
  const producers: types.Producer[][] = [];
  for (let i = 0; i < 2; i++) {
    const send = await plain(router, true);
    const videoSsrc = ssrcs++;
    const audioSsrc = ssrcs++;
    producers.push([
      await send.produce({
        kind: 'video',
        rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: VIDEO.pt, clockRate: 90000 }], encodings: [{ ssrc: videoSsrc }] },
      }),
      await send.produce({
        kind: 'audio',
        rtpParameters: {
          codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO.pt, clockRate: 48000, channels: 2 }],
          encodings: [{ ssrc: audioSsrc }],
        },
      }),
    ]);
    sides.push({ send, videoSsrc, audioSsrc });
  }
  const recvs: types.PlainTransport[] = [];
  for (let i = 0; i < 2; i++) {
    const recv = await plain(router, false);
    recvs.push(recv);
    await recv.connect({ ip: '127.0.0.1', port: sinkPort });
    for (const p of producers[1 - i]!) await recv.consume({ producerId: p.id, rtpCapabilities: router.rtpCapabilities, paused: false });
  }
  return { routers: own ? [router] : [], sides, recvs };
}

// --- synthetic RTP ---------------------------------------------------------------------------
const seq = new Map<number, number>();
function rtp(pt: number, ssrc: number, ts: number, marker: boolean, ...payload: Buffer[]): Buffer {
  // One allocation per packet: at 100+ calls Node sends tens of thousands a second.
  const b = Buffer.allocUnsafe(12 + payload.reduce((n, p) => n + p.length, 0));
  const s = ((seq.get(ssrc) ?? 0) + 1) & 0xffff;
  seq.set(ssrc, s);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(s, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  let at = 12;
  for (const p of payload) at += p.copy(b, at);
  return b;
}
const filler = Buffer.alloc(VIDEO.mtu, 0x5a);
/** One VP8 frame in packets: descriptor X=1,S on the first, 15-bit picture id; P=0 on a keyframe. */
function vp8Frame(ssrc: number, frame: number, ts: number, key: boolean): Buffer[] {
  const bytes = Math.round(VIDEO.bitrate / 8 / VIDEO.fps);
  const count = Math.ceil(bytes / VIDEO.mtu);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const d = Buffer.from([0x80 | (i === 0 ? 0x10 : 0), 0x80, 0x80 | ((frame >> 8) & 0x7f), frame & 0xff]);
    const head = i === 0 ? Buffer.from([key ? 0x10 : 0x11, 0x02, 0x00]) : Buffer.alloc(0);
    out.push(rtp(VIDEO.pt, ssrc, ts, i === count - 1, d, head, filler.subarray(0, Math.min(VIDEO.mtu, bytes - i * VIDEO.mtu))));
  }
  return out;
}

/** Sends every side's media in real time; returns the packets sent per tick, and a stop. */
function pump(calls: Call[]): { sent: () => number; stop: () => void } {
  let sent = 0;
  let frame = 0;
  let audioTick = 0;
  const started = Date.now();
  const targets = () => calls.flatMap((c) => c.sides.map((s) => ({ s, port: s.send.tuple.localPort })));
  const all = targets();
  const video = setInterval(() => {
    frame++;
    const ts = Math.round(((Date.now() - started) * 90000) / 1000);
    for (const { s, port } of all)
      for (const p of vp8Frame(s.videoSsrc, frame, ts, frame % VIDEO.fps === 1)) (source.send(p, port, '127.0.0.1'), sent++);
  }, 1000 / VIDEO.fps);
  const audio = setInterval(() => {
    audioTick++;
    const payload = Buffer.alloc(AUDIO.bytes, 0x11);
    for (const { s, port } of all) (source.send(rtp(AUDIO.pt, s.audioSsrc, audioTick * 960, false, payload), port, '127.0.0.1'), sent++);
  }, AUDIO.ptime);
  return { sent: () => sent, stop: () => (clearInterval(video), clearInterval(audio)) };
}

/** RTP bytes the worker took in from the producers' transports and sent out of the consumers' (its own counters). */
async function forwarded(calls: Call[]): Promise<{ in: number; out: number }> {
  let [inBytes, outBytes] = [0, 0];
  for (const c of calls) {
    for (const s of c.sides) inBytes += (await s.send.getStats())[0]?.rtpBytesReceived ?? 0;
    for (const r of c.recvs) outBytes += (await r.getStats())[0]?.rtpBytesSent ?? 0;
  }
  return { in: inBytes, out: outBytes };
}

/** CPU share of one core the worker used, and the share of media forwarded, over SECONDS. */
async function measure(calls: Call[]): Promise<{ cpu: number; delivered: number; paced: number }> {
  const p = pump(calls);
  await new Promise((r) => setTimeout(r, 2000)); // consumers get their first keyframe
  // The worker's counters are read outside the CPU window: reading them costs it CPU too.
  const f0 = await forwarded(calls);
  const [cpu0, sent0, t0] = [cpuOf(worker.pid), p.sent(), Date.now()];
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const [cpu1, sent1, t1] = [cpuOf(worker.pid), p.sent(), Date.now()];
  const f1 = await forwarded(calls);
  p.stop();
  await new Promise((r) => setTimeout(r, 300));
  // Each packet sent has one consumer (the other side). `paced`: what Node managed to send, of what it should.
  const frame = Math.ceil(Math.round(VIDEO.bitrate / 8 / VIDEO.fps) / VIDEO.mtu) * VIDEO.fps + 1000 / AUDIO.ptime;
  const should = calls.length * 2 * frame * ((t1 - t0) / 1000);
  return {
    cpu: (cpu1 - cpu0) / ((t1 - t0) / 1000),
    // Each side's media has one consumer: what came in should go out.
    delivered: f1.in > f0.in ? (f1.out - f0.out) / (f1.in - f0.in) : 1,
    paced: should ? (sent1 - sent0) / should : 1,
  };
}

async function run(n: number, shared?: types.Router): Promise<{ cpu: number; delivered: number; paced: number }> {
  const calls: Call[] = [];
  for (let i = 0; i < n; i++) calls.push(await makeCall(shared ?? (await worker.createRouter({ mediaCodecs: MEDIA_CODECS })), !shared));
  const r = await measure(calls);
  for (const c of calls) for (const s of c.sides) s.send.close();
  for (const c of calls) for (const router of c.routers) router.close();
  return r;
}

const idle = await measure([]);
let sourceLimited: number | null = null;
const rows: { calls: number; consumers: number; cpu: number; perCall: number; delivered: number; carried: boolean }[] = [];
for (const n of STEPS) {
  const r = await run(n);
  const carried = r.delivered >= 0.99 && r.cpu < 0.9;
  if (r.paced < 0.95) {
    sourceLimited = n;
    if (!args.json)
      console.log(
        `${String(n).padStart(4)} calls: Node's synthetic source sent only ${(r.paced * 100).toFixed(0)} % of the media in time: the worker's limit is above what this machine can feed it`,
      );
    break;
  }
  rows.push({ calls: n, consumers: n * 4, cpu: r.cpu, perCall: (r.cpu - idle.cpu) / n, delivered: r.delivered, carried });
  if (!args.json)
    console.log(
      `${String(n).padStart(4)} calls  ${String(n * 4).padStart(4)} consumers  worker ${(r.cpu * 100).toFixed(1).padStart(5)} % of a core  ${(((r.cpu - idle.cpu) * 100) / n).toFixed(2)} %/call  delivered ${(r.delivered * 100).toFixed(2)} %  ${carried ? 'carried' : 'NOT carried'}`,
    );
  if (!carried) break;
}
const best = rows.filter((r) => r.carried).at(-1);
const sharedRouter = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
const compareAt = best?.calls ?? rows[0]?.calls ?? STEPS[0]!;
const bare = await run(compareAt, sharedRouter);
const own = rows.find((r) => r.calls === compareAt) ?? (await run(compareAt));
const result = {
  machine: { cores: (await import('node:os')).availableParallelism() },
  idleWorkerCpu: idle.cpu,
  steps: rows,
  callsCarried: best?.calls ?? 0,
  /** The feed could not keep up from this many calls on: callsCarried is then a lower bound. */
  sourceLimitedAt: sourceLimited,
  consumersCarried: best ? best.consumers : 0,
  consumersVsDocumented: best ? best.consumers / DOCUMENTED_CONSUMERS : 0,
  cpuPerCall: best?.perCall ?? null,
  routerPerCallVsShared: { calls: compareAt, cpu: own.cpu, sharedCpu: bare.cpu, ratio: own.cpu / Math.max(bare.cpu, 1e-6) },
};
if (args.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`idle worker: ${(idle.cpu * 100).toFixed(2)} % of a core (the baseline subtracted)`);
  console.log(
    `one worker carries ${sourceLimited ? 'at least ' : ''}${result.callsCarried} calls (${result.consumersCarried} consumers: ${result.consumersVsDocumented.toFixed(2)}× mediasoup's ~${DOCUMENTED_CONSUMERS}), ${((result.cpuPerCall ?? 0) * 100).toFixed(2)} % of a core per call`,
  );
  console.log(
    `router per call vs one shared router at ${compareAt} calls: ${(own.cpu * 100).toFixed(1)} % vs ${(bare.cpu * 100).toFixed(1)} % of a core, ratio ${result.routerPerCallVsShared.ratio.toFixed(2)}`,
  );
}
worker.close();
sink.close();
source.close();
