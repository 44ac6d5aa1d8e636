/**
 * sipp load through Relais' ARI IVR (greeting + menu) against the same flow in plain dialplan on
 * the same Asterisk, in one run (DESIGN §5: the figure is a ratio to a baseline measured alongside).
 *
 *   npm run bench -- [--levels 50,100,200] [--quick] [--json FILE] [--calls-per-slot 2.5] [--log-level info]
 *
 * Levels alternate between the flows (ARI L, plain L, ARI next L, ...) so machine noise hits both
 * alike; a flow stops stepping after its first level not held. Prints a row per level and flow,
 * then the concurrent calls held by each, their ratio (target ≥ 0.9), INVITE→200 p50/p99 and CPU per call.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { freeUdpBlock } from '../test/support/relais.ts';
import { startBenchRelais, type BenchRelais } from './bench-relais.ts';
import { PLAIN_USER } from './plain-ivr.ts';
import { drained, nodeCpuMs, processCpuMs, startSampling, udpNoPorts } from './probes.ts';
import { ANSWER_PROMISE_MS, percentile, summarise, summaryLines, tableHeader, tableRow, type Flow, type LevelRun } from './report.ts';
import { rampRate, startLoad, type RunningLoad } from './sipp-load.ts';

const DEFAULT_LEVELS = [50, 100, 200, 400, 600, 800];
const QUICK_LEVELS = [20, 50];
/** Any From user that is not a pjsip endpoint: Asterisk takes it for the ISP trunk (by address). */
const TRUNK_CALLER = '0612345678';
/** Asterisk sends G.711 in 20 ms packets. */
const RTP_PACKET_MS = 20;

const { values: args } = parseArgs({
  options: {
    levels: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    'calls-per-slot': { type: 'string', default: '2.5' },
    'log-level': { type: 'string', default: 'info' },
  },
});
const levels = args.levels ? args.levels.split(',').map(Number) : args.quick ? QUICK_LEVELS : DEFAULT_LEVELS;
if (levels.some((l) => !Number.isInteger(l) || l <= 0)) throw new Error(`--levels wants positive integers, got "${args.levels}"`);
const callsPerSlot = Number(args['calls-per-slot']);
if (!(callsPerSlot >= 1)) throw new Error('--calls-per-slot wants a number ≥ 1');

const work = mkdtempSync(join(tmpdir(), 'relais-bench-'));
let bench: BenchRelais | undefined;
let running: RunningLoad | undefined;
let redisPid: number | undefined;
/** Set when a level was not held: its sipp files and Relais' log are kept for a look. */
let keepWork = false;

async function cleanUp(): Promise<void> {
  running?.kill();
  await bench?.stop();
  bench = undefined;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function runLevel(b: BenchRelais, flow: Flow, level: number, sdpMediaPort: number, holdMs: number): Promise<LevelRun> {
  const { supervisor, ivr } = b.relais;
  const ivrCalls = () => ivr.activeCalls;
  const asteriskPid = supervisor.runningPid();
  const before = { asterisk: processCpuMs(asteriskPid) ?? 0, node: nodeCpuMs(), redis: processCpuMs(redisPid) ?? 0, rtp: udpNoPorts() };
  const load1 = loadavg()[0] ?? 0;
  b.takeLogCounts();

  running = await startLoad({ workDir: work, target: b.sip, from: flow === 'ari' ? TRUNK_CALLER : PLAIN_USER, level, holdMs, callsPerSlot, sdpMediaPort });
  const sampling = startSampling(supervisor, ivrCalls, running.pid);
  const res = await running.done;
  running = undefined;
  const samples = await sampling.stop();
  const cpuMs = {
    asterisk: (processCpuMs(asteriskPid) ?? 0) - before.asterisk,
    node: nodeCpuMs() - before.node,
    redis: (processCpuMs(redisPid) ?? 0) - before.redis,
    sipp: samples.sippCpuMs,
  };
  const leftover = await drained(supervisor, ivrCalls);
  const rtpPackets = udpNoPorts() - before.rtp;
  const log = b.takeLogCounts();

  const sorted = [...res.answerMs].sort((x, y) => x - y);
  const answerMs = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, n: sorted.length };
  const expectedRtp = Math.round((res.successful * (b.promptMs.greeting + b.promptMs.menu)) / RTP_PACKET_MS);

  const sanity: string[] = [];
  const apps = samples.peak.apps;
  const ourPeak = Math.max(res.maxConcurrent, 1);
  if (flow === 'ari') {
    if (samples.maxIvrCalls < 0.9 * ourPeak) sanity.push(`Relais' IVR held at most ${samples.maxIvrCalls} sessions while sipp had ${res.maxConcurrent} calls: calls are not reaching the ARI IVR`);
    if ((apps.Stasis ?? 0) < 0.9 * samples.peak.channels) sanity.push(`only ${apps.Stasis ?? 0} of ${samples.peak.channels} channels in Stasis (${JSON.stringify(apps)})`);
  } else {
    if (samples.maxIvrCalls > 0) sanity.push(`Relais' IVR saw ${samples.maxIvrCalls} sessions during a plain-dialplan level: calls leak into the ARI IVR`);
    if (apps.Stasis) sanity.push(`${apps.Stasis} channels in Stasis during a plain-dialplan level`);
  }
  if (res.successful > 0 && rtpPackets < 0.8 * expectedRtp) {
    sanity.push(`callers received ${rtpPackets} RTP packets, ${Math.round((100 * rtpPackets) / expectedRtp)}% of the ${expectedRtp} that greeting + menu take: prompts are not (fully) played`);
  }
  if (res.successful + res.failed === 0) sanity.push(`sipp placed no call (exit ${res.exitCode}): ${res.errors.join(' | ')}`);

  const notHeld: string[] = [];
  if (res.failed > 0) notHeld.push(`${res.failed} failed`);
  if (!(answerMs.p99 < ANSWER_PROMISE_MS)) notHeld.push(`p99 ${answerMs.p99.toFixed(0)} ms`);
  if (res.maxConcurrent < 0.95 * level) notHeld.push(`reached ${res.maxConcurrent}`);
  if (res.exitCode !== 0 && res.failed === 0) notHeld.push(`sipp exit ${res.exitCode}`);
  if (leftover.channels > 0 || leftover.ivrCalls > 0) notHeld.push(`left behind ${leftover.channels} channels, ${leftover.ivrCalls} sessions`);
  if (sanity.length) notHeld.push('invalid measurement');
  if (notHeld.length === 0) rmSync(res.dir, { recursive: true, force: true });
  else keepWork = true;

  return {
    flow,
    level,
    successful: res.successful,
    failed: res.failed,
    maxConcurrent: { sipp: res.maxConcurrent, asteriskChannels: samples.peak.channels, ivrSessions: samples.maxIvrCalls },
    apps,
    answerMs,
    cpuMs,
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
  const uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
  console.log(`machine: ${cpus().length} cores; uptime: ${uptime}`);
  const b = (bench = await startBenchRelais({ logLevel: args['log-level'], logFile: join(work, 'relais.log') }));
  const redis = new Redis(b.config.redis.url);
  redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]) || undefined;
  redis.disconnect();
  const sdpMediaPort = await freeUdpBlock(2);

  // Callers stay through greeting and menu and hang up 1 s after, before the digit timer replays the menu.
  const holdMs = b.promptMs.greeting + b.promptMs.menu + 1000;
  console.log(
    `Asterisk ${b.config.asterisk.instance} (pid ${b.relais.supervisor.runningPid()}), SIP ${b.sip.port}; greeting ${b.promptMs.greeting} ms, menu ${b.promptMs.menu} ms, ` +
      `digit timer ${b.config.menu.digitTimeoutSeconds} s; each caller stays ${holdMs} ms; ${callsPerSlot} × level calls per level; ` +
      `levels ${levels.join(', ')}; Relais log (${args['log-level']}): ${b.logFile}`,
  );
  console.log(tableHeader());

  const runs: LevelRun[] = [];
  const stepping = new Set<Flow>(['ari', 'plain']);
  for (const level of levels) {
    for (const flow of ['ari', 'plain'] as const) {
      if (!stepping.has(flow)) continue;
      const r = await runLevel(b, flow, level, sdpMediaPort, holdMs);
      runs.push(r);
      console.log(tableRow(r));
      for (const s of r.sanity) console.error(`  ERROR: ${s}`);
      if (r.notHeld.length) {
        stepping.delete(flow);
        if (r.sippErrors.length) console.log(`  sipp errors (${r.flow} ${r.level}): ${r.sippErrors.slice(0, 3).join(' | ')}`);
        if (r.log.samples.length) console.log(`  Relais warnings: ${r.log.samples.join(' | ')}`);
        console.log(`  sipp files kept in ${r.sippDir}`);
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
    const settings = { levels, callsPerSlot, holdMs, promptMs: b.promptMs, logLevel: args['log-level'] };
    writeFileSync(args.json, JSON.stringify({ startedAt: new Date(started).toISOString(), elapsedS, machine: { cores: cpus().length, uptime }, settings, runs, summary }, null, 2));
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
    if (keepWork) console.log(`sipp files and Relais' log kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  });
