/**
 * The routing core's pure decisions: queue order, who can take what, strategies, offers, waits.
 */
import { describe, expect, it } from 'vitest';
import type { Agent, Capacity, Channel, Interaction, Priority, Strategy, TeamRouting } from '../../routing/model.ts';
import { canTake, estimateWaitMinutes, orderAgents, planOffers, queueScore, staffed } from '../../routing/planner.ts';

const NOW = Date.UTC(2025, 0, 6, 9, 0, 0);

const agent = (id: string, over: Partial<Agent> = {}): Agent => ({
  chatReady: true,
  id,
  presence: 'available',
  since: 0,
  idleSince: 0,
  missed: 0,
  active: {},
  offered: [],
  ...over,
});

const waiting = (id: string, over: Partial<Interaction> = {}): Interaction => ({
  id,
  channel: 'call',
  team: 'sales',
  priority: 'normal',
  enqueuedAt: NOW,
  state: 'queued',
  tried: [],
  meta: {},
  ...over,
});

const team = (strategy: Strategy, members: readonly string[] = ['a', 'b', 'c']): TeamRouting => ({
  id: 'sales',
  strategy,
  members,
  offerSeconds: 20,
  wrapUpSeconds: 10,
});

const oneCallThreeChats: Capacity = { voice: 1, chat: 3 };
const phoneOnly: Capacity = { voice: 1, chat: 0 };

/** The planned offers as [interaction, agents] pairs, the form the assertions read best in. */
function plan(strategy: Strategy, queue: Interaction[], agents: Agent[], opts: { lastAnswered?: string; capacity?: Capacity } = {}) {
  let n = 0;
  const offers = planOffers({
    team: team(strategy),
    queue,
    agents,
    capacity: () => opts.capacity ?? oneCallThreeChats,
    now: NOW,
    lastAnswered: opts.lastAnswered,
    newOfferId: () => `offer-${++n}`,
  });
  return offers.map((o) => [o.interactionId, o.agents]);
}

const ids = (agents: Agent[]) => agents.map((a) => a.id);

describe('queueScore', () => {
  const inOrder = (entries: [string, Priority, number][]) =>
    [...entries].sort((x, y) => queueScore(x[1], x[2]) - queueScore(y[1], y[2])).map(([name]) => name);

  it('puts a premium customer ahead of normal ones who came earlier', () => {
    expect(queueScore('premium', NOW + 60_000)).toBeLessThan(queueScore('normal', NOW));
  });

  it('keeps first come, first served within a priority', () => {
    expect(queueScore('normal', NOW)).toBeLessThan(queueScore('normal', NOW + 1));
    expect(queueScore('premium', NOW)).toBeLessThan(queueScore('premium', NOW + 1));
  });

  it('orders a mixed queue: premium by arrival, then normal by arrival', () => {
    const queue: [string, Priority, number][] = [
      ['n1', 'normal', NOW],
      ['p2', 'premium', NOW + 3000],
      ['n2', 'normal', NOW + 1000],
      ['p1', 'premium', NOW + 2000],
    ];
    expect(inOrder(queue)).toEqual(['p1', 'p2', 'n1', 'n2']);
  });
});

describe('canTake', () => {
  it('lets an available agent with nothing in hand take any channel', () => {
    for (const channel of ['call', 'chat', 'video', 'callback'] as const)
      expect(canTake(agent('a'), channel, oneCallThreeChats)).toBe(true);
  });

  it('offers chats only to an agent whose chat page is open; calls whatever', () => {
    const phoneOnly = agent('a', { chatReady: false });
    expect(canTake(phoneOnly, 'chat', oneCallThreeChats)).toBe(false);
    expect(canTake(phoneOnly, 'call', oneCallThreeChats)).toBe(true);
    expect(canTake(agent('a', { chatReady: undefined }), 'chat', oneCallThreeChats)).toBe(false);
  });

  it.each(['paused', 'wrapup', 'offline'] as const)('refuses a %s agent', (presence) => {
    expect(canTake(agent('a', { presence }), 'call', oneCallThreeChats)).toBe(false);
    expect(canTake(agent('a', { presence }), 'chat', oneCallThreeChats)).toBe(false);
  });

  it('refuses an agent with an offer pending, even for a chat they would have room for', () => {
    const ringing = agent('a', { offered: ['ix-1'] });
    expect(canTake(ringing, 'call', oneCallThreeChats)).toBe(false);
    expect(canTake(ringing, 'chat', oneCallThreeChats)).toBe(false);
  });

  it('refuses a second conversation to an agent on a call, but lets them take a chat', () => {
    const onCall = agent('a', { active: { call: 1 } });
    expect(canTake(onCall, 'call', oneCallThreeChats)).toBe(false);
    expect(canTake(onCall, 'chat', oneCallThreeChats)).toBe(true);
  });

  it.each<[Channel, Channel]>([
    ['call', 'callback'],
    ['call', 'video'],
    ['callback', 'call'],
    ['video', 'callback'],
  ])('counts a %s and a %s in the same voice slot', (inHand, offered) => {
    expect(canTake(agent('a', { active: { [inHand]: 1 } }), offered, oneCallThreeChats)).toBe(false);
  });

  it('takes chats up to the chat capacity, which does not use the voice slot', () => {
    expect(canTake(agent('a', { active: { chat: 2 } }), 'chat', oneCallThreeChats)).toBe(true);
    expect(canTake(agent('a', { active: { chat: 3 } }), 'chat', oneCallThreeChats)).toBe(false);
    expect(canTake(agent('a', { active: { chat: 3 } }), 'call', oneCallThreeChats)).toBe(true);
  });

  it('never offers a chat to a phone-only agent', () => {
    expect(canTake(agent('a'), 'chat', phoneOnly)).toBe(false);
  });
});

describe('orderAgents', () => {
  it('longestidle: the agent free the longest first', () => {
    const agents = [agent('a', { idleSince: 300 }), agent('b', { idleSince: 100 }), agent('c', { idleSince: 200 })];
    expect(ids(orderAgents(team('longestidle'), agents))).toEqual(['b', 'c', 'a']);
  });

  it('longestidle: equally idle agents keep the configuration order, whatever order they come in', () => {
    const agents = [agent('c', { idleSince: 100 }), agent('b', { idleSince: 100 }), agent('a', { idleSince: 100 })];
    expect(ids(orderAgents(team('longestidle'), agents))).toEqual(['a', 'b', 'c']);
  });

  it('roundrobin: starts after the last agent who answered, wrapping round', () => {
    const agents = [agent('a'), agent('b'), agent('c')];
    expect(ids(orderAgents(team('roundrobin'), agents, 'b'))).toEqual(['c', 'a', 'b']);
    expect(ids(orderAgents(team('roundrobin'), agents, 'c'))).toEqual(['a', 'b', 'c']);
  });

  it('roundrobin: configuration order when nobody answered yet or the last one is unknown', () => {
    const agents = [agent('b'), agent('c'), agent('a')];
    expect(ids(orderAgents(team('roundrobin'), agents))).toEqual(['a', 'b', 'c']);
    expect(ids(orderAgents(team('roundrobin'), agents, 'someone-who-left'))).toEqual(['a', 'b', 'c']);
  });

  it('roundrobin: ignores how long agents have been idle', () => {
    const agents = [agent('a', { idleSince: 300 }), agent('b', { idleSince: 100 }), agent('c', { idleSince: 200 })];
    expect(ids(orderAgents(team('roundrobin'), agents, 'a'))).toEqual(['b', 'c', 'a']);
  });

  it('ringall: configuration order, whoever answered last', () => {
    const agents = [agent('c', { idleSince: 1 }), agent('a', { idleSince: 3 }), agent('b', { idleSince: 2 })];
    expect(ids(orderAgents(team('ringall'), agents, 'a'))).toEqual(['a', 'b', 'c']);
  });
});

describe('planOffers', () => {
  it('offers each interaction, in queue order, to one agent, best first', () => {
    const agents = [agent('a', { idleSince: 300 }), agent('b', { idleSince: 100 }), agent('c', { idleSince: 200 })];
    expect(plan('longestidle', [waiting('ix-1'), waiting('ix-2')], agents)).toEqual([
      ['ix-1', ['b']],
      ['ix-2', ['c']],
    ]);
  });

  it('makes no more offers than there are free agents', () => {
    const queue = [waiting('ix-1'), waiting('ix-2'), waiting('ix-3')];
    expect(plan('longestidle', queue, [agent('a'), agent('b', { presence: 'paused' })])).toEqual([['ix-1', ['a']]]);
  });

  it('roundrobin: the next interaction goes to the agent after the one who answered last', () => {
    expect(plan('roundrobin', [waiting('ix-1'), waiting('ix-2')], [agent('a'), agent('b'), agent('c')], { lastAnswered: 'a' })).toEqual([
      ['ix-1', ['b']],
      ['ix-2', ['c']],
    ]);
  });

  it('ringall: offers the head of the queue to every free agent at once, and nothing more', () => {
    const agents = [agent('a'), agent('b', { active: { call: 1 } }), agent('c')];
    expect(plan('ringall', [waiting('ix-1'), waiting('ix-2')], agents)).toEqual([['ix-1', ['a', 'c']]]);
  });

  it('offers a chat waiting behind a call to an agent on a call who has chat capacity', () => {
    const agents = [agent('a', { active: { call: 1 } }), agent('b', { active: { video: 1 } })];
    expect(plan('longestidle', [waiting('call-1'), waiting('chat-1', { channel: 'chat' })], agents)).toEqual([['chat-1', ['a']]]);
  });

  it('gives the call to the free agent and the chat behind it to the one already on a call', () => {
    const agents = [agent('a', { idleSince: 100, active: { call: 1 } }), agent('b', { idleSince: 200 })];
    expect(plan('longestidle', [waiting('call-1'), waiting('chat-1', { channel: 'chat' })], agents)).toEqual([
      ['call-1', ['b']],
      ['chat-1', ['a']],
    ]);
  });

  it('skips agents who missed or declined it in this round while another free agent has not been tried', () => {
    const agents = [agent('a', { idleSince: 100 }), agent('b', { idleSince: 200 }), agent('c', { idleSince: 300 })];
    expect(plan('longestidle', [waiting('ix-1', { tried: ['a'] })], agents)).toEqual([['ix-1', ['b']]]);
    expect(plan('longestidle', [waiting('ix-1', { tried: ['a', 'b'] })], agents)).toEqual([['ix-1', ['c']]]);
  });

  it('starts a new round, best agent first, once every free agent was tried', () => {
    const agents = [agent('a', { idleSince: 100 }), agent('b', { idleSince: 200 })];
    expect(plan('longestidle', [waiting('ix-1', { tried: ['b', 'a'] })], agents)).toEqual([['ix-1', ['a']]]);
  });

  it('still offers the next interaction to an agent who was tried on the one ahead of it', () => {
    const agents = [agent('a', { idleSince: 100 }), agent('b', { idleSince: 200 })];
    expect(plan('longestidle', [waiting('ix-1', { tried: ['a'] }), waiting('ix-2')], agents)).toEqual([
      ['ix-1', ['b']],
      ['ix-2', ['a']],
    ]);
  });

  it('ringall: rings the agents who were tried too', () => {
    expect(plan('ringall', [waiting('ix-1', { tried: ['a'] })], [agent('a'), agent('b')])).toEqual([['ix-1', ['a', 'b']]]);
  });

  it.each(['longestidle', 'roundrobin', 'ringall'] as const)('%s: nobody free gives no offer', (strategy) => {
    const agents = [
      agent('a', { presence: 'paused', reason: 'lunch' }),
      agent('b', { presence: 'offline' }),
      agent('c', { offered: ['elsewhere'] }),
      agent('d', { active: { call: 1 } }),
      agent('e', { presence: 'wrapup' }),
    ];
    expect(plan(strategy, [waiting('ix-1')], agents)).toEqual([]);
  });

  it('offers nothing when the queue is empty', () => {
    expect(plan('longestidle', [], [agent('a')])).toEqual([]);
  });

  it('gives each offer its own id and the team offer timeout', () => {
    let n = 0;
    const offers = planOffers({
      team: team('longestidle'),
      queue: [waiting('ix-1'), waiting('ix-2')],
      agents: [agent('a'), agent('b')],
      capacity: () => phoneOnly,
      now: NOW,
      newOfferId: () => `offer-${++n}`,
    });
    expect(offers).toEqual([
      { id: 'offer-1', interactionId: 'ix-1', agents: ['a'], expiresAt: NOW + 20_000 },
      { id: 'offer-2', interactionId: 'ix-2', agents: ['b'], expiresAt: NOW + 20_000 },
    ]);
  });
});

describe('staffed', () => {
  it('counts every logged-in agent, busy, paused or wrapping up, but not those offline', () => {
    const agents = [
      agent('a'),
      agent('b', { presence: 'paused' }),
      agent('c', { presence: 'wrapup' }),
      agent('d', { presence: 'offline' }),
      agent('e', { active: { call: 1 } }),
    ];
    expect(staffed(agents)).toBe(4);
    expect(staffed([])).toBe(0);
  });
});

describe('estimateWaitMinutes', () => {
  it('shares the handling time of those ahead between the agents working, rounded up to the minute', () => {
    expect(estimateWaitMinutes(3, 180, 2)).toBe(5); // 270 s
    expect(estimateWaitMinutes(2, 180, 2)).toBe(3); // 180 s exactly
    expect(estimateWaitMinutes(1, 61, 1)).toBe(2);
  });

  it('says at least one minute', () => {
    expect(estimateWaitMinutes(1, 10, 5)).toBe(1);
    expect(estimateWaitMinutes(0, 180, 1)).toBe(1);
  });

  it('counts nobody working as one agent instead of dividing by zero', () => {
    expect(estimateWaitMinutes(2, 120, 0)).toBe(4);
  });
});
