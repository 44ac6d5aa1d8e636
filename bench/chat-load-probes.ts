/**
 * What bench/chat-load.ts watches on the server side: CPU of the server, PostgreSQL and Redis,
 * PostgreSQL statements and Redis commands per message or join, and when the server is quiet.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { WriteStats } from '../chat/message-writer.ts';
import { ask, type FromServer, type LoopSample, type PoolState, type RunResult } from './chat-load-ipc.ts';
import { mergeRuns, type Phase } from './chat-load-report.ts';
import { machineBusyMs, processCpuMs } from './probes.ts';

/** The longest a server may stay busy after a phase before the next one starts anyway. */
const SETTLE_LIMIT_MS = 180_000;

/** CPU of every PostgreSQL process (the server and its backends), ms, by pid. */
function postgresCpuMs(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') byPid.set(Number(pid), processCpuMs(Number(pid)) ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return byPid;
}

/** CPU PostgreSQL spent between two samples (a backend that ended meanwhile is missed). */
const postgresDelta = (a: Map<number, number>, b: Map<number, number>) => [...b].reduce((t, [pid, ms]) => t + ms - (a.get(pid) ?? 0), 0);

/**
 * Waits until the server is quiet after the visitors joined (under a tenth of a core for a second),
 * so that what it still does for the joins is neither counted in the messages' figures nor in its
 * memory; returns how long that took (the work `start` leaves behind), in seconds.
 */
export async function settle(server: ChildProcess): Promise<number> {
  const t0 = performance.now();
  let last = processCpuMs(server.pid) ?? 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = processCpuMs(server.pid) ?? 0;
    if (now - last < 100 || performance.now() - t0 > SETTLE_LIMIT_MS) return (performance.now() - t0 - 1000) / 1000;
    last = now;
  }
}

export interface Probe {
  at: number;
  server: number;
  postgres: Map<number, number>;
  redis: number;
  machine: number;
  commands: number;
  queries: Record<string, number>;
  pool?: PoolState;
  /** The server's event loop since the previous probe. */
  loop: LoopSample;
  writes?: WriteStats;
}

export async function probe(server: ChildProcess, redis: Redis, redisPid: number | undefined): Promise<Probe> {
  const counters = await ask<FromServer, 'counters'>(server, { type: 'counters' }, 'counters', 'server counters', 10_000);
  const commands = Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1]);
  return {
    at: performance.now(),
    server: processCpuMs(server.pid) ?? NaN,
    postgres: postgresCpuMs(),
    redis: processCpuMs(redisPid) ?? NaN,
    machine: machineBusyMs(),
    commands,
    queries: counters.queries,
    pool: counters.pool,
    loop: counters.loop,
    writes: counters.writes,
  };
}

/** PostgreSQL statements and Redis commands between two probes, per `n` (the probe's own INFO counts one). */
export function costs(a: Probe, b: Probe, n: number): Phase['perMessage'] {
  const per = n > 0 ? n : NaN;
  const statements: Record<string, number> = {};
  for (const [q, k] of Object.entries(b.queries)) if (k - (a.queries[q] ?? 0) > 0) statements[q] = (k - (a.queries[q] ?? 0)) / per;
  return {
    pg: Object.values(statements).reduce((t, k) => t + k, 0) / (n > 0 ? 1 : NaN),
    redis: (b.commands - a.commands - 1) / per,
    statements,
  };
}

export function phaseOf(runs: RunResult[], a: Probe, b: Probe): Phase {
  const merged = mergeRuns(runs);
  const s = (b.at - a.at) / 1000;
  return {
    ...merged,
    cpu: {
      server: (b.server - a.server) / 1000 / s,
      postgres: postgresDelta(a.postgres, b.postgres) / 1000 / s,
      redis: (b.redis - a.redis) / 1000 / s,
      machine: (b.machine - a.machine) / 1000 / s,
    },
    perMessage: costs(a, b, merged.ok),
    poolAtEnd: b.pool,
    serverLoop: b.loop,
    writes: b.writes,
  };
}
