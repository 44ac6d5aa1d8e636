/**
 * The website chat under load: N visitors on one Relais process, each with a conversation, sending
 * messages at a fixed total rate, then as fast as the server answers; against a bare Socket.IO
 * echo server driven by the same clients in the same run (the ratio is the figure to watch).
 *
 *   npx tsx bench/chat-load.ts [--quick] [--json] [--visitors 1000,10000] [--rate 1000] [--seconds 20]
 *     [--saturate-seconds 10] [--window 200] [--clients 1] [--ramp 500] [--timeout-ms 10000]
 *     [--baseline-adapter redis|none] [--pg-pool 4] [--profile DIR]
 *
 * Three kinds of process per level, so that neither side's work shares the other's event loop:
 * the server (chat-load-relais.ts: the chat stack without Asterisk, on its own Redis prefix and
 * PostgreSQL schema; or chat-load-bare.ts), and `--clients` visitor processes (chat-load-client.ts).
 * Visitors join at `--ramp` per second (connect over WebSocket, then `start` in sales), then send
 * for `--seconds` at `--rate` messages/s spread evenly over them, then keep `--window` messages in
 * flight for `--saturate-seconds` (throughput). Latency: emit → acknowledgement (Relais: stored in
 * PostgreSQL, then acknowledged) and emit → the `message` event back through the conversation's room.
 * Memory per connection: the server's RSS and heap after full collections, joined minus empty, ÷ N.
 *
 * The baseline has the Redis adapter by default: Relais always runs with it (several processes),
 * so the ratio shows what the chat's own work costs; `--baseline-adapter none` shows the adapter's share.
 * A `--pg-pool` other than server/relais.ts' 4 departs from the real stack: every figure printed
 * under it is marked so.
 * `--profile DIR` writes each server's CPU profile there (`--cpu-prof`, open in Chrome DevTools).
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freshSchema, type FreshSchema } from '../test/support/pg.ts';
import { ask, BENCH_SITE, next, spawnChild, type FromClient, type FromServer, type ServerSetup } from './chat-load-ipc.ts';
import { costs, phaseOf, probe, settle } from './chat-load-probes.ts';
import { judge, mergeRamps, printLevel, type Level, type Phase, type ServerRun } from './chat-load-report.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    visitors: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string' },
    'saturate-seconds': { type: 'string' },
    window: { type: 'string', default: '200' },
    clients: { type: 'string', default: '1' },
    ramp: { type: 'string', default: '500' },
    'timeout-ms': { type: 'string', default: '10000' },
    'baseline-adapter': { type: 'string', default: 'redis' },
    'pg-pool': { type: 'string', default: '4' },
    profile: { type: 'string' },
  },
});
const levels = (args.visitors ?? (args.quick ? '500' : '1000,10000')).split(',').map(Number);
const rate = Number(args.rate);
const seconds = Number(args.seconds ?? (args.quick ? 10 : 20));
const saturateS = Number(args['saturate-seconds'] ?? (args.quick ? 5 : 10));
const window = Number(args.window);
const nClients = Number(args.clients);
const rampPerS = Number(args.ramp);
const timeoutMs = Number(args['timeout-ms']);
if (!levels.every((n) => Number.isInteger(n) && n >= nClients)) throw new Error('--visitors wants integers, each ≥ --clients');
for (const [name, v] of Object.entries({ rate, seconds, saturateS, window, nClients, rampPerS, timeoutMs }))
  if (!(v > 0)) throw new Error(`--${name} wants a positive number`);
if (!['redis', 'none'].includes(args['baseline-adapter']!)) throw new Error('--baseline-adapter: redis or none');
/** server/relais.ts' pool size; another one is a departure too. */
const RELAIS_POOL = 4;
const poolSize = Number(args['pg-pool']);
if (!Number.isInteger(poolSize) || poolSize < 2) throw new Error('--pg-pool wants an integer ≥ 2');
const departures: string[] = poolSize !== RELAIS_POOL ? [`pg-pool ${poolSize}`] : [];
const say = (line: string) => (args.json ? process.stderr : process.stdout).write(`${line}\n`);

/** Relais' fixed per-connection limit (chat/sockets.ts EVENTS_PER_MINUTE) and its per-address start limit at its maximum. */
const EVENTS_PER_MINUTE = 240;
const STARTS_PER_ADDRESS = 10_000;
const FD_LIMIT = 65_536;
const tag = `bench-chat-${randomBytes(4).toString('hex')}`;
const children = new Set<ChildProcess>();
const schemas = new Set<FreshSchema>();

function child(kind: 'relais' | 'bare' | 'client', env?: Record<string, string>): ChildProcess {
  // One folder per kind: the main thread's profile is the largest file (tsx's loader thread writes one too).
  const profile = args.profile && kind !== 'client' ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}/${kind}`] : [];
  const c = spawnChild(kind, FD_LIMIT, env, profile);
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

async function stopChild(c: ChildProcess, order?: object, reply?: string): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  const within = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  // Asked, a child closes its connections and exits by itself (writing its CPU profile); told, it goes at once.
  if (order && reply && c.connected) await ask<{ type: string }, string>(c, order, reply, 'stop', 15_000).catch(() => undefined);
  if (order && (await within(5_000))) return;
  c.kill('SIGTERM');
  if (!(await within(5_000))) c.kill('SIGKILL');
  await exited;
}

async function measure(kind: 'relais' | 'bare', visitors: number, redis: Redis, redisPid: number | undefined): Promise<ServerRun> {
  const setup: ServerSetup = { prefix: `${tag}-${kind}-${visitors}`, adapter: kind === 'relais' || args['baseline-adapter'] === 'redis' };
  const schema = kind === 'relais' ? await freshSchema() : undefined;
  if (schema) {
    schemas.add(schema);
    Object.assign(setup, { databaseUrl: schema.url, poolSize });
  }
  const server = child(kind, { CHAT_LOAD_SERVER: JSON.stringify(setup) });
  const { port, fdLimit } = await next<FromServer, 'ready'>(server, 'ready', `${kind} server start`, 60_000);
  if (visitors + 100 > fdLimit)
    say(`warning: the ${kind} server may open ${fdLimit} files (ulimit -n; the hard limit here): not enough for ${visitors} visitors`);
  const memory = () => ask<FromServer, 'memory'>(server, { type: 'memory' }, 'memory', `${kind} memory`, 60_000);
  const before = await memory();
  const beforeJoin = await probe(server, redis, redisPid);
  const clients = Array.from({ length: nClients }, () => child('client'));
  const share = (j: number) => Math.floor(visitors / nClients) + (j < visitors % nClients ? 1 : 0);
  const firstOf = (j: number) => Array.from({ length: j }, (_, k) => share(k)).reduce((t, n) => t + n, 0);
  const deadlineMs = Math.max(120_000, (10 * visitors * 1000) / rampPerS);
  say(`${kind}: ${visitors} visitors joining at ${rampPerS}/s (deadline ${Math.round(deadlineMs / 1000)} s)...`);
  const ramps = await Promise.all(
    clients.map((c, j) =>
      ask<FromClient, 'ramped'>(
        c,
        {
          type: 'ramp',
          url: `http://127.0.0.1:${port}`,
          site: BENCH_SITE,
          first: firstOf(j),
          count: share(j),
          perSecond: rampPerS / nClients,
          inFlight: Math.max(1, Math.ceil(200 / nClients)),
          addresses: Array.from({ length: Math.ceil(visitors / STARTS_PER_ADDRESS) }, (_, k) => `127.0.0.${k + 1}`),
          perAddress: STARTS_PER_ADDRESS,
          deadlineMs,
        },
        'ramped',
        `${kind} ramp`,
        deadlineMs + 60_000,
      ),
    ),
  );
  const joined = mergeRamps(visitors, ramps);
  const settleS = await settle(server);
  const perJoin = costs(beforeJoin, await probe(server, redis, redisPid), joined.started);
  const after = await memory();
  const phase = async (order: object, what: string, limitS: number): Promise<Phase> => {
    const a = await probe(server, redis, redisPid);
    const runs = await Promise.all(clients.map((c) => ask<FromClient, 'ran'>(c, order, 'ran', what, limitS * 1000 + timeoutMs + 30_000)));
    return phaseOf(runs, a, await probe(server, redis, redisPid));
  };
  say(`${kind}: ${joined.started} joined in ${joined.wallS.toFixed(1)} s; ${rate} msg/s for ${seconds} s...`);
  const fixed = await phase({ type: 'run', rate: rate / nClients, seconds, timeoutMs }, `${kind} fixed rate`, seconds);
  say(`${kind}: ${fixed.msgPerS.toFixed(0)} msg/s, p99 ${fixed.ack.p99.toFixed(1)} ms; saturating for ${saturateS} s...`);
  // What the server still owes the fixed-rate phase (messages timed out at the client) is not counted as saturation.
  await settle(server);
  const perClient = Math.max(1, Math.round(window / nClients));
  const saturated = await phase({ type: 'run', window: perClient, seconds: saturateS, timeoutMs }, `${kind} saturation`, saturateS);
  const { warnings } = await ask<FromServer, 'counters'>(server, { type: 'counters' }, 'counters', 'server counters', 10_000);
  await Promise.all(clients.map((c) => stopChild(c, { type: 'close' }, 'closed')));
  await stopChild(server, { type: 'stop' }, 'stopped');
  // Each server's leftovers go as soon as it is gone: an interrupted run leaves less behind.
  if (schema) await dropSchema(schema);
  await removeKeys(`${setup.prefix}:*`);
  const held = Math.max(1, joined.connected);
  return {
    kind,
    joined,
    settleS,
    perJoin,
    perConnection: {
      rss: (after.rss - before.rss) / held,
      heap: (after.heapUsed - before.heapUsed) / held,
      external: (after.external - before.external) / held,
    },
    memory: { before, after },
    fixed,
    saturated,
    warnings,
  };
}

async function main(): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379');
  try {
    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]) || undefined;
    say(
      `chat load: Node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}; levels ${levels.join(', ')} visitors; ` +
        `baseline adapter: ${args['baseline-adapter']}; departures: ${departures.join(', ') || 'none (the real stack)'}`,
    );
    const perConnPerMin = (rate / Math.min(...levels)) * 60;
    if (perConnPerMin > EVENTS_PER_MINUTE * 0.8)
      say(
        `warning: ${perConnPerMin.toFixed(0)} messages/min per visitor is near Relais' ${EVENTS_PER_MINUTE} events/min per connection: expect refusals`,
      );
    const results: Level[] = [];
    for (const visitors of levels) {
      const relais = await measure('relais', visitors, redis, redisPid);
      const bare = await measure('bare', visitors, redis, redisPid);
      const level = judge(visitors, rate, relais, bare);
      results.push(level);
      printLevel(say, level, { rate, seconds, window, saturateS, departures });
    }
    if (args.json)
      process.stdout.write(
        `${JSON.stringify({ machine: { cores: cpus().length, node: process.version }, settings: { rate, seconds, saturateS, window, clients: nClients, ramp: rampPerS, baselineAdapter: args['baseline-adapter'], pgPool: poolSize, departures }, levels: results }, null, 2)}\n`,
      );
  } finally {
    redis.disconnect();
  }
}

let cleaning: Promise<void> | undefined;
const cleanUp = () => (cleaning ??= removeEverything());

let dropped = 0;
async function dropSchema(schema: FreshSchema): Promise<void> {
  schemas.delete(schema);
  await schema.drop().then(
    () => (dropped += 1),
    (err: Error) => say(`schema ${schema.schema} not dropped: ${err.message}`),
  );
}

let removed = 0;
/** Keys by SCAN (KEYS would block a Redis others are using) and UNLINK. */
async function removeKeys(pattern: string): Promise<void> {
  const admin = new Redis('redis://127.0.0.1:6379');
  try {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length) removed += await admin.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
}

/** Children first (nothing writes any more), then their schemas and Redis keys. */
async function removeEverything(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
  for (const s of [...schemas]) await dropSchema(s);
  await removeKeys(`${tag}-*`);
  say(`removed ${dropped} schema(s) and ${removed} Redis keys under ${tag}-*`);
}

// `on`, not `once`: under tsx (npm run), a signal relayed a second time would find no listener and
// end the process in the middle of its clean-up. Every signal after the first waits for the same one.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    if (!cleaning) process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanUp().finally(() => process.exit(130));
  });

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanUp().catch((err) => console.error('clean-up failed:', err)));
