/**
 * The routing core on the real Redis, as its integration tests drive it: a key prefix per test, a
 * pinned clock moved by hand, the events heard, several cores (Relais processes) on one state, and
 * the small verbs tests are written in.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { expect } from 'vitest';
import { RoutingCore, type NewInteraction, type RoutingSettings, type TeamSettings } from '../../routing/core.ts';
import { subscribeRouting, type RoutingEvent } from '../../routing/events.ts';
import type { Capacity, Offer, RoutingStep } from '../../routing/model.ts';
import { RoutingStore } from '../../routing/store.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
export const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const log = pino({ level: 'silent' });

export const capacities: Record<string, Capacity> = {
  alice: { voice: 1, chat: 3 },
  bob: { voice: 1, chat: 0 }, // phone only
  carol: { voice: 1, chat: 2 }, // in both teams
  dave: { voice: 1, chat: 3 },
  erin: { voice: 1, chat: 3 },
};
export const everyone = Object.keys(capacities);

export function settings(patch: { sales?: Partial<TeamSettings>; technical?: Partial<TeamSettings> } = {}): RoutingSettings {
  const team = (id: string, over: Partial<TeamSettings>): TeamSettings => ({
    id,
    strategy: 'longestidle',
    members: [],
    offerSeconds: 20,
    wrapUpSeconds: 10,
    ...over,
  });
  return {
    teams: {
      sales: team('sales', { members: ['alice', 'bob', 'carol'], ...patch.sales }),
      technical: team('technical', { strategy: 'ringall', members: ['carol', 'dave', 'erin'], ...patch.technical }),
    },
    capacity: (id) => capacities[id] ?? { voice: 0, chat: 0 },
    autoPauseAfterMissed: 3,
    defaultHandleSeconds: 180,
  };
}

/** One test's world: a key prefix, a clock, the events heard, and Relais processes sharing them. */
export class Harness {
  readonly prefix = `test-routing-${randomUUID()}`;
  readonly redis = new Redis(REDIS_URL);
  readonly events: RoutingEvent[] = [];
  private now = T0;
  private readonly connections = new Map<RoutingCore, Redis>();
  private unsubscribe?: () => Promise<void>;

  async listen(): Promise<void> {
    this.unsubscribe = await subscribeRouting(this.redis, this.key('events'), log, (e) => this.events.push(e));
  }

  key(...parts: string[]): string {
    return [this.prefix, 'routing', ...parts].join(':');
  }

  clock = (): number => this.now;

  advance(seconds: number): void {
    this.now += seconds * 1000;
  }

  /** A routing core on its own Redis connection, as in another Relais process. */
  process(s: RoutingSettings = settings()): RoutingCore {
    const connection = new Redis(REDIS_URL);
    const core = new RoutingCore(new RoutingStore(connection, this.prefix), s, this.clock, log);
    this.connections.set(core, connection);
    return core;
  }

  stop(core: RoutingCore): void {
    this.connections.get(core)?.disconnect();
    this.connections.delete(core);
  }

  /** The first event of this type matching `match`, waiting up to 3 s for it. */
  async event<T extends RoutingEvent['type']>(
    type: T,
    match: (e: Extract<RoutingEvent, { type: T }>) => boolean,
    what: string,
  ): Promise<Extract<RoutingEvent, { type: T }>> {
    let found: Extract<RoutingEvent, { type: T }> | undefined;
    await until(what, () => {
      found = this.events.find(
        (e): e is Extract<RoutingEvent, { type: T }> => e.type === type && match(e as Extract<RoutingEvent, { type: T }>),
      );
      return found !== undefined;
    });
    return found!;
  }

  /** Every event published so far has been heard (pub/sub keeps the order of publication). */
  async eventsSettled(): Promise<void> {
    const marker = { type: 'test-marker', id: randomUUID() };
    await this.redis.publish(this.key('events'), JSON.stringify(marker));
    await until('the events published so far', () => this.events.some((e) => (e as unknown as typeof marker).id === marker.id));
  }

  async journal(): Promise<JournalRow[]> {
    const entries = await this.redis.xrange(this.key('journal'), '-', '+');
    return entries.map(([, fields]) => {
      const f = Object.fromEntries(pairs(fields));
      return { step: f.step as RoutingStep, interaction: f.interaction!, agent: f.agent || undefined, data: JSON.parse(f.data ?? '{}') };
    });
  }

  async steps(interactionId: string): Promise<RoutingStep[]> {
    return (await this.journal()).filter((r) => r.interaction === interactionId).map((r) => r.step);
  }

  async close(): Promise<void> {
    await this.unsubscribe?.();
    for (const c of this.connections.values()) c.disconnect();
    const keys: string[] = [];
    for (let cursor = '0'; ;) {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 500);
      keys.push(...batch);
      cursor = next;
      if (cursor === '0') break;
    }
    if (keys.length) await this.redis.del(...keys);
    this.redis.disconnect();
  }
}

export interface JournalRow {
  step: RoutingStep;
  interaction: string;
  agent?: string;
  data: { agents?: string[]; to?: string };
}

function pairs(fields: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) out.push([fields[i]!, fields[i + 1]!]);
  return out;
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The small verbs tests are written in, over the harness of the test running now. */
export function routingVerbs(harness: () => Harness) {
  const call = (core: RoutingCore, id: string, over: Partial<NewInteraction> = {}) =>
    core.enqueue({ id, channel: 'call', team: 'sales', ...over });

  async function login(core: RoutingCore, ...agents: string[]): Promise<void> {
    for (const a of agents) {
      await core.setChatReady(a, true); // their chat page is open
      await core.setPresence(a, 'available');
    }
  }

  /** The offer ringing for this agent now, if any. */
  async function ringing(core: RoutingCore, agentId: string): Promise<Offer | undefined> {
    const [id] = (await core.agent(agentId)).offered;
    return id ? (await core.interaction(id))?.offer : undefined;
  }

  /** Who the interaction is offered to now ([] when it is not). */
  async function offeredTo(core: RoutingCore, interactionId: string): Promise<string[]> {
    return (await core.interaction(interactionId))?.offer?.agents ?? [];
  }

  /** The agent answers what rings for them; returns the interaction's id. */
  async function answer(core: RoutingCore, agentId: string): Promise<string> {
    const offer = await ringing(core, agentId);
    expect(offer, `an offer ringing for ${agentId}`).toBeDefined();
    expect(await core.accept(offer!.interactionId, agentId, offer!.id)).toBe(true);
    return offer!.interactionId;
  }

  async function expire(core: RoutingCore, seconds = 20): Promise<void> {
    harness().advance(seconds);
    await core.sweep();
  }

  return { call, login, ringing, offeredTo, answer, expire };
}
