/**
 * sipp load through Relais' ARI IVR (greeting + menu) against the same flow in plain dialplan on
 * the same Asterisk, in one run (DESIGN §5: the figure is a ratio to a baseline measured alongside).
 *
 *   npm run bench -- [--levels 50,100,200] [--quick] [--json FILE] [--calls-per-slot 2.5] [--log-level info] [--keep-logs]
 *
 * Levels alternate between the flows (ARI L, plain L, ARI next L, ...) so machine noise hits both
 * alike; a flow stops stepping after its first level not held. Prints a row per level and flow,
 * then the concurrent calls held by each, their ratio (target ≥ 0.9), INVITE→200 p50/p99 and CPU per call.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { freeUdpBlock } from '../test/support/relais.ts';
import { AriRestWatch, restLine } from './ari-rest.ts';
import { percentile } from './stats.ts';
import { startBenchRelais, type BenchRelais } from './bench-relais.ts';
import { PLAIN_USER } from './plain-ivr.ts';
import { countLines, drained, machineBusyMs, nodeCpuMs, processCpuMs, startSampling, udpNoPorts } from './probes.ts';
import { judge, summarise, summaryLines, tableHeader, tableRow, type Flow, type LevelRun } from './report.ts';
import { rampRate, startLoad, type RunningLoad } from './sipp-load.ts';

// 50-call steps near this machine's ceiling (~450 to 500 calls on 2 cores), so the ratio is not an artefact of coarse steps.
const DEFAULT_LEVELS = [50, 100, 200, 300, 350, 400, 450, 500, 550, 600, 700, 800];
const QUICK_LEVELS = [20, 50];
/** Any From user that is not a pjsip endpoint: Asterisk takes it for the ISP trunk (by address). */
const TRUNK_CALLER = '0612345678';
/** What Asterisk logs when a connection to its HTTP server (ARI) goes past http.conf's sessionlimit. */
const HTTP_REFUSED = 'HTTP session count exceeded';
/** Asterisk sends G.711 in 20 ms packets. */
const RTP_PACKET_MS = 20;

const { values: args } = parseArgs({
  options: {
    levels: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    'calls-per-slot': { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    'keep-logs': { type: 'boolean', default: false },
  },
});
const levels = args.levels ? args.levels.split(',').map(Number) : args.quick ? QUICK_LEVELS : DEFAULT_LEVELS;
if (levels.some((l) => !Number.isInteger(l) || l <= 0)) throw new Error(`--levels wants positive integers, got "${args.levels}"`);
// Quick mode holds each level for a shorter while: it checks the script, not the machine.
const callsPerSlot = Number(args['calls-per-slot'] ?? (args.quick ? 2 : 2.5));
if (!(callsPerSlot >= 1)) throw new Error('--calls-per-slot wants a number ≥ 1');

const work = mkdtempSync(join(tmpdir(), 'relais-bench-'));
let bench: BenchRelais | undefined;
let running: RunningLoad | undefined;
let redisPid: number | undefined;
/** --keep-logs: sipp's files of levels not held, Relais' and Asterisk's logs stay for a look. */
const keepWork = args['keep-logs'];
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

async function cleanUp(): Promise<void> {
  running?.kill();
  await bench?.stop(keepWork ? work : undefined);
  bench = undefined;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function runLevel(
  b: BenchRelais,
  rest: AriRestWatch,
  flow: Flow,
  level: number,
  sdpMediaPort: number,
  holdMs: number,
): Promise<LevelRun> {
  const { supervisor, ivr } = b.relais;
  const ivrCalls = () => ivr.activeCalls;
  const asteriskPid = supervisor.runningPid();
  const before = {
    asterisk: processCpuMs(asteriskPid) ?? 0,
    node: nodeCpuMs(),
    redis: processCpuMs(redisPid) ?? 0,
    machine: machineBusyMs(),
    rtp: udpNoPorts(),
  };
  const load1 = loadavg()[0] ?? 0;
  b.takeLogCounts();
  rest.take();
  loopDelay.reset();
  const asteriskLog = `${b.relais.instance.hostDirs.log}/messages.log`;
  const refusedBefore = countLines(asteriskLog, HTTP_REFUSED);

  running = await startLoad({
    workDir: work,
    target: b.sip,
    from: flow === 'ari' ? TRUNK_CALLER : PLAIN_USER,
    level,
    holdMs,
    callsPerSlot,
    sdpMediaPort,
  });
  const sampling = startSampling(supervisor, ivrCalls, running.pid, b.config.asterisk.httpPort);
  const res = await running.done;
  running = undefined;
  const samples = await sampling.stop();
  const cpuMs = {
    asterisk: (processCpuMs(asteriskPid) ?? 0) - before.asterisk,
    node: nodeCpuMs() - before.node,
    redis: (processCpuMs(redisPid) ?? 0) - before.redis,
    sipp: samples.sippCpuMs,
    machine: machineBusyMs() - before.machine,
  };
  const ariHttp = { maxConnections: samples.maxHttpConnections, refused: countLines(asteriskLog, HTTP_REFUSED) - refusedBefore };
  const nodeLoopDelayMs = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
  const leftover = await drained(supervisor, ivrCalls);
  const rtpPackets = udpNoPorts() - before.rtp;
  const log = b.takeLogCounts();
  const ariRest = rest.take();

  const sorted = [...res.answerMs].sort((x, y) => x - y);
  const answerMs = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, n: sorted.length };
  const expectedRtp = Math.round((res.successful * (b.promptMs.greeting + b.promptMs.menu)) / RTP_PACKET_MS);

  const { sanity, notHeld } = judge({
    flow,
    level,
    sipp: res,
    answerP99: answerMs.p99,
    ivrSessions: samples.maxIvrCalls,
    census: samples.peak,
    rtp: { packets: rtpPackets, expected: expectedRtp },
    leftover,
  });
  if (notHeld.length === 0 || !args['keep-logs']) rmSync(res.dir, { recursive: true, force: true });

  return {
    flow,
    level,
    successful: res.successful,
    failed: res.failed,
    maxConcurrent: { sipp: res.maxConcurrent, asteriskChannels: samples.peak.channels, ivrSessions: samples.maxIvrCalls },
    apps: samples.peak.apps,
    answerMs,
    cpuMs,
    ariRest,
    ariHttp,
    nodeLoopDelayMs,
    wallMs: res.wallMs,
    load1,
    rtp: { packets: rtpPackets, expected: expectedRtp },
    log,
    leftover: { channels: leftover.channels, ivrSessions: leftover.ivrCalls },
    sippExit: res.exitCode,
    sippErrors: res.errors,
    sippDir: res.dir,
    notHeld,
    sanity,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  loopDelay.enable();
  const uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
  console.log(`machine: ${cpus().length} cores; uptime: ${uptime}`);
  const b = (bench = await startBenchRelais({ logLevel: args['log-level'], logFile: join(work, 'relais.log') }));
  const rest = new AriRestWatch(b.config.asterisk.httpPort);
  const redis = new Redis(b.config.redis.url);
  redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]) || undefined;
  redis.disconnect();
  const sdpMediaPort = await freeUdpBlock(2);

  // Callers stay through greeting and menu and hang up 1 s after, before the digit timer replays the menu.
  const holdMs = b.promptMs.greeting + b.promptMs.menu + 1000;
  console.log(
    `Asterisk ${b.config.asterisk.instance} (pid ${b.relais.supervisor.runningPid()}), SIP ${b.sip.port}; greeting ${b.promptMs.greeting} ms, menu ${b.promptMs.menu} ms, ` +
      `digit timer ${b.config.menu.digitTimeoutSeconds} s; each caller stays ${holdMs} ms; ${callsPerSlot} × level calls per level; ` +
      `levels ${levels.join(', ')}; Relais log (${args['log-level']}): ${b.logFile}${keepWork ? '' : ' (removed at the end; --keep-logs keeps it)'}`,
  );
  console.log(tableHeader());

  const runs: LevelRun[] = [];
  const stepping = new Set<Flow>(['ari', 'plain']);
  for (const level of levels) {
    for (const flow of ['ari', 'plain'] as const) {
      if (!stepping.has(flow)) continue;
      const r = await runLevel(b, rest, flow, level, sdpMediaPort, holdMs);
      runs.push(r);
      console.log(tableRow(r));
      if (flow === 'ari') console.log(restLine(r.ariRest));
      for (const s of r.sanity) console.error(`  ERROR: ${s}`);
      if (r.notHeld.length) {
        stepping.delete(flow);
        if (r.sippErrors.length) console.log(`  sipp errors (${r.flow} ${r.level}): ${r.sippErrors.slice(0, 3).join(' | ')}`);
        if (r.log.samples.length) console.log(`  Relais warnings: ${r.log.samples.join(' | ')}`);
        if (keepWork) console.log(`  sipp files kept in ${r.sippDir}`);
      }
    }
    if (stepping.size === 0) break;
  }

  const summary = summarise(runs, levels);
  const elapsedS = Math.round((Date.now() - started) / 1000);
  console.log('');
  for (const l of summaryLines(summary)) console.log(l);
  console.log(`ramp: ${rampRate({ level: 1, holdMs }).toFixed(3)} calls/s per concurrent call of the level; run took ${elapsedS} s`);
  if (args.json) {
    const settings = {
      levels,
      callsPerSlot,
      holdMs,
      promptMs: b.promptMs,
      logLevel: args['log-level'],
    };
    writeFileSync(
      args.json,
      JSON.stringify(
        { startedAt: new Date(started).toISOString(), elapsedS, machine: { cores: cpus().length, uptime }, settings, runs, summary },
        null,
        2,
      ),
    );
    console.log(`results written to ${args.json}`);
  }
  if (summary.sanity.length) process.exitCode = 2;
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanUp().catch((err) => console.error('clean-up failed:', err));
    if (keepWork) console.log(`sipp files, Relais' and Asterisk's logs kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  });
