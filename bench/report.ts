/**
 * The benchmark's figures: one row per level and flow, then the summary against the 0.9 target.
 * Columns: cores = CPU of Asterisk + Relais + Redis over the level's wall time; mach = the whole
 * machine's busy cores (the difference is sipp and whatever else runs); lag99 = Node event-loop delay p99, ms;
 * http/refused = most TCP connections to Asterisk's HTTP server (ARI) at once / connections it refused.
 * The queue scenario adds a line per level: RTP each caller received, silences, the queue, announcements.
 */
import type { RestStats } from './ari-rest.ts';
import type { CallerAudio } from './rtp-sink.ts';
import { percentile } from './stats.ts';

export type Flow = 'ari' | 'plain';

/** A caller on hold this long without a packet is a caller in silence: a failed call. */
export const SILENCE_LIMIT_MS = 2000;
/** Below this share of the RTP its time on the line takes, a caller is short of audio: a failed call. */
export const AUDIO_SHARE = 0.8;

/** What callers of the queue scenario heard, and how they waited. */
export interface QueueEvidence {
  /** Calls placed (each with its own RTP port). */
  callers: number;
  /** RTP packets per caller: fewest, median, and what the time on the line takes. */
  packets: { min: number; p50: number; expected: number };
  /** Callers with a silence of SILENCE_LIMIT_MS or more. */
  silent: number;
  /** Callers who received less than AUDIO_SHARE of the expected packets. */
  short: number;
  longestSilenceMs: number;
  /** Most callers waiting in the team's queue at once, as Relais' routing core saw it. */
  maxWaiting: number;
  /** Still in the team's queue once the level was over. */
  leftWaiting: number;
  /** Channels per dialplan application, summed over the level's census samples. */
  appSamples: Record<string, number>;
  /** ARI only: announcements played per caller (play requests less greeting and "connecting"), and as many as the hold brings. */
  announcements?: { perCaller: number; expected: number };
}

/** Per-caller audio of the calls placed (the first `placed` ports: sipp takes them in order). */
export function callerAudio(
  audio: readonly CallerAudio[],
  placed: number,
  expectedPerCaller: number,
): Pick<QueueEvidence, 'callers' | 'packets' | 'silent' | 'short' | 'longestSilenceMs'> {
  const used = audio.slice(0, placed);
  const sorted = used.map((a) => a.packets).sort((x, y) => x - y);
  return {
    callers: used.length,
    packets: { min: sorted[0] ?? 0, p50: percentile(sorted, 50), expected: expectedPerCaller },
    silent: used.filter((a) => a.longestSilenceMs >= SILENCE_LIMIT_MS).length,
    short: used.filter((a) => a.packets < AUDIO_SHARE * expectedPerCaller).length,
    longestSilenceMs: Math.max(0, ...used.map((a) => a.longestSilenceMs)),
  };
}

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
  /** RTP packets received by callers vs what the prompts' length (queue: the time on hold) predicts for the answered calls. */
  rtp: { packets: number; expected: number };
  /** Queue scenario only. */
  queue?: QueueEvidence;
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
  /** What the expected RTP covers and what a shortfall means, for the message. */
  rtpOf?: string;
  queue?: QueueEvidence;
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
      `callers received ${e.rtp.packets} RTP packets, ${pct}% of the ${e.rtp.expected} that ${e.rtpOf ?? 'greeting + menu take: prompts are not (fully) played'}`,
    );
  }
  const q = e.queue;
  // Callers who never reach the queue (no digit, offered a callback) measure something else.
  if (q && e.flow === 'ari' && q.maxWaiting < 0.75 * e.sipp.maxConcurrent)
    sanity.push(`at most ${q.maxWaiting} callers waited in the queue while sipp had ${e.sipp.maxConcurrent} calls: callers are not queued`);
  if (e.sipp.successful + e.sipp.failed === 0) sanity.push(`sipp placed no call (exit ${e.sipp.exitCode}): ${e.sipp.errors.join(' | ')}`);

  const notHeld: string[] = [];
  if (e.sipp.failed > 0) notHeld.push(`${e.sipp.failed} failed`);
  if (!(e.answerP99 < ANSWER_PROMISE_MS)) notHeld.push(`p99 ${e.answerP99.toFixed(0)} ms`);
  if (e.sipp.maxConcurrent < 0.95 * e.level) notHeld.push(`reached ${e.sipp.maxConcurrent}`);
  if (e.sipp.exitCode !== 0 && e.sipp.failed === 0) notHeld.push(`sipp exit ${e.sipp.exitCode}`);
  if (e.leftover.channels > 0 || e.leftover.ivrCalls > 0)
    notHeld.push(`left behind ${e.leftover.channels} channels, ${e.leftover.ivrCalls} sessions`);
  if (q) {
    if (q.silent) notHeld.push(`${q.silent} callers in silence ≥ ${SILENCE_LIMIT_MS / 1000} s`);
    if (q.short) notHeld.push(`${q.short} callers short of audio`);
    if (q.leftWaiting) notHeld.push(`left ${q.leftWaiting} in the queue`);
    if (q.announcements && q.announcements.perCaller < q.announcements.expected - 0.5)
      notHeld.push(`${q.announcements.perCaller.toFixed(1)} announcements per caller, not ${q.announcements.expected}`);
  }
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

/** The queue scenario's line under a level's row. */
export function queueLine(q: QueueEvidence): string {
  const audio =
    `  queue: ${q.callers} callers, RTP per caller min ${q.packets.min}, p50 ${fmt(q.packets.p50)} of ${q.packets.expected}; ` +
    `${q.silent} in silence ≥ ${SILENCE_LIMIT_MS / 1000} s, ${q.short} short, longest silence ${fmt(q.longestSilenceMs / 1000, 1)} s`;
  if (q.announcements)
    return `${audio}; waiting max ${q.maxWaiting}, left ${q.leftWaiting}; announcements per caller ${fmt(q.announcements.perCaller, 2)} (expected ${q.announcements.expected})`;
  // Plain: how the channels' time went (music or announcements); ARI channels are all in Stasis.
  const total = Object.values(q.appSamples).reduce((a, b) => a + b, 0);
  const apps = Object.entries(q.appSamples).map(([app, n]) => `${app} ${fmt((100 * n) / total)}%`);
  return `${audio}; channel time: ${apps.join(', ') || '-'}`;
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
