/**
 * The chat load benchmark's processes and what they say to each other (bench/chat-load.ts): the
 * server under test (chat-load-relais.ts), the bare Socket.IO baseline (chat-load-bare.ts) and
 * the visitors (chat-load-client.ts), each a child on Node's IPC channel, every wait with a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { WriteStats } from '../chat/message-writer.ts';
import { fileURLToPath } from 'node:url';

/** The site key and topic every visitor uses (config/iseedor.yaml). */
export const BENCH_SITE = 'iseedor-shop';
export const BENCH_TOPIC = 'sales';

// ---- parent → server, server → parent --------------------------------------------------------

/** What a server child is started with (JSON in CHAT_LOAD_SERVER). */
export interface ServerSetup {
  /** Redis key prefix (and Socket.IO adapter channel prefix), removed by the parent. */
  prefix: string;
  /** The Redis adapter in the bare server too (Relais always has it). */
  adapter: boolean;
  /** Relais only: its throw-away PostgreSQL schema. */
  databaseUrl?: string;
  /** Relais only: its PostgreSQL pool size (server/relais.ts: 4). */
  poolSize?: number;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Counters since the server started: PostgreSQL queries by statement, warnings logged by message. */
export interface ServerCounters {
  queries: Record<string, number>;
  warnings: Record<string, number>;
  /** Relais' PostgreSQL pool now: connections open, idle, and requests waiting for one. */
  pool?: PoolState;
  /** The server's event loop since the previous `counters`. */
  loop: LoopSample;
  /** Relais only: its message writer since the previous `counters` (chat/message-writer.ts). */
  writes?: WriteStats;
}

/** Event-loop delay p99 and longest (contention for the CPU shows here too) and garbage-collection pauses, ms. */
export interface LoopSample {
  delayP99: number;
  delayMax: number;
  gcMax: number;
  gcTotal: number;
}

export interface PoolState {
  total: number;
  idle: number;
  waiting: number;
}

export type ToServer = { type: 'memory' } | { type: 'counters' } | { type: 'stop' };
export type FromServer =
  | { type: 'ready'; port: number; fdLimit: number }
  | ({ type: 'memory' } & MemorySample)
  | ({ type: 'counters' } & ServerCounters)
  | { type: 'stopped' };

// ---- parent → client, client → parent ----------------------------------------------------------

export interface RampOrder {
  type: 'ramp';
  url: string;
  site: string;
  /** This client's visitors are numbered from `first` (unique emails, source address blocks). */
  first: number;
  count: number;
  /** Visitors joining per second (connect, then `start`). */
  perSecond: number;
  /** At most this many joining at once. */
  inFlight: number;
  /** Source addresses (127.0.0.x) to spread the visitors over, in turn by blocks. */
  addresses: string[];
  perAddress: number;
  deadlineMs: number;
}

export interface RunOrder {
  type: 'run';
  /** Fixed rate (messages/s, this client's share), or `window` messages kept in flight (saturation). */
  rate?: number;
  window?: number;
  seconds: number;
  timeoutMs: number;
}

export type ToClient = RampOrder | RunOrder | { type: 'close' };

export interface RampResult {
  connected: number;
  started: number;
  connectErrors: Record<string, number>;
  startErrors: Record<string, number>;
  /** Connect → start acknowledged, ms, per visitor that started. */
  joinMs: number[];
  wallMs: number;
  /** `conversation` events visitors received while joining (queue positions). */
  conversationEvents: number;
}

export interface RunResult {
  sent: number;
  ok: number;
  /** Refusals by error code, and acknowledgements that never came. */
  errors: Record<string, number>;
  timeouts: number;
  /** Emit → acknowledgement, ms, per message acknowledged ok. */
  ackMs: number[];
  /** Emit → the `message` event back on the visitor's socket (the conversation room), ms. */
  echoMs: number[];
  echoMissing: number;
  /** First emit → last acknowledgement, ms. */
  spanMs: number;
  /** Visitors still connected at the end, and disconnections seen during the run. */
  held: number;
  dropped: number;
  conversationEvents: number;
  /** The client's own event-loop delay p99, ms: when high, the client is the bottleneck. */
  clientLagP99: number;
}

export type FromClient = ({ type: 'ramped' } & RampResult) | ({ type: 'ran' } & RunResult) | { type: 'closed' };

// ---- the children --------------------------------------------------------------------------------

export type Kind = 'relais' | 'bare' | 'client';
const FILES: Record<Kind, string> = { relais: 'chat-load-relais.ts', bare: 'chat-load-bare.ts', client: 'chat-load-client.ts' };

/**
 * Starts a child under tsx with its own file-descriptor limit (`ulimit -n` is per process; root
 * may raise the hard limit, anyone else gets the hard limit) and `--expose-gc` for memory samples.
 */
export function spawnChild(kind: Kind, maxFiles: number, env: Record<string, string> = {}, nodeArgs: string[] = []): ChildProcess {
  const file = fileURLToPath(new URL(`./${FILES[kind]}`, import.meta.url));
  const script = `ulimit -n ${maxFiles} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`;
  return spawn('bash', ['-c', script, process.execPath, '--import', 'tsx', '--expose-gc', ...nodeArgs, file], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
}

type Reply<M extends { type: string }, T extends M['type']> = Extract<M, { type: T }>;

/** The child's next message of `type`; rejects when it exits first or `timeoutMs` passes. */
export function next<M extends { type: string }, T extends M['type']>(
  child: ChildProcess,
  type: T,
  what: string,
  timeoutMs: number,
): Promise<Reply<M, T>> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (m: M) => {
      if (m.type !== type) return;
      done();
      resolve(m as Reply<M, T>);
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`${what}: the child exited (${signal ?? code}) first`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what}: no answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Sends `order` and waits for the reply of `type`. */
export function ask<M extends { type: string }, T extends M['type']>(
  child: ChildProcess,
  order: object,
  type: T,
  what: string,
  timeoutMs: number,
): Promise<Reply<M, T>> {
  const reply = next<M, T>(child, type, what, timeoutMs);
  child.send(order);
  return reply;
}

/** In a child: typed messages to the parent, and an exit when the parent goes (Ctrl-C, crash). */
export function parentChannel<In extends { type: string }, Out extends { type: string }>(onOrder: (m: In) => void): (m: Out) => void {
  if (!process.send) throw new Error('run by bench/chat-load.ts, not directly');
  process.on('message', (m) => onOrder(m as In));
  process.on('disconnect', () => process.exit(0));
  // Ctrl-C reaches the whole process group: the parent cleans up, the children just go.
  process.on('SIGINT', () => process.exit(130));
  return (m) => process.send!(m);
}

/** This process' open-file limit (what `ulimit -n` left it): one per connection. */
export function fdLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3]) || NaN;
}

/** In a server child: its event loop since the previous call. */
export function loopSampler(): () => LoopSample {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let gcMax = 0;
  let gcTotal = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMax = Math.max(gcMax, e.duration);
      gcTotal += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  return () => {
    const sample = { delayP99: h.percentile(99) / 1e6, delayMax: h.max / 1e6, gcMax, gcTotal };
    h.reset();
    gcMax = gcTotal = 0;
    return sample;
  };
}

/** Memory after two full collections (`--expose-gc`), so garbage does not count as per-connection cost. */
export function memorySample(): MemorySample {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}
