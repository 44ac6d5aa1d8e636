/** The benchmark's figures: one row per level and flow, then the summary against the 0.9 target. */

export type Flow = 'ari' | 'plain';

export interface LevelRun {
  flow: Flow;
  level: number;
  successful: number;
  failed: number;
  /** Highest open calls seen by sipp, by Asterisk (channels) and by Relais (sessions, ARI only). */
  maxConcurrent: { sipp: number; asteriskChannels: number; ivrSessions: number };
  /** Dialplan applications of the channels at the busiest sample. */
  apps: Record<string, number>;
  answerMs: { p50: number; p99: number; max: number; n: number };
  /** CPU used during the level, ms, per process. */
  cpuMs: { asterisk: number; node: number; redis: number; sipp: number };
  wallMs: number;
  /** 1-minute load average when the level started. */
  load1: number;
  /** RTP packets received by callers vs what the prompts' length predicts for the answered calls. */
  rtp: { packets: number; expected: number };
  log: { warn: number; error: number; samples: string[] };
  /** What was still there once the level was over (should be nothing). */
  leftover: { channels: number; ivrSessions: number };
  sippExit: number | null;
  sippErrors: string[];
  sippDir: string;
  /** Reasons this level does not count as held (empty: held). */
  notHeld: string[];
  /** Broken measurements: the benchmark measured nothing meaningful. */
  sanity: string[];
}

export const ANSWER_PROMISE_MS = 1000;
export const TARGET_RATIO = 0.9;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Per call, all the CPU that served it: Asterisk, plus Relais (Node) and Redis for the ARI flow. */
export const serverCpuMs = (r: LevelRun) => r.cpuMs.asterisk + r.cpuMs.node + r.cpuMs.redis;
const perCall = (r: LevelRun) => serverCpuMs(r) / Math.max(1, r.successful + r.failed);

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function tableHeader(): string {
  return [
    'flow   level  ok/fail     max sipp/ast/ivr   INVITE→200 p50/p99/max ms   CPU ms/call ast+node+redis   cores  rtp%  load  warn/err  held',
    '-'.repeat(150),
  ].join('\n');
}

export function tableRow(r: LevelRun): string {
  const calls = r.successful + r.failed || 1;
  const cpu = `${fmt(r.cpuMs.asterisk / calls, 1)}+${fmt(r.cpuMs.node / calls, 1)}+${fmt(r.cpuMs.redis / calls, 1)}=${fmt(perCall(r), 1)}`;
  const cores = serverCpuMs(r) / Math.max(1, r.wallMs);
  return [
    r.flow.padEnd(6),
    String(r.level).padStart(5),
    `${r.successful}/${r.failed}`.padStart(9),
    `${r.maxConcurrent.sipp}/${r.maxConcurrent.asteriskChannels}/${r.flow === 'ari' ? r.maxConcurrent.ivrSessions : '-'}`.padStart(18),
    `${fmt(r.answerMs.p50, 1)}/${fmt(r.answerMs.p99, 1)}/${fmt(r.answerMs.max, 1)}`.padStart(26),
    cpu.padStart(30),
    fmt(cores, 2).padStart(6),
    fmt((100 * r.rtp.packets) / Math.max(1, r.rtp.expected)).padStart(5),
    fmt(r.load1, 2).padStart(5),
    `${r.log.warn}/${r.log.error}`.padStart(9),
    r.notHeld.length ? `no: ${r.notHeld.join('; ')}` : 'yes',
  ].join(' ');
}

export interface Summary {
  held: Record<Flow, number>;
  /** ARI ÷ plain. */
  ratio: number;
  pass: boolean;
  /** When the ratio is a bound rather than a measurement. */
  caveats: string[];
  commonLevel: number | undefined;
  atCommonLevel: Partial<Record<Flow, { p50: number; p99: number; cpuMsPerCall: number; coresPer100Calls: number }>>;
  sanity: string[];
}

export function summarise(runs: readonly LevelRun[], levels: readonly number[]): Summary {
  const ofFlow = (f: Flow) => runs.filter((r) => r.flow === f);
  const held = (f: Flow) => Math.max(0, ...ofFlow(f).filter((r) => r.notHeld.length === 0).map((r) => r.level));
  const h = { ari: held('ari'), plain: held('plain') };
  const top = Math.max(...levels);
  const caveats: string[] = [];
  if (h.ari === top && h.plain === top) caveats.push(`both flows held every level tried (up to ${top}): the ratio only says "as good up to ${top}"; add levels to find the ceilings`);
  else if (h.plain === top) caveats.push(`plain dialplan held the highest level tried (${top}): its ceiling may be higher, so the ratio is an upper bound`);
  const ratio = h.plain > 0 ? h.ari / h.plain : NaN;

  const bothHeld = levels.filter((l) => (['ari', 'plain'] as const).every((f) => ofFlow(f).some((r) => r.level === l && r.notHeld.length === 0)));
  const bothRan = levels.filter((l) => (['ari', 'plain'] as const).every((f) => ofFlow(f).some((r) => r.level === l)));
  const commonLevel = bothHeld.at(-1) ?? bothRan.at(-1);
  const atCommonLevel: Summary['atCommonLevel'] = {};
  for (const f of ['ari', 'plain'] as const) {
    const r = ofFlow(f).find((x) => x.level === commonLevel);
    if (r) {
      const coresPer100Calls = (serverCpuMs(r) / Math.max(1, r.wallMs)) * (100 / Math.max(1, r.maxConcurrent.sipp));
      atCommonLevel[f] = { p50: r.answerMs.p50, p99: r.answerMs.p99, cpuMsPerCall: perCall(r), coresPer100Calls };
    }
  }
  const sanity = runs.flatMap((r) => r.sanity.map((s) => `${r.flow} level ${r.level}: ${s}`));
  return { held: h, ratio, pass: Number.isFinite(ratio) && ratio >= TARGET_RATIO && sanity.length === 0, caveats, commonLevel, atCommonLevel, sanity };
}

export function summaryLines(s: Summary): string[] {
  const lines = [
    `held without failures (0 failed calls, p99 INVITE→200 < ${ANSWER_PROMISE_MS} ms):`,
    `  ARI IVR (Relais)  ${s.held.ari} concurrent calls`,
    `  plain dialplan    ${s.held.plain} concurrent calls`,
    `  ratio ARI ÷ plain ${fmt(s.ratio, 2)}   target ≥ ${TARGET_RATIO}: ${s.pass ? 'PASS' : 'FAIL'}`,
    ...s.caveats.map((c) => `  note: ${c}`),
  ];
  if (s.commonLevel !== undefined) {
    lines.push(`at ${s.commonLevel} concurrent calls (highest level both flows ran${s.held.ari >= s.commonLevel && s.held.plain >= s.commonLevel ? ' and held' : ''}):`);
    for (const f of ['ari', 'plain'] as const) {
      const x = s.atCommonLevel[f];
      if (!x) continue;
      lines.push(
        `  ${f.padEnd(5)} INVITE→200 p50 ${fmt(x.p50, 1)} ms, p99 ${fmt(x.p99, 1)} ms; CPU ${fmt(x.cpuMsPerCall, 1)} ms per call, ${fmt(x.coresPer100Calls, 3)} cores per 100 calls held`,
      );
    }
    const a = s.atCommonLevel.ari;
    const p = s.atCommonLevel.plain;
    if (a && p) lines.push(`  CPU per call ARI ÷ plain ${fmt(a.cpuMsPerCall / p.cpuMsPerCall, 2)}`);
  }
  for (const e of s.sanity) lines.push(`ERROR (measurement not valid): ${e}`);
  return lines;
}
