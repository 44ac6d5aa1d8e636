/**
 * The benchmark's figures: one row per level and flow, then the summary against the 0.9 target.
 * Columns: cores = CPU of Asterisk + Relais + Redis over the level's wall time; mach = the whole
 * machine's busy cores (the difference is sipp and whatever else runs); lag99 = Node event-loop delay p99, ms;
 * http/refused = most TCP connections to Asterisk's HTTP server (ARI) at once / connections it refused.
 */
import type { RestStats } from './ari-rest.ts';

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
  /** CPU used during the level, ms, per process, and by the whole machine (other work included). */
  cpuMs: { asterisk: number; node: number; redis: number; sipp: number; machine: number };
  /** Relais' ARI REST requests during the level, as Node saw them. */
  ariRest: RestStats;
  /** Asterisk's HTTP server (ARI): most connections at once, and connections it refused (over its session limit). */
  ariHttp: { maxConnections: number; refused: number };
  /** Node's event-loop delay during the level (Relais runs in this process), ms. */
  nodeLoopDelayMs: { p99: number; max: number };
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

export interface LevelEvidence {
  flow: Flow;
  level: number;
  sipp: { successful: number; failed: number; maxConcurrent: number; exitCode: number | null; errors: string[] };
  answerP99: number;
  /** Most Relais IVR sessions at once. */
  ivrSessions: number;
  /** Asterisk's channels at the busiest sample, per dialplan application. */
  census: { channels: number; apps: Record<string, number> };
  rtp: { packets: number; expected: number };
  leftover: { channels: number; ivrCalls: number };
}

/**
 * Whether a level was held, and whether it measured anything at all: calls that never reach
 * the flow under test, or prompts that are not played, make the figures meaningless.
 */
export function judge(e: LevelEvidence): { notHeld: string[]; sanity: string[] } {
  const sanity: string[] = [];
  const { apps, channels } = e.census;
  if (e.flow === 'ari') {
    if (e.ivrSessions < 0.9 * Math.max(e.sipp.maxConcurrent, 1)) {
      sanity.push(
        `Relais' IVR held at most ${e.ivrSessions} sessions while sipp had ${e.sipp.maxConcurrent} calls: calls are not reaching the ARI IVR`,
      );
    }
    if ((apps.Stasis ?? 0) < 0.9 * channels)
      sanity.push(`only ${apps.Stasis ?? 0} of ${channels} channels in Stasis (${JSON.stringify(apps)})`);
  } else {
    if (e.ivrSessions > 0)
      sanity.push(`Relais' IVR saw ${e.ivrSessions} sessions during a plain-dialplan level: calls leak into the ARI IVR`);
    if (apps.Stasis) sanity.push(`${apps.Stasis} channels in Stasis during a plain-dialplan level`);
  }
  if (e.sipp.successful > 0 && e.rtp.packets < 0.8 * e.rtp.expected) {
    const pct = Math.round((100 * e.rtp.packets) / e.rtp.expected);
    sanity.push(
      `callers received ${e.rtp.packets} RTP packets, ${pct}% of the ${e.rtp.expected} that greeting + menu take: prompts are not (fully) played`,
    );
  }
  if (e.sipp.successful + e.sipp.failed === 0) sanity.push(`sipp placed no call (exit ${e.sipp.exitCode}): ${e.sipp.errors.join(' | ')}`);

  const notHeld: string[] = [];
  if (e.sipp.failed > 0) notHeld.push(`${e.sipp.failed} failed`);
  if (!(e.answerP99 < ANSWER_PROMISE_MS)) notHeld.push(`p99 ${e.answerP99.toFixed(0)} ms`);
  if (e.sipp.maxConcurrent < 0.95 * e.level) notHeld.push(`reached ${e.sipp.maxConcurrent}`);
  if (e.sipp.exitCode !== 0 && e.sipp.failed === 0) notHeld.push(`sipp exit ${e.sipp.exitCode}`);
  if (e.leftover.channels > 0 || e.leftover.ivrCalls > 0)
    notHeld.push(`left behind ${e.leftover.channels} channels, ${e.leftover.ivrCalls} sessions`);
  if (sanity.length) notHeld.push('invalid measurement');
  return { notHeld, sanity };
}

/** Per call, all the CPU that served it: Asterisk, plus Relais (Node) and Redis for the ARI flow. */
export const serverCpuMs = (r: LevelRun) => r.cpuMs.asterisk + r.cpuMs.node + r.cpuMs.redis;
const perCall = (r: LevelRun) => serverCpuMs(r) / Math.max(1, r.successful + r.failed);

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function tableHeader(): string {
  return [
    'flow   level  ok/fail     max sipp/ast/ivr   INVITE→200 p50/p99/max ms   CPU ms/call ast+node+redis   cores  mach  lag99  http/refused  rtp%  load  warn/err  held',
    '-'.repeat(175),
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
    fmt(r.cpuMs.machine / Math.max(1, r.wallMs), 2).padStart(5),
    fmt(r.nodeLoopDelayMs.p99, 0).padStart(6),
    `${r.ariHttp.maxConnections}/${r.ariHttp.refused}`.padStart(13),
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
  /** The highest level both flows held, then (if higher) the highest both ran. */
  comparisons: Comparison[];
  sanity: string[];
}

export interface Comparison {
  level: number;
  flows: Partial<Record<Flow, { p50: number; p99: number; cpuMsPerCall: number; coresPer100Calls: number; held: boolean }>>;
}

export function summarise(runs: readonly LevelRun[], levels: readonly number[]): Summary {
  const ofFlow = (f: Flow) => runs.filter((r) => r.flow === f);
  const held = (f: Flow) =>
    Math.max(
      0,
      ...ofFlow(f)
        .filter((r) => r.notHeld.length === 0)
        .map((r) => r.level),
    );
  const h = { ari: held('ari'), plain: held('plain') };
  const top = Math.max(...levels);
  const caveats: string[] = [];
  if (h.ari === top && h.plain === top)
    caveats.push(
      `both flows held every level tried (up to ${top}): the ratio only says "as good up to ${top}"; add levels to find the ceilings`,
    );
  else if (h.plain === top)
    caveats.push(`plain dialplan held the highest level tried (${top}): its ceiling may be higher, so the ratio is an upper bound`);
  const ratio = h.plain > 0 ? h.ari / h.plain : NaN;

  const bothHeld = levels.filter((l) =>
    (['ari', 'plain'] as const).every((f) => ofFlow(f).some((r) => r.level === l && r.notHeld.length === 0)),
  );
  const bothRan = levels.filter((l) => (['ari', 'plain'] as const).every((f) => ofFlow(f).some((r) => r.level === l)));
  const compare = (level: number | undefined) => {
    const out: Comparison['flows'] = {};
    for (const f of ['ari', 'plain'] as const) {
      const r = ofFlow(f).find((x) => x.level === level);
      if (!r) continue;
      const coresPer100Calls = (serverCpuMs(r) / Math.max(1, r.wallMs)) * (100 / Math.max(1, r.maxConcurrent.sipp));
      out[f] = { p50: r.answerMs.p50, p99: r.answerMs.p99, cpuMsPerCall: perCall(r), coresPer100Calls, held: r.notHeld.length === 0 };
    }
    return level === undefined ? [] : [{ level, flows: out }];
  };
  const heldLevel = bothHeld.at(-1);
  const ranLevel = bothRan.at(-1);
  const comparisons = [...compare(heldLevel), ...(ranLevel !== heldLevel ? compare(ranLevel) : [])];
  const sanity = runs.flatMap((r) => r.sanity.map((s) => `${r.flow} level ${r.level}: ${s}`));
  return { held: h, ratio, pass: Number.isFinite(ratio) && ratio >= TARGET_RATIO && sanity.length === 0, caveats, comparisons, sanity };
}

export function summaryLines(s: Summary): string[] {
  const lines = [
    `held without failures (0 failed calls, p99 INVITE→200 < ${ANSWER_PROMISE_MS} ms):`,
    `  ARI IVR (Relais)  ${s.held.ari} concurrent calls`,
    `  plain dialplan    ${s.held.plain} concurrent calls`,
    `  ratio ARI ÷ plain ${fmt(s.ratio, 2)}   target ≥ ${TARGET_RATIO}: ${s.pass ? 'PASS' : 'FAIL'}`,
    ...s.caveats.map((c) => `  note: ${c}`),
  ];
  for (const c of s.comparisons) {
    const allHeld = Object.values(c.flows).every((x) => x.held);
    lines.push(`at ${c.level} concurrent calls (highest level both flows ${allHeld ? 'held' : 'ran'}):`);
    for (const f of ['ari', 'plain'] as const) {
      const x = c.flows[f];
      if (!x) continue;
      lines.push(
        `  ${f.padEnd(5)} INVITE→200 p50 ${fmt(x.p50, 1)} ms, p99 ${fmt(x.p99, 1)} ms; CPU ${fmt(x.cpuMsPerCall, 1)} ms per call, ${fmt(x.coresPer100Calls, 3)} cores per 100 calls held${x.held ? '' : ' (not held)'}`,
      );
    }
    const { ari: a, plain: p } = c.flows;
    if (a && p) lines.push(`  CPU per call ARI ÷ plain ${fmt(a.cpuMsPerCall / p.cpuMsPerCall, 2)}`);
  }
  for (const e of s.sanity) lines.push(`ERROR (measurement not valid): ${e}`);
  return lines;
}
