/**
 * The routing core alone on the real Redis: how soon an agent who becomes free is offered the next
 * waiting interaction, and how many interactions the core turns over per second, against the bare
 * Redis round trips the same step needs, measured in the same run (DESIGN §5).
 *
 *   npx tsx bench/routing-core.ts [--quick] [--json] [--agents 200] [--interactions 10000] [--talk-ms MEAN] [--seed 1] [--redis URL]
 *
 * 4 teams (three longest-idle, one round-robin; every tenth agent also in the next team); one agent
 * in seven takes chats only, the others calls only; 85 % calls, 15 % chats, 5 % premium. Every interaction is enqueued first (agents offline), then every agent
 * logs in. From then on each simulated agent accepts an offer as soon as it hears it, talks for an
 * exponential time, calls finish() (wrap-up 0: free at once) and waits for its next offer. A sweep
 * runs every second, as in every Relais process.
 *
 * Agent free → offer is timed from the call to finish() to the arrival of the 'offer' event for
 * that agent on the routing events channel (subscribeRouting): what the agent's phone or console
 * sees. finish() dispatches under the lock and its MULTI carries the PUBLISH, so the time finish()
 * takes to return is printed too (it adds the lock release, and misses the pub/sub hop); the target
 * is judged on the pub/sub figure. Each agent takes one channel with one slot (calls or chats), so
 * once it finishes it holds nothing and has no offer pending: its next offer is unambiguous.
 *
 * Talk time: with none, every agent would be queued on the routing lock at once and the wait would
 * measure the bench's own pile-up (≈ agents × a step's cost), not the core; a real 200-agent centre
 * at 3 min per interaction turns over about 1 interaction/s. The default mean (agents × 20 ms)
 * offers ~50 interactions/s whatever the agent count; `--talk-ms 0` runs flat out (a capacity test).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pino from 'pino';
import { RoutingCore, type RoutingSettings, type TeamSettings } from '../routing/core.ts';
import { subscribeRouting, type RoutingEvent } from '../routing/events.ts';
import type { Capacity, Channel, Interaction } from '../routing/model.ts';
import { RoutingStore, type RoutingBatch } from '../routing/store.ts';
import { nodeCpuMs, processCpuMs } from './probes.ts';
import { percentile } from './stats.ts';

const TARGET_P99_MS = 20;
const TEAMS = 4;
const SWEEP_EVERY_MS = 1000;
const STALL_MS = 20_000;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    agents: { type: 'string' },
    interactions: { type: 'string' },
    'talk-ms': { type: 'string' },
    seed: { type: 'string', default: '1' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const nAgents = Number(args.agents ?? (args.quick ? 50 : 200));
const nInteractions = Number(args.interactions ?? (args.quick ? 1000 : 10_000));
const talkMs = Number(args['talk-ms'] ?? nAgents * 20);
if (!Number.isInteger(nAgents) || nAgents < TEAMS * 2) throw new Error(`--agents wants an integer ≥ ${TEAMS * 2}`);
if (!Number.isInteger(nInteractions) || nInteractions < 1) throw new Error('--interactions wants a positive integer');
if (!(talkMs >= 0)) throw new Error('--talk-ms wants a number ≥ 0');
/** Progress and the human report go to stderr with --json, so stdout is the JSON alone. */
const say = (line: string) => (args.json ? process.stderr : process.stdout).write(`${line}\n`);

/** mulberry32: the same agents, mix and talk times for the same --seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(Number(args.seed));

// ---- Profile: each locked step's wait, hold and store calls, attributed through AsyncLocalStorage.
type Step = 'enqueue' | 'setPresence' | 'accept' | 'finish' | 'sweep';
interface StepRun {
  step: Step;
  calledAt: number;
  lockedAt?: number;
  doneAt?: number;
  calls: number;
}
interface StepStats {
  n: number;
  waitMs: number[];
  /** SET NX only: the wait minus the time queued behind this process's earlier steps. */
  acquireMs: number;
  heldMs: number[];
  releaseMs: number;
  roundTrips: number;
  calls: Map<string, { n: number; ms: number; items: number }>;
}
const current = new AsyncLocalStorage<StepRun>();
/** Which step made each offer: the agent's own finish(), or a later step that found work for it. */
const offerMadeBy = new Map<string, StepRun>();
const profile = new Map<Step, StepStats>();
const statsOf = (step: Step): StepStats => {
  let s = profile.get(step);
  if (!s) profile.set(step, (s = { n: 0, waitMs: [], acquireMs: 0, heldMs: [], releaseMs: 0, roundTrips: 0, calls: new Map() }));
  return s;
};
let lockFreedAt = 0;
let lockHeldMs = 0;

/** The real store, each call timed (performance.now() costs well under a microsecond: noise here). */
class ProfiledStore extends RoutingStore {
  override withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = current.getStore();
    const p = super.withLock(async () => {
      if (run) run.lockedAt = performance.now();
      try {
        return await fn();
      } finally {
        if (run) run.doneAt = performance.now();
      }
    });
    return p.finally(() => {
      const at = performance.now();
      if (run?.lockedAt !== undefined && run.doneAt !== undefined) {
        const s = statsOf(run.step);
        s.n += 1;
        s.waitMs.push(run.lockedAt - run.calledAt);
        s.acquireMs += run.lockedAt - Math.max(run.calledAt, lockFreedAt);
        s.heldMs.push(run.doneAt - run.lockedAt);
        s.releaseMs += at - run.doneAt;
        s.roundTrips += run.calls + 2; // + SET NX and the release EVAL
        lockHeldMs += at - run.lockedAt;
      }
      lockFreedAt = at;
    });
  }

  private async timed<T>(name: string, items: number, f: () => Promise<T>): Promise<T> {
    const run = current.getStore();
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      if (run) {
        run.calls += 1;
        const calls = statsOf(run.step).calls;
        const c = calls.get(name) ?? { n: 0, ms: 0, items: 0 };
        calls.set(name, { n: c.n + 1, ms: c.ms + performance.now() - t0, items: c.items + items });
      }
    }
  }

  override interaction(id: string) {
    return this.timed('GET interaction', 1, () => super.interaction(id));
  }
  override interactions(ids: readonly string[]) {
    return this.timed('MGET interactions + JSON.parse', ids.length, () => super.interactions(ids));
  }
  override agents(ids: readonly string[], now: number) {
    return this.timed('MGET agents + JSON.parse', ids.length, () => super.agents(ids, now));
  }
  override queueHead(team: string, limit: number) {
    return this.timed('ZRANGE queue head', 1, () => super.queueHead(team, limit));
  }
  override lastAnswered(team: string) {
    return this.timed('HGET last-answered', 1, () => super.lastAnswered(team));
  }
  override averageHandleSeconds(team: string) {
    return this.timed('HGET aht', 1, () => super.averageHandleSeconds(team));
  }
  override expiredOffers(now: number) {
    return this.timed('ZRANGEBYSCORE offers', 1, () => super.expiredOffers(now));
  }
  override wrapUpsDue(now: number) {
    return this.timed('ZRANGEBYSCORE wrap-ups', 1, () => super.wrapUpsDue(now));
  }
  override batch(): RoutingBatch {
    const b = super.batch();
    const commit = b.commit.bind(b);
    b.commit = () => this.timed('MULTI…EXEC commit', 1, commit);
    const emit = b.emit.bind(b);
    b.emit = (event: unknown) => {
      const e = event as RoutingEvent;
      const run = current.getStore();
      if (e.type === 'offer' && run) offerMadeBy.set(e.offer.id, run);
      return emit(event);
    };
    return b;
  }
}

const newRun = (step: Step): StepRun => ({ step, calledAt: performance.now(), calls: 0 });
function stepped<T>(run: Step | StepRun, f: () => Promise<T>): Promise<T> {
  return current.run(typeof run === 'string' ? newRun(run) : run, f);
}

// ---- The world: teams, agents, interactions.
const agentIds = Array.from({ length: nAgents }, (_, i) => `agent-${String(i).padStart(3, '0')}`);
const teamSize = Math.floor(nAgents / TEAMS);
/** One agent in seven of each team takes chats only, the others calls only: one slot each. */
const isChatAgent = (i: number) => (i % teamSize) % 7 === 0;
const capacities = new Map<string, Capacity>(agentIds.map((id, i) => [id, isChatAgent(i) ? { voice: 0, chat: 1 } : { voice: 1, chat: 0 }]));
const teams: Record<string, TeamSettings> = {};
for (let t = 0; t < TEAMS; t++) {
  const own = agentIds.slice(t * teamSize, t === TEAMS - 1 ? nAgents : (t + 1) * teamSize);
  const next = agentIds.slice(((t + 1) % TEAMS) * teamSize).slice(0, Math.ceil(teamSize / 10));
  teams[`team-${t}`] = {
    id: `team-${t}`,
    strategy: t === TEAMS - 1 ? 'roundrobin' : 'longestidle', // not ringall: one agent per offer
    members: [...own, ...next],
    offerSeconds: 60,
    wrapUpSeconds: 0,
  };
}
const inTwoTeams = agentIds.filter((a) => Object.values(teams).filter((t) => t.members.includes(a)).length > 1).length;
const settings: RoutingSettings = {
  teams,
  capacity: (id) => capacities.get(id) ?? { voice: 0, chat: 0 },
  autoPauseAfterMissed: 3,
  defaultHandleSeconds: 180,
};
const mix = Array.from({ length: nInteractions }, () => ({
  team: `team-${Math.floor(random() * TEAMS)}`,
  channel: (random() < 0.15 ? 'chat' : 'call') as Channel,
  premium: random() < 0.05,
}));

for (const t of Object.values(teams))
  for (const slot of ['voice', 'chat'] as const)
    if (!t.members.some((m) => settings.capacity(m)[slot] > 0))
      throw new Error(`${t.id} has nobody for ${slot}: its queue would never drain`);

type Summary = { n: number; p50: number; p95: number; p99: number; max: number };
const summary = (xs: number[]): Summary => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s.at(-1) ?? NaN };
};
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : '-');
const line = (x: Summary) => `p50 ${ms(x.p50)}, p95 ${ms(x.p95)}, p99 ${ms(x.p99)}, max ${ms(x.max)} ms`;

const prefix = `bench-routing-${randomBytes(6).toString('hex')}`;
const redis = new Redis(args.redis, { lazyConnect: true });
const log = pino({ level: 'warn' });
const cleanups: (() => Promise<void> | void)[] = [];
let connected = false;

/** The keys matching `pattern`, by SCAN (KEYS would block a Redis others are using). */
async function scanKeys(client: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

async function deleteKeys(client: Redis): Promise<number> {
  const keys = await scanKeys(client, `${prefix}:*`);
  let n = 0;
  for (let i = 0; i < keys.length; i += 500) n += await client.unlink(...keys.slice(i, i + 500));
  return n;
}

async function measure() {
  const startedAt = new Date().toISOString();
  /** Other work on the machine shows in the tails: the 1-minute load average at the start says how much. */
  const load1 = loadavg()[0] ?? NaN;
  await redis.connect();
  connected = true;
  const info = await redis.info('server');
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
  const redisPid = Number(/process_id:(\d+)/.exec(info)?.[1]) || undefined;
  const store = new ProfiledStore(redis, prefix);
  const core = new RoutingCore(store, settings, Date.now, log);
  const calls = mix.filter((m) => m.channel === 'call').length;
  say(
    `routing core on Redis ${redisVersion} (${args.redis}, prefix ${prefix}); Node ${process.version}, ${cpus().length} cores, load ${load1.toFixed(2)}\n` +
      `${nAgents} agents (${agentIds.filter((_, i) => isChatAgent(i)).length} chat-only, one slot each) in ${TEAMS} teams, ${inTwoTeams} in two; ` +
      `${nInteractions} interactions (${calls} calls, ${nInteractions - calls} chats, ${mix.filter((m) => m.premium).length} premium); ` +
      `talk time exponential, mean ${talkMs} ms; sweep every ${SWEEP_EVERY_MS} ms`,
  );

  // Enqueue everything while nobody is logged in: the queues are long when agents start.
  const enqueueMs: number[] = [];
  const tEnqueue = performance.now();
  for (const m of mix) {
    const t0 = performance.now();
    await stepped('enqueue', () => core.enqueue({ channel: m.channel, team: m.team, priority: m.premium ? 'premium' : 'normal' }));
    enqueueMs.push(performance.now() - t0);
  }
  const enqueue = { ...summary(enqueueMs), wallS: (performance.now() - tEnqueue) / 1000 };
  say(`enqueued ${nInteractions} in ${enqueue.wallS.toFixed(1)} s: ${line(enqueue)}`);

  // The simulated agents, driven by the events a real console hears.
  /** Agent → the finish() that freed it, until its next offer is heard. */
  const freeSince = new Map<string, StepRun>();
  const freeToOffer: number[] = [];
  /** The same, only where the agent's own finish() made the offer (the others: the step that did). */
  const ownFinishToOffer: number[] = [];
  const laterStep = new Map<string, number[]>();
  const freeToReturn: number[] = [];
  const problems: string[] = [];
  let offers = 0;
  let accepted = 0;
  let finished = 0;
  let finish!: () => void;
  let fail!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => ((finish = res), (fail = rej)));

  const work = async (agent: string, ix: Interaction, offerId: string) => {
    if (!(await stepped('accept', () => core.accept(ix.id, agent, offerId)))) throw new Error(`${agent} could not accept ${ix.id}`);
    accepted += 1;
    const talk = talkMs > 0 ? -Math.log(1 - random()) * talkMs : 0;
    if (talk > 0) await new Promise((r) => setTimeout(r, talk));
    const run = newRun('finish');
    freeSince.set(agent, run);
    await stepped(run, () => core.finish(ix.id));
    freeToReturn.push(performance.now() - run.calledAt);
    if ((finished += 1) === nInteractions) finish();
    else if (finished % Math.ceil(nInteractions / 10) === 0) say(`  ${finished} finished`);
  };
  const unsubscribe = await subscribeRouting(redis, store.eventsChannel, log, (e) => {
    if (e.type !== 'offer') return;
    const heard = performance.now();
    offers += 1;
    if (e.offer.agents.length !== 1) problems.push(`offer ${e.offer.id} to ${e.offer.agents.length} agents`);
    const agent = e.offer.agents[0]!;
    const freedBy = freeSince.get(agent);
    const madeBy = offerMadeBy.get(e.offer.id);
    offerMadeBy.delete(e.offer.id);
    if (freedBy) {
      const wait = heard - freedBy.calledAt;
      freeToOffer.push(wait);
      if (madeBy === freedBy) ownFinishToOffer.push(wait);
      else laterStep.set(madeBy?.step ?? '?', [...(laterStep.get(madeBy?.step ?? '?') ?? []), wait]);
      freeSince.delete(agent);
    }
    work(agent, e.interaction, e.offer.id).catch((err: Error) => fail(err));
  });
  cleanups.push(unsubscribe);

  const cpu0 = { node: nodeCpuMs(), redis: processCpuMs(redisPid) ?? NaN };
  const lockHeld0 = lockHeldMs;
  const tRun = performance.now();
  let sweeping: Promise<void> = Promise.resolve();
  const sweeper = setInterval(() => {
    sweeping = stepped('sweep', () => core.sweep()).catch((err: Error) => fail(err));
  }, SWEEP_EVERY_MS);
  let seen = -1;
  let seenAt = performance.now();
  const watchdog = setInterval(() => {
    if (finished !== seen) [seen, seenAt] = [finished, performance.now()];
    else if (performance.now() - seenAt > STALL_MS)
      fail(new Error(`stalled: ${finished}/${nInteractions} finished, ${accepted} accepted, ${offers} offers`));
  }, 1000);
  cleanups.push(
    () => clearInterval(sweeper),
    () => clearInterval(watchdog),
  );

  for (const a of agentIds) await core.setChatReady(a, true);
  for (const a of agentIds) await stepped('setPresence', () => core.setPresence(a, 'available'));
  await done;
  const wallS = (performance.now() - tRun) / 1000;
  clearInterval(sweeper);
  await sweeping;
  const cpu = { node: nodeCpuMs() - cpu0.node, redis: (processCpuMs(redisPid) ?? NaN) - cpu0.redis };
  const lockBusy = (lockHeldMs - lockHeld0) / 1000 / wallS;

  // The end state: everything handled, nothing left behind.
  const left = {
    interactions: (await scanKeys(redis, store.key('ix', '*'))).length,
    queued: (await Promise.all(Object.keys(teams).map((t) => redis.zcard(store.key('queue', t))))).reduce((a, b) => a + b, 0),
    offers: await redis.zcard(store.key('offers')),
  };
  if (left.interactions || left.queued || left.offers) problems.push(`left behind: ${JSON.stringify(left)}`);
  if (freeToOffer.length + freeSince.size !== finished)
    problems.push(`${freeToOffer.length} offers + ${freeSince.size} idle ≠ ${finished}`);
  if (freeSince.size > nAgents) problems.push(`${freeSince.size} frees not followed by an offer`);

  // Baseline, same shape: the round trips a finish() makes before its offer is out (lock, reads,
  // commits; not the release), as bare PINGs, the last one a PUBLISH heard on a subscriber.
  const finishStats = statsOf('finish');
  const tripsToOffer = Math.max(1, Math.round(finishStats.roundTrips / Math.max(1, finishStats.n)) - 1);
  const listener = redis.duplicate();
  cleanups.push(() => listener.disconnect());
  const channel = `${prefix}:bench:baseline`;
  await listener.subscribe(channel);
  let heard: () => void = () => undefined;
  listener.on('message', () => heard());
  const baselineMs: number[] = [];
  const pingMs: number[] = [];
  for (let i = 0; i < Math.min(2000, nInteractions); i++) {
    const t0 = performance.now();
    for (let k = 1; k < tripsToOffer; k++) {
      const p0 = performance.now();
      await redis.ping();
      pingMs.push(performance.now() - p0);
    }
    const got = new Promise<void>((r) => (heard = r));
    await redis.publish(channel, String(i));
    await got;
    baselineMs.push(performance.now() - t0);
  }

  const offer = summary(freeToOffer);
  const baseline = { roundTrips: tripsToOffer, ...summary(baselineMs), pingP50: summary(pingMs).p50 };
  const result = {
    startedAt,
    machine: { cores: cpus().length, load1, node: process.version, redis: redisVersion },
    settings: {
      agents: nAgents,
      interactions: nInteractions,
      teams: TEAMS,
      inTwoTeams,
      talkMs,
      seed: Number(args.seed),
      sweepMs: SWEEP_EVERY_MS,
    },
    enqueue,
    run: {
      wallS,
      interactionsPerS: finished / wallS,
      routingStepsPerS: (offers + accepted + finished) / wallS,
      lockBusy,
      cpuCores: { node: cpu.node / 1000 / wallS, redis: cpu.redis / 1000 / wallS },
    },
    freeToOffer: offer,
    ownFinishToOffer: summary(ownFinishToOffer),
    offeredByLaterStep: Object.fromEntries([...laterStep].map(([step, xs]) => [step, summary(xs)])),
    freeToFinishReturned: summary(freeToReturn),
    freedWithNothingWaiting: freeSince.size,
    baseline,
    ratio: { p50: offer.p50 / baseline.p50, p99: offer.p99 / baseline.p99 },
    target: { p99Ms: TARGET_P99_MS, pass: offer.p99 <= TARGET_P99_MS },
    profile: Object.fromEntries([...profile].map(([step, s]) => [step, profileOf(s)])),
    problems,
  };
  return result;
}

function profileOf(s: StepStats) {
  const heldMean = s.heldMs.reduce((a, b) => a + b, 0) / s.n;
  const calls = [...s.calls].sort((a, b) => b[1].ms - a[1].ms);
  const inCalls = calls.reduce((t, [, c]) => t + c.ms, 0) / s.n;
  return {
    n: s.n,
    waitMs: summary(s.waitMs),
    acquireMeanMs: s.acquireMs / s.n,
    heldMs: { ...summary(s.heldMs), mean: heldMean },
    releaseMeanMs: s.releaseMs / s.n,
    roundTrips: s.roundTrips / s.n,
    calls: Object.fromEntries(
      calls.map(([name, c]) => [name, { perStep: c.n / s.n, meanMs: c.ms / c.n, keys: c.items / c.n, shareOfHeld: c.ms / s.n / heldMean }]),
    ),
    /** Inside the lock but in no store call: the core's own JavaScript (planOffers, building the MULTI). */
    jsMs: heldMean - inCalls,
  };
}

type Result = Awaited<ReturnType<typeof measure>>;

function report(r: Result): void {
  const { run, baseline: b } = r;
  say(
    `run: ${r.freeToFinishReturned.n} interactions offered, accepted and finished in ${run.wallS.toFixed(1)} s: ` +
      `${run.interactionsPerS.toFixed(1)} interactions/s (${run.routingStepsPerS.toFixed(0)} offers+accepts+finishes/s); ` +
      `routing lock held ${(100 * run.lockBusy).toFixed(0)} % of the time (~${(run.interactionsPerS / run.lockBusy).toFixed(0)} interactions/s ` +
      `if it were always held); CPU: node ${run.cpuCores.node.toFixed(2)}, redis ${run.cpuCores.redis.toFixed(2)} cores`,
  );
  say(`agent free → offer heard (pub/sub), n=${r.freeToOffer.n}: ${line(r.freeToOffer)}`);
  say(`  made by the agent's own finish(), n=${r.ownFinishToOffer.n}: ${line(r.ownFinishToOffer)}`);
  for (const [step, x] of Object.entries(r.offeredByLaterStep))
    say(`  made by a later ${step}(), n=${x.n}: ${line(x)} (the agent's finish() found nothing for it in the waiting it read)`);
  say(`agent free → finish() returned: ${line(r.freeToFinishReturned)}`);
  say(`  (${r.freedWithNothingWaiting} frees, the agents' last, had nothing left to offer)`);
  say(`baseline: ${b.roundTrips - 1} PINGs + a PUBLISH heard, bare: ${line(b)}; one PING p50 ${ms(b.pingP50)} ms`);
  say(`ratio free→offer ÷ baseline: p50 ×${r.ratio.p50.toFixed(1)}, p99 ×${r.ratio.p99.toFixed(1)}`);
  say(`target free→offer p99 ≤ ${TARGET_P99_MS} ms: ${ms(r.freeToOffer.p99)} ms ${r.target.pass ? 'PASS' : 'FAIL'}`);
  say('where the time goes, per locked step (wait = queued + SET NX; held = inside the lock):');
  for (const [step, p] of Object.entries(r.profile)) {
    say(
      `  ${step.padEnd(11)} n=${String(p.n).padStart(5)}  wait p50 ${ms(p.waitMs.p50)} p99 ${ms(p.waitMs.p99)} (SET NX ${ms(p.acquireMeanMs)})  ` +
        `held p50 ${ms(p.heldMs.p50)} p99 ${ms(p.heldMs.p99)} mean ${ms(p.heldMs.mean)}  release ${ms(p.releaseMeanMs)}  round trips ${p.roundTrips.toFixed(1)}`,
    );
    const pct = (share: number) => `${(100 * share).toFixed(0)} % of held`;
    for (const [name, c] of Object.entries(p.calls))
      say(
        `      ${name.padEnd(32)} ${c.perStep.toFixed(2)}/step  ${ms(c.meanMs)} ms each${c.keys > 1.5 ? ` ×${c.keys.toFixed(0)} keys` : ''}  ${pct(c.shareOfHeld)}`,
      );
    say(`      ${'JS between the calls'.padEnd(32)} ${ms(p.jsMs)} ms/step  ${pct(p.jsMs / p.heldMs.mean)}`);
  }
}

let cleaning: Promise<void> | undefined;
const cleanUp = () => (cleaning ??= removeEverything());

async function removeEverything(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c();
  // The core's connection goes first: a step still under way (interrupted run) cannot write again
  // once the keys are gone. The keys are removed on a connection of their own.
  redis.disconnect();
  if (!connected) return;
  const admin = new Redis(args.redis);
  try {
    const n = await deleteKeys(admin);
    (args.json ? process.stderr : process.stdout).write(`removed ${n} Redis keys under ${prefix}:\n`);
  } finally {
    admin.disconnect();
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const result = await measure();
  report(result);
  for (const p of result.problems) say(`ERROR (measurement not valid): ${p}`);
  if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (result.problems.length) process.exitCode = 2;
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanUp().catch((err) => console.error('clean-up failed:', err)));
