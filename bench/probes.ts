/**
 * What the benchmark watches besides sipp: CPU of each process, RTP actually sent to callers, and
 * live samples of Asterisk's channels and Relais' calls during a level.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { AsteriskSupervisor } from '../asterisk/supervisor.ts';

/** Linux reports process times in clock ticks; 100 per second on every mainstream kernel build. */
const TICKS_PER_S = 100;

/** CPU time (user + system, all threads) of a process so far, in ms; undefined once it is gone. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: count fields from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** CPU time the whole machine spent busy (all cores, every process), in ms. */
export function machineBusyMs(): number {
  const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return ((user + nice + system + irq + softirq + steal) * 1000) / TICKS_PER_S;
}

export const nodeCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * UDP datagrams the kernel received for a port nobody listens on, machine-wide. Callers advertise
 * such a port in their SDP, so during a level this counts the RTP Asterisk sends them: the proof
 * that prompts are really played (it also counts strays from other processes, a few at most).
 */
export function udpNoPorts(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const [names, values] = lines.map((l) => l.trim().split(/\s+/));
  const i = names?.indexOf('NoPorts') ?? -1;
  if (i < 0 || !values) throw new Error('no Udp NoPorts counter in /proc/net/snmp');
  return Number(values[i]);
}

/** Established TCP connections whose local port is `port` (Asterisk's HTTP server: ARI REST and its WebSocket). */
export function tcpConnectionsTo(port: number): number {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  // IPv4 only: Asterisk's HTTP server binds 127.0.0.1 here.
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (local?.endsWith(hexPort) && state === '01') n += 1;
  }
  return n;
}

/** Lines of a log file containing `needle` (0 when there is no file yet). */
export function countLines(file: string, needle: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes(needle)).length;
}

export interface ChannelCensus {
  channels: number;
  /** Channels per dialplan application (Stasis, Playback, BackGround, WaitExten, ...). */
  apps: Record<string, number>;
}

/** `core show channels concise`: one `!`-separated line per channel, the application in field 6. */
export async function channelCensus(supervisor: AsteriskSupervisor): Promise<ChannelCensus> {
  const out = await supervisor.cli('core show channels concise');
  const apps: Record<string, number> = {};
  let channels = 0;
  for (const line of out.split('\n')) {
    const f = line.split('!');
    if (f.length < 6) continue;
    channels += 1;
    const app = f[5] || '(none)';
    apps[app] = (apps[app] ?? 0) + 1;
  }
  return { channels, apps };
}

export interface LevelSamples {
  /** Highest `relais.ivr.activeCalls` seen. */
  maxIvrCalls: number;
  /** sipp's CPU time at the last sample before it exited. */
  sippCpuMs: number;
  /** Most TCP connections to Asterisk's HTTP port at once. */
  maxHttpConnections: number;
  /** The census with the most channels. */
  peak: ChannelCensus;
  /** Channels per dialplan application, summed over every census (how the level's time was spent). */
  appSamples: Record<string, number>;
  cliErrors: number;
}

/**
 * Samples while a level runs. They share Relais' event loop, so they are kept cheap: Relais'
 * sessions every 250 ms (a Map size), connections and sipp's CPU every second (/proc reads),
 * Asterisk's channels every 5 s (an `asterisk -rx`, whose spawn blocks the loop for a few ms).
 */
export function startSampling(
  supervisor: AsteriskSupervisor,
  ivrCalls: () => number,
  sippPid: number | undefined,
  httpPort: number,
): { stop(): Promise<LevelSamples> } {
  const s: LevelSamples = {
    maxIvrCalls: 0,
    sippCpuMs: 0,
    maxHttpConnections: 0,
    peak: { channels: 0, apps: {} },
    appSamples: {},
    cliErrors: 0,
  };
  const sessions = setInterval(() => (s.maxIvrCalls = Math.max(s.maxIvrCalls, ivrCalls())), 250);
  const procs = setInterval(() => {
    s.maxHttpConnections = Math.max(s.maxHttpConnections, tcpConnectionsTo(httpPort));
    s.sippCpuMs = processCpuMs(sippPid) ?? s.sippCpuMs;
  }, 1000);
  let census: Promise<void> = Promise.resolve();
  const channels = setInterval(() => {
    census = channelCensus(supervisor).then(
      (c) => {
        if (c.channels > s.peak.channels) s.peak = c;
        for (const [app, n] of Object.entries(c.apps)) s.appSamples[app] = (s.appSamples[app] ?? 0) + n;
      },
      () => void (s.cliErrors += 1),
    );
  }, 5000);
  return {
    async stop() {
      for (const t of [sessions, procs, channels]) clearInterval(t);
      await census;
      return s;
    },
  };
}

/** Waits until Asterisk has no channel left and Relais no session; resolves with what is left at the deadline. */
export async function drained(
  supervisor: AsteriskSupervisor,
  ivrCalls: () => number,
  timeoutMs = 30_000,
): Promise<{ channels: number; ivrCalls: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { channels } = await channelCensus(supervisor);
    if ((channels === 0 && ivrCalls() === 0) || Date.now() > deadline) return { channels, ivrCalls: ivrCalls() };
    await new Promise((r) => setTimeout(r, 1000));
  }
}
