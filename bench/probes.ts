/**
 * What the benchmark watches besides sipp: CPU of each process, RTP actually sent to callers, and
 * live samples of Asterisk's channels and Relais' calls during a level.
 */
import { readFileSync } from 'node:fs';
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
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const [names, values] = lines.map((l) => l.trim().split(/\s+/));
  const i = names?.indexOf('NoPorts') ?? -1;
  if (i < 0 || !values) throw new Error('no Udp NoPorts counter in /proc/net/snmp');
  return Number(values[i]);
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
  /** The census with the most channels. */
  peak: ChannelCensus;
  cliErrors: number;
}

/**
 * Samples while a level runs: Relais' live sessions every 250 ms (free: a Map size), Asterisk's
 * channels every 2 s (one `asterisk -rx`, a few ms of CPU, the same for both flows).
 */
export function startSampling(supervisor: AsteriskSupervisor, ivrCalls: () => number, sippPid: number | undefined): { stop(): Promise<LevelSamples> } {
  const s: LevelSamples = { maxIvrCalls: 0, sippCpuMs: 0, peak: { channels: 0, apps: {} }, cliErrors: 0 };
  const fast = setInterval(() => {
    s.maxIvrCalls = Math.max(s.maxIvrCalls, ivrCalls());
    s.sippCpuMs = processCpuMs(sippPid) ?? s.sippCpuMs;
  }, 250);
  let census: Promise<void> = Promise.resolve();
  const slow = setInterval(() => {
    census = channelCensus(supervisor).then(
      (c) => void (c.channels > s.peak.channels && (s.peak = c)),
      () => void (s.cliErrors += 1),
    );
  }, 2000);
  return {
    async stop() {
      clearInterval(fast);
      clearInterval(slow);
      await census;
      return s;
    },
  };
}

/** Waits until Asterisk has no channel left and Relais no session; resolves with what is left at the deadline. */
export async function drained(supervisor: AsteriskSupervisor, ivrCalls: () => number, timeoutMs = 30_000): Promise<{ channels: number; ivrCalls: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { channels } = await channelCensus(supervisor);
    if ((channels === 0 && ivrCalls() === 0) || Date.now() > deadline) return { channels, ivrCalls: ivrCalls() };
    await new Promise((r) => setTimeout(r, 500));
  }
}
