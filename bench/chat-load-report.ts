/**
 * bench/chat-load.ts' figures: per-server summaries of the clients' results, and the printed
 * comparison of Relais with the bare Socket.IO server, targets included.
 */
import { cpus } from 'node:os';
import type { WriteStats } from '../chat/message-writer.ts';
import type { LoopSample, MemorySample, PoolState, RampResult, RunResult } from './chat-load-ipc.ts';
import { percentile } from './stats.ts';

export const TARGETS = { visitors: 10_000, p99Ms: 50, atRate: 1000, throughputRatio: 0.8 };

export interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** Percentiles where every failure counts as never delivered (infinitely late): p99 cannot hide them. */
export function latency(ok: readonly number[], failures = 0): Latency {
  const s = [...ok].sort((a, b) => a - b);
  const all = failures > 0 ? [...s, ...new Array<number>(failures).fill(Infinity)] : s;
  return { n: s.length, p50: percentile(all, 50), p99: percentile(all, 99), max: all.at(-1) ?? NaN };
}

export interface Phase {
  sent: number;
  ok: number;
  msgPerS: number;
  failed: number;
  errors: Record<string, number>;
  ack: Latency;
  echo: Latency;
  held: number;
  dropped: number;
  conversationEvents: number;
  clientLagP99: number;
  /** Server process CPU, PostgreSQL CPU (all its processes), Redis CPU: cores busy on average. */
  cpu: { server: number; postgres: number; redis: number; machine: number };
  /** Per message acknowledged: PostgreSQL statements and Redis commands. */
  perMessage: { pg: number; redis: number; statements: Record<string, number> };
  /** Relais' PostgreSQL pool when the phase ended. */
  poolAtEnd?: PoolState;
  /** The server's event loop over the phase. */
  serverLoop: LoopSample;
  /** Relais' message writer over the phase. */
  writes?: WriteStats;
}

/** The clients' results of one phase, merged. */
export function mergeRuns(runs: RunResult[]): Omit<Phase, 'cpu' | 'perMessage' | 'poolAtEnd' | 'serverLoop' | 'writes'> {
  const sum = (f: (r: RunResult) => number) => runs.reduce((t, r) => t + f(r), 0);
  const errors: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const timeouts = sum((r) => r.timeouts);
  if (timeouts) errors.timeout = timeouts;
  const ok = sum((r) => r.ok);
  const failed = sum((r) => r.sent - r.ok);
  return {
    sent: sum((r) => r.sent),
    ok,
    msgPerS: ok / (Math.max(...runs.map((r) => r.spanMs)) / 1000),
    failed,
    errors,
    ack: latency(
      runs.flatMap((r) => r.ackMs),
      failed,
    ),
    echo: latency(
      runs.flatMap((r) => r.echoMs),
      failed + sum((r) => r.echoMissing),
    ),
    held: sum((r) => r.held),
    dropped: sum((r) => r.dropped),
    conversationEvents: sum((r) => r.conversationEvents),
    clientLagP99: Math.max(...runs.map((r) => r.clientLagP99)),
  };
}

export interface Joined {
  asked: number;
  connected: number;
  started: number;
  errors: Record<string, number>;
  join: Latency;
  wallS: number;
  conversationEvents: number;
}

export function mergeRamps(asked: number, ramps: RampResult[]): Joined {
  const errors: Record<string, number> = {};
  for (const r of ramps)
    for (const [k, v] of [...Object.entries(r.connectErrors), ...Object.entries(r.startErrors)]) errors[k] = (errors[k] ?? 0) + v;
  const started = ramps.reduce((t, r) => t + r.started, 0);
  return {
    asked,
    connected: ramps.reduce((t, r) => t + r.connected, 0),
    started,
    errors,
    join: latency(
      ramps.flatMap((r) => r.joinMs),
      asked - started,
    ),
    wallS: Math.max(...ramps.map((r) => r.wallMs)) / 1000,
    conversationEvents: ramps.reduce((t, r) => t + r.conversationEvents, 0),
  };
}

export interface ServerRun {
  kind: 'relais' | 'bare';
  joined: Joined;
  /** How long the server stayed busy after the last visitor joined, s (the figures below start after it). */
  settleS: number;
  /** Per visitor joined, from the first join until the server was quiet again. */
  perJoin: Phase['perMessage'];
  /** Memory growth per visitor held, bytes (after full collections). */
  perConnection: { rss: number; heap: number; external: number };
  memory: { before: MemorySample; after: MemorySample };
  fixed: Phase;
  saturated: Phase;
  warnings: Record<string, number>;
}

export interface Level {
  visitors: number;
  relais: ServerRun;
  bare: ServerRun;
  ratio: { fixedMsgPerS: number; fixedAckP50: number; fixedAckP99: number; saturatedMsgPerS: number; memoryRss: number };
  targets: { visitors: boolean | null; p99: boolean | null; throughput: boolean };
}

export function judge(visitors: number, rate: number, relais: ServerRun, bare: ServerRun): Level {
  return {
    visitors,
    relais,
    bare,
    ratio: {
      fixedMsgPerS: relais.fixed.msgPerS / bare.fixed.msgPerS,
      fixedAckP50: relais.fixed.ack.p50 / bare.fixed.ack.p50,
      fixedAckP99: relais.fixed.ack.p99 / bare.fixed.ack.p99,
      saturatedMsgPerS: relais.saturated.msgPerS / bare.saturated.msgPerS,
      memoryRss: relais.perConnection.rss / bare.perConnection.rss,
    },
    targets: {
      visitors: visitors >= TARGETS.visitors ? relais.fixed.held >= TARGETS.visitors && relais.joined.started >= TARGETS.visitors : null,
      p99: rate >= TARGETS.atRate ? relais.fixed.ack.p99 < TARGETS.p99Ms && relais.fixed.msgPerS >= 0.98 * rate : null,
      throughput: relais.saturated.msgPerS >= TARGETS.throughputRatio * bare.saturated.msgPerS,
    },
  };
}

const ms = (n: number) => (n === Infinity ? '∞' : Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : '-');
const n1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const x = (r: number) => (Number.isFinite(r) ? `×${r.toFixed(2)}` : '-');
const errs = (e: Record<string, number>) =>
  Object.entries(e)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || '0';
const mark = (ok: boolean | null) => (ok === null ? 'not tested at this level' : ok ? 'MET' : 'NOT MET');
const col = (a: string, b: string, c = '') => `${a.padEnd(34)}${b.padEnd(40)} ${c}`;

export function printLevel(
  say: (s: string) => void,
  l: Level,
  o: { rate: number; seconds: number; window: number; saturateS: number; departures: readonly string[] },
): void {
  const { relais: r, bare: b } = l;
  const departed = o.departures.length ? ` (${o.departures.join(', ')}: not the real stack)` : '';
  say(`\n== ${l.visitors} visitors${departed} ==`);
  say(col('', o.departures.length ? 'Relais (departing)' : 'Relais', 'bare Socket.IO'));
  const joined = (s: ServerRun) =>
    `${s.joined.started}/${s.joined.asked} in ${s.joined.wallS.toFixed(1)} s, p50 ${ms(s.joined.join.p50)} p99 ${ms(s.joined.join.p99)} ms`;
  say(col('joined (connect + start)', joined(r), joined(b)));
  if (Object.keys(r.joined.errors).length) say(`  Relais join failures: ${errs(r.joined.errors)}`);
  if (Object.keys(b.joined.errors).length) say(`  bare join failures: ${errs(b.joined.errors)}`);
  if (r.joined.conversationEvents) say(`  Relais sent ${r.joined.conversationEvents} queue-position events to visitors while they joined`);
  say(col('busy after the last join', `${r.settleS.toFixed(1)} s`, `${b.settleS.toFixed(1)} s`));
  say(
    col(
      'memory per connection',
      `RSS ${kb(r.perConnection.rss)}, heap ${kb(r.perConnection.heap)}`,
      `RSS ${kb(b.perConnection.rss)}, heap ${kb(b.perConnection.heap)}`,
    ) + `  ${x(l.ratio.memoryRss)}`,
  );
  const phase = (title: string, p: (s: ServerRun) => Phase, ratio: string) => {
    say(title);
    say(col('  connections held (dropped)', `${p(r).held} (${p(r).dropped})`, `${p(b).held} (${p(b).dropped})`));
    say(
      col(
        '  msg/s delivered',
        `${p(r).msgPerS.toFixed(0)} (${p(r).ok}/${p(r).sent})`,
        `${p(b).msgPerS.toFixed(0)} (${p(b).ok}/${p(b).sent})`,
      ) + `  ${ratio}`,
    );
    const lat = (q: Latency) => `p50 ${ms(q.p50)}, p99 ${ms(q.p99)}, max ${ms(q.max)}`;
    say(col('  emit → ack, ms', lat(p(r).ack), lat(p(b).ack)));
    say(col('  emit → echo in room, ms', lat(p(r).echo), lat(p(b).echo)));
    say(col('  errors', errs(p(r).errors), errs(p(b).errors)));
    const cpu = (s: ServerRun) =>
      `server ${p(s).cpu.server.toFixed(2)}, pg ${p(s).cpu.postgres.toFixed(2)}, redis ${p(s).cpu.redis.toFixed(2)} (machine ${p(s).cpu.machine.toFixed(2)}/${cpus().length})`;
    say(col('  CPU cores', cpu(r), cpu(b)));
    say(
      col('  per message acked: PG, Redis', `${n1(p(r).perMessage.pg)}, ${n1(p(r).perMessage.redis)}`, `-, ${n1(p(b).perMessage.redis)}`),
    );
    const loop = (s: ServerRun) => `p99 ${ms(p(s).serverLoop.delayP99)}, max ${ms(p(s).serverLoop.delayMax)} ms`;
    say(col('  server loop delay', loop(r), loop(b)));
    say(col('  client loop delay p99', `${ms(p(r).clientLagP99)} ms`, `${ms(p(b).clientLagP99)} ms`));
    const gc = (s: ServerRun) => `max ${ms(p(s).serverLoop.gcMax)}, total ${ms(p(s).serverLoop.gcTotal)} ms`;
    say(col('  server GC pauses', gc(r), gc(b)));
    const w = p(r).writes;
    if (w?.batches)
      say(
        `  Relais wrote ${w.messages} messages in ${w.batches} batches (${(w.messages / w.batches).toFixed(1)} each), ` +
          `a batch's write p50 ${ms(w.writeMs.p50)}, p99 ${ms(w.writeMs.p99)}, max ${ms(w.writeMs.max)} ms`,
      );
    if (p(r).conversationEvents) say(`  Relais sent ${p(r).conversationEvents} queue-position events meanwhile`);
    const pool = p(r).poolAtEnd;
    if (pool)
      say(
        `  Relais PostgreSQL pool at the end: ${pool.total - pool.idle} of ${pool.total} connections in use, ${pool.waiting} requests waiting` +
          (pool.idle === 0 && pool.waiting > 0 && p(r).ok === 0 ? ' (stuck: nothing was acknowledged)' : ''),
      );
  };
  phase(
    `fixed rate: ${o.rate} msg/s for ${o.seconds} s (a failure counts as never delivered in p99)`,
    (s) => s.fixed,
    `${x(l.ratio.fixedMsgPerS)}; ack p50 ${x(l.ratio.fixedAckP50)}, p99 ${x(l.ratio.fixedAckP99)}`,
  );
  phase(`saturation: ${o.window} messages in flight for ${o.saturateS} s`, (s) => s.saturated, x(l.ratio.saturatedMsgPerS));
  const top = (st: Record<string, number>) =>
    Object.entries(st)
      .sort((a1, a2) => a2[1] - a1[1])
      .filter(([, n]) => n >= 0.01)
      .map(([q, n]) => `${n.toFixed(2)} × "${q}"`)
      .join('; ');
  say(
    `Relais per join: ${n1(r.perJoin.pg)} PG statements, ${n1(r.perJoin.redis)} Redis commands (bare: ${n1(b.perJoin.redis)} Redis commands)`,
  );
  say(`  ${top(r.perJoin.statements)}`);
  // Saturation answers every message in time; at a fixed rate above capacity, late messages are stored but not counted.
  if (r.saturated.ok) say(`Relais PostgreSQL statements per message (saturation): ${top(r.saturated.perMessage.statements)}`);
  const warned = Object.entries(r.warnings);
  if (warned.length) say(`Relais warnings logged: ${warned.map(([m, n]) => `${m} ×${n}`).join('; ')}`);
  const t = o.departures.length ? `[${o.departures.join(', ')}] ` : '';
  say(`${t}target ${TARGETS.visitors} visitors held and started: ${mark(l.targets.visitors)}`);
  say(
    `${t}target p99 < ${TARGETS.p99Ms} ms at ${TARGETS.atRate} msg/s (Relais ack p99 ${ms(r.fixed.ack.p99)} ms at ${r.fixed.msgPerS.toFixed(0)} msg/s): ${mark(l.targets.p99)}`,
  );
  say(
    `${t}target ≥ ${TARGETS.throughputRatio} × bare throughput (saturation ${x(l.ratio.saturatedMsgPerS)}): ${mark(l.targets.throughput)}`,
  );
}
