/**
 * RTP received per caller, at next to no cost: a child process binds one UDP port per call (the
 * port each caller writes in its SDP) and never reads them. With the smallest receive buffer, the
 * kernel drops nearly every packet and counts the drops per socket in /proc/net/udp, which the
 * child samples to find silences; at the end it reads what is left queued. Reading every packet
 * (50 per second per caller) in JavaScript would take CPU from the machine under test; this takes none.
 *
 * The child blocks its own event loop (synchronous sleeps) so Node never reads the sockets.
 */
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Above the kernel's ephemeral range (32768-60999) and outside the 20000-58000 band where tests
 * pick free ports, so holding a few thousand ports for minutes never takes one a test just found free.
 */
const PORTS = { from: 61000, to: 65535 };
/** Often enough to see a silence of a second or two, rarely enough to cost nothing. */
const SAMPLE_MS = 500;

export interface CallerAudio {
  port: number;
  /** RTP packets received. */
  packets: number;
  /** Longest stretch without a packet between the first and the last one (at SAMPLE_MS resolution, a lower bound). */
  longestSilenceMs: number;
}

export interface RtpSink {
  /** One port per call, in the order sipp uses them. */
  ports: number[];
  /** Stops the sink and returns what each port received. */
  stop(): Promise<CallerAudio[]>;
  kill(): void;
}

export async function startRtpSink(count: number, workDir: string): Promise<RtpSink> {
  const stopFile = join(workDir, `rtp-sink-stop-${process.pid}-${Date.now()}`);
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), String(count), stopFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error('the RTP sink exited without reporting');
    return r.value;
  };

  const ports = JSON.parse(await nextLine()) as number[];
  return {
    ports,
    async stop() {
      writeFileSync(stopFile, '');
      const report = JSON.parse(await nextLine()) as CallerAudio[];
      rmSync(stopFile, { force: true });
      return report;
    },
    kill: () => void child.kill('SIGKILL'),
  };
}

/** Binds `count` ports from PORTS.from on, skipping those in use. */
async function bindPorts(count: number): Promise<{ port: number; socket: Socket }[]> {
  const out: { port: number; socket: Socket }[] = [];
  for (let port = PORTS.from; out.length < count; port++) {
    if (port > PORTS.to) throw new Error(`only ${out.length} of ${count} UDP ports free in ${PORTS.from}-${PORTS.to}`);
    // The smallest buffer (the kernel rounds it up to ~2 packets): every further packet is a counted drop.
    const socket = createSocket({ type: 'udp4', recvBufferSize: 1 });
    const ok = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, '0.0.0.0', () => resolve(true));
    });
    if (ok) out.push({ port, socket });
    else socket.close();
  }
  return out;
}

/** Drops per local port of IPv4 UDP sockets bound to 0.0.0.0 (/proc/net/udp: local address, ..., drops last). */
function dropsByPort(): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    if (!local?.startsWith('00000000:')) continue;
    out.set(parseInt(local.slice(9), 16), Number(f.at(-1)));
  }
  return out;
}

interface PortTrack {
  drops: number;
  /** Sample time at which packets were last seen arriving. */
  heardAt: number | undefined;
  longestSilenceMs: number;
}

async function child(count: number, stopFile: string): Promise<void> {
  const bound = await bindPorts(count);
  const drained = new Map<number, number>();
  const track = new Map<number, PortTrack>();
  for (const { port, socket } of bound) {
    socket.on('message', () => drained.set(port, (drained.get(port) ?? 0) + 1));
    track.set(port, { drops: 0, heardAt: undefined, longestSilenceMs: 0 });
  }
  writeSync(1, `${JSON.stringify(bound.map((b) => b.port))}\n`);

  let previous = Date.now();
  const sample = () => {
    const now = Date.now();
    const drops = dropsByPort();
    for (const [port, t] of track) {
      const d = drops.get(port) ?? t.drops;
      if (d > t.drops) {
        // Nothing arrived between heardAt and the previous sample: silent at least that long.
        if (t.heardAt !== undefined) t.longestSilenceMs = Math.max(t.longestSilenceMs, previous - t.heardAt);
        t.heardAt = now;
      }
      t.drops = d;
    }
    previous = now;
  };
  // Blocks the event loop, so the sockets are never read while calls run.
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(stopFile)) {
    Atomics.wait(sleeper, 0, 0, SAMPLE_MS);
    sample();
  }
  // Now the loop runs: what is still queued is read (and counted) before the report.
  setTimeout(() => {
    const report: CallerAudio[] = bound.map(({ port }) => {
      const t = track.get(port)!;
      return { port, packets: t.drops + (drained.get(port) ?? 0), longestSilenceMs: t.longestSilenceMs };
    });
    writeSync(1, `${JSON.stringify(report)}\n`);
    process.exit(0);
  }, 200);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [count, stopFile] = process.argv.slice(2);
  child(Number(count), stopFile!).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
