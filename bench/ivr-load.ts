/**
 * sipp load through Relais' ARI IVR against the same flow in plain dialplan on the same Asterisk,
 * in one run (DESIGN §5: the figure is a ratio to a baseline measured alongside).
 *
 *   npm run bench -- [--scenario menu|queue] [--levels 50,100,200] [--quick] [--json FILE] [--calls-per-slot 2.5]
 *                    [--hold-seconds S] [--announce-every S] [--log-level info] [--keep-logs]
 *
 * Scenarios:
 * - menu (default): callers hear greeting and menu, and hang up before the digit timer.
 * - queue: callers press the menu key of a team whose agents are all paused (logged in, so callers
 *   wait) during the greeting, then hold with music and hear their position and wait on entry and
 *   every --announce-every seconds, and hang up after --hold-seconds (default: 2.5 periods after
 *   entering, so the last announcement is well inside the call). The plain baseline plays the same
 *   prompts and music on hold in dialplan. Each caller has its own RTP port (rtp-sink.ts): a caller
 *   left in silence for 2 s or more, or short of audio, is a failed call.
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
import type { ConfigInput } from '../config/schema.ts';
import { connectingPrompt } from '../ivr/flow-types.ts';
import { freeUdpBlock } from '../test/support/relais.ts';
import { AriRestWatch, restLine, type RestStats } from './ari-rest.ts';
import { percentile } from './stats.ts';
import { startBenchRelais, type BenchRelais } from './bench-relais.ts';
import { manyAheadAnnouncement, PLAIN_QUEUE_USER, PLAIN_USER, QUEUE_KEY, queueTeamOf } from './plain-ivr.ts';
import { countLines, drained, machineBusyMs, nodeCpuMs, processCpuMs, startSampling, udpNoPorts } from './probes.ts';
import {
  callerAudio,
  judge,
  queueLine,
  SILENCE_LIMIT_MS,
  summarise,
  summaryLines,
  tableHeader,
  tableRow,
  type Flow,
  type LevelRun,
  type QueueEvidence,
} from './report.ts';
import { startRtpSink, type RtpSink } from './rtp-sink.ts';
import { rampRate, startLoad, type LoadSpec, type RunningLoad } from './sipp-load.ts';

// 50-call steps near this machine's ceiling (~450 to 500 calls on 2 cores), so the ratio is not an artefact of coarse steps.
const DEFAULT_LEVELS = [50, 100, 200, 300, 350, 400, 450, 500, 550, 600, 700, 800];
const QUICK_LEVELS = [20, 50];
/** Any From user that is not a pjsip endpoint: Asterisk takes it for the ISP trunk (by address). */
const TRUNK_CALLER = '0612345678';
/** What Asterisk logs when a connection to its HTTP server (ARI) goes past http.conf's sessionlimit. */
const HTTP_REFUSED = 'HTTP session count exceeded';
/** Asterisk sends G.711 in 20 ms packets. */
const RTP_PACKET_MS = 20;
/** Queue scenario: long enough that no caller reaches it, so nobody is offered a callback instead. */
const QUEUE_MAX_WAIT_S = 3600;
/** When the queue scenario's caller presses the key, at the latest: well inside the greeting, once the call is in Stasis. */
const KEY_AT_MS = 1500;

const { values: args } = parseArgs({
  options: {
    levels: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    'calls-per-slot': { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    'keep-logs': { type: 'boolean', default: false },
    scenario: { type: 'string', default: 'menu' },
    'hold-seconds': { type: 'string' },
    'announce-every': { type: 'string', default: '15' },
  },
});
const scenarioName = args.scenario;
if (scenarioName !== 'menu' && scenarioName !== 'queue') throw new Error(`--scenario wants menu or queue, got "${scenarioName}"`);
const announceEvery = Number(args['announce-every']);
if (!Number.isInteger(announceEvery) || announceEvery < 10)
  throw new Error('--announce-every wants whole seconds ≥ 10 (the schema minimum)');
const holdArg = args['hold-seconds'] === undefined ? undefined : Number(args['hold-seconds']);
if (holdArg !== undefined && !(holdArg > 0)) throw new Error('--hold-seconds wants a positive number');
if (holdArg !== undefined && scenarioName !== 'queue') throw new Error('--hold-seconds is for --scenario queue');
const levels = args.levels ? args.levels.split(',').map(Number) : args.quick ? QUICK_LEVELS : DEFAULT_LEVELS;
if (levels.some((l) => !Number.isInteger(l) || l <= 0)) throw new Error(`--levels wants positive integers, got "${args.levels}"`);
// Quick mode holds each level for a shorter while: it checks the script, not the machine.
const callsPerSlot = Number(args['calls-per-slot'] ?? (args.quick ? 2 : 2.5));
if (!(callsPerSlot >= 1)) throw new Error('--calls-per-slot wants a number ≥ 1');

const work = mkdtempSync(join(tmpdir(), 'relais-bench-'));
let bench: BenchRelais | undefined;
let running: RunningLoad | undefined;
let sink: RtpSink | undefined;
let redisPid: number | undefined;
/** --keep-logs: sipp's files of levels not held, Relais' and Asterisk's logs stay for a look. */
const keepWork = args['keep-logs'];
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

async function cleanUp(): Promise<void> {
  running?.kill();
  sink?.kill();
  await bench?.stop(keepWork ? work : undefined);
  bench = undefined;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/** What callers do, and what they should hear. */
interface Scenario {
  name: 'menu' | 'queue';
  /** The From user that picks each flow. */
  from: Record<Flow, string>;
  /** How long a caller stays after the 200 OK. */
  holdMs: number;
  digit?: LoadSpec['digit'];
  /** RTP packets an answered caller receives when every prompt (and the music) is played. */
  rtpPerCall: number;
  /** Queue scenario: the team callers wait for, announcements a caller hears, prompt lengths. */
  queue?: { team: string; announcements: number; connectingMs: number; announcementMs: number };
}

/** Callers stay through greeting and menu and hang up 1 s after, before the digit timer replays the menu. */
function menuScenario(b: BenchRelais): Scenario {
  return {
    name: 'menu',
    from: { ari: TRUNK_CALLER, plain: PLAIN_USER },
    holdMs: b.promptMs.greeting + b.promptMs.menu + 1000,
    rtpPerCall: (b.promptMs.greeting + b.promptMs.menu) / RTP_PACKET_MS,
  };
}

/**
 * Callers press QUEUE_KEY during the greeting (kept, it skips the menu), enter the queue when the
 * greeting ends, and hear an announcement then and every `announceEvery` s until they hang up.
 */
function queueScenario(b: BenchRelais): Scenario {
  const team = queueTeamOf(b.config);
  const ms = (p: string) => b.relais.prompts[p]?.durationMs ?? 0;
  const enterMs = b.promptMs.greeting;
  const everyMs = announceEvery * 1000;
  const holdMs = holdArg !== undefined ? holdArg * 1000 : Math.round(enterMs + 2.5 * everyMs);
  return {
    name: 'queue',
    from: { ari: TRUNK_CALLER, plain: PLAIN_QUEUE_USER },
    holdMs,
    digit: { key: QUEUE_KEY, atMs: Math.min(KEY_AT_MS, Math.round(enterMs / 2)) },
    // Audio all along: prompts, then music between announcements.
    rtpPerCall: holdMs / RTP_PACKET_MS,
    queue: {
      team,
      announcements: holdMs > enterMs ? Math.floor((holdMs - enterMs) / everyMs) + 1 : 0,
      connectingMs: ms(connectingPrompt(team)),
      announcementMs: manyAheadAnnouncement(b.config).reduce((sum, p) => sum + ms(p), 0),
    },
  };
}

/** The queue scenario's team: agents logged in but all paused, announcements often, no wait limit in sight. */
function patchQueueTeam(c: ConfigInput): void {
  const team = c.menu.options[QUEUE_KEY];
  const t = team === undefined ? undefined : c.teams[team];
  if (!team || !t) throw new Error(`menu key ${QUEUE_KEY} leads to no team`);
  c.teams[team] = { ...t, announceEverySeconds: announceEvery, maxWaitSeconds: QUEUE_MAX_WAIT_S };
}

/** Most callers waiting in the team's queue, sampled as rarely as the channel census. */
function watchQueue(b: BenchRelais, team: string): { stop(): number } {
  let max = 0;
  const timer = setInterval(
    () =>
      void b.relais.routing.teamSnapshot(team).then(
        (s) => (max = Math.max(max, s.waiting)),
        () => undefined,
      ),
    5000,
  );
  return {
    stop() {
      clearInterval(timer);
      return max;
    },
  };
}

/** Callers still in the queue after a level: abandons are sent as calls end, so give them a moment. */
async function leftInQueue(b: BenchRelais, team: string): Promise<number> {
  for (let i = 0; ; i++) {
    const { waiting } = await b.relais.routing.teamSnapshot(team);
    if (waiting === 0 || i >= 5) return waiting;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Logged in but paused: callers wait (with nobody logged in, the IVR offers a callback instead of the queue). */
async function pauseTeam(b: BenchRelais, team: string): Promise<void> {
  for (const member of b.config.teams[team]!.members) await b.relais.routing.setPresence(member, 'paused', 'bench');
}

/** ARI flow: play requests per caller less the greeting and "connecting you" each caller hears first. */
function announcementsHeard(r: RestStats, callers: number, expected: number): { perCaller: number; expected: number } {
  const plays = r.byKind['POST channels/:id/play/:id']?.n ?? 0;
  return { perCaller: callers ? plays / callers - 2 : 0, expected };
}

async function runLevel(
  b: BenchRelais,
  rest: AriRestWatch,
  scenario: Scenario,
  flow: Flow,
  level: number,
  sdpMediaPort: number,
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

  const { holdMs } = scenario;
  const team = scenario.queue?.team;
  if (team) sink = await startRtpSink(Math.round(level * callsPerSlot), work);
  running = await startLoad({
    workDir: work,
    target: b.sip,
    from: scenario.from[flow],
    level,
    holdMs,
    callsPerSlot,
    sdpMediaPort,
    ...(sink ? { sdpPorts: sink.ports } : {}),
    ...(scenario.digit ? { digit: scenario.digit } : {}),
  });
  const sampling = startSampling(supervisor, ivrCalls, running.pid, b.config.asterisk.httpPort);
  const queueWatch = team ? watchQueue(b, team) : undefined;
  const res = await running.done;
  running = undefined;
  const samples = await sampling.stop();
  const maxWaiting = queueWatch?.stop() ?? 0;
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
  const audio = await sink?.stop();
  sink = undefined;
  const placed = res.successful + res.failed;
  const rtpPackets = audio ? audio.slice(0, placed).reduce((n, a) => n + a.packets, 0) : udpNoPorts() - before.rtp;
  const log = b.takeLogCounts();
  const ariRest = rest.take();

  const sorted = [...res.answerMs].sort((x, y) => x - y);
  const answerMs = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, n: sorted.length };
  const expectedRtp = Math.round(res.successful * scenario.rtpPerCall);
  const queue: QueueEvidence | undefined =
    team && audio
      ? {
          ...callerAudio(audio, placed, Math.round(scenario.rtpPerCall)),
          maxWaiting,
          appSamples: samples.appSamples,
          leftWaiting: await leftInQueue(b, team),
          ...(flow === 'ari' ? { announcements: announcementsHeard(ariRest, placed, scenario.queue!.announcements) } : {}),
        }
      : undefined;

  const { sanity, notHeld } = judge({
    flow,
    level,
    sipp: res,
    answerP99: answerMs.p99,
    ivrSessions: samples.maxIvrCalls,
    census: samples.peak,
    rtp: { packets: rtpPackets, expected: expectedRtp },
    ...(queue ? { rtpOf: 'their time on the line takes: callers are left in silence', queue } : {}),
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
    ...(queue ? { queue } : {}),
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
  const b = (bench = await startBenchRelais({
    logLevel: args['log-level'],
    logFile: join(work, 'relais.log'),
    ...(scenarioName === 'queue' ? { patch: patchQueueTeam } : {}),
  }));
  const rest = new AriRestWatch(b.config.asterisk.httpPort);
  const redis = new Redis(b.config.redis.url);
  redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]) || undefined;
  redis.disconnect();
  const sdpMediaPort = await freeUdpBlock(2);

  const scenario = scenarioName === 'queue' ? queueScenario(b) : menuScenario(b);
  const { holdMs } = scenario;
  if (scenario.queue) await pauseTeam(b, scenario.queue.team);
  console.log(
    `Asterisk ${b.config.asterisk.instance} (pid ${b.relais.supervisor.runningPid()}), SIP ${b.sip.port}; greeting ${b.promptMs.greeting} ms, menu ${b.promptMs.menu} ms, ` +
      `digit timer ${b.config.menu.digitTimeoutSeconds} s; each caller stays ${holdMs} ms; ${callsPerSlot} × level calls per level; ` +
      `levels ${levels.join(', ')}; Relais log (${args['log-level']}): ${b.logFile}${keepWork ? '' : ' (removed at the end; --keep-logs keeps it)'}`,
  );
  const q = scenario.queue;
  if (q) {
    console.log(
      `scenario queue: key ${scenario.digit!.key} (SIP INFO) at ${scenario.digit!.atMs} ms → team ${q.team}, every agent paused; "connecting" ${q.connectingMs} ms; ` +
        `announcement (past the tenth) ${q.announcementMs} ms every ${announceEvery} s, ${q.announcements} per caller; a silence ≥ ${SILENCE_LIMIT_MS / 1000} s fails the call`,
    );
    if (q.announcementMs >= announceEvery * 1000)
      console.log(`  warning: announcements follow each other with no music between them; raise --announce-every`);
  }
  console.log(tableHeader());

  const runs: LevelRun[] = [];
  const stepping = new Set<Flow>(['ari', 'plain']);
  for (const level of levels) {
    for (const flow of ['ari', 'plain'] as const) {
      if (!stepping.has(flow)) continue;
      const r = await runLevel(b, rest, scenario, flow, level, sdpMediaPort);
      runs.push(r);
      console.log(tableRow(r));
      if (flow === 'ari') console.log(restLine(r.ariRest));
      if (r.queue) console.log(queueLine(r.queue));
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
      scenario: scenario.name,
      ...(scenario.queue ? { announceEverySeconds: announceEvery, queueTeam: scenario.queue.team, digit: scenario.digit } : {}),
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
