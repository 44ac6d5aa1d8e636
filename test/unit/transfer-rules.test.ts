/** The routing core's rules for passing an interaction on, as plain functions over data. */
import { describe, expect, it } from 'vitest';
import type { Agent, Interaction } from '../../routing/model.ts';
import {
  afterConversation,
  colleagueRefusal,
  consultRefusal,
  holderRefusal,
  teamRefusal,
  triedAfterTransfer,
} from '../../routing/transfer-rules.ts';

const NOW = Date.UTC(2025, 0, 6, 9, 0, 0);
const voice = { voice: 1, chat: 3 };

const agent = (id: string, over: Partial<Agent> = {}): Agent => ({
  id,
  presence: 'available',
  since: 0,
  idleSince: 0,
  missed: 0,
  active: {},
  offered: [],
  ...over,
});

const talking = (over: Partial<Interaction> = {}): Interaction => ({
  id: 'x',
  channel: 'call',
  team: 'sales',
  priority: 'normal',
  enqueuedAt: NOW - 60_000,
  state: 'assigned',
  agent: 'alice',
  tried: [],
  meta: {},
  ...over,
});

describe('afterConversation', () => {
  it('puts an agent who ends or passes on a call in wrap-up, their slot free', () => {
    expect(afterConversation(agent('alice', { active: { call: 1 } }), { id: 'ix', channel: 'call' }, 10, NOW)).toMatchObject({
      presence: 'wrapup',
      since: NOW,
      wrapUntil: NOW + 10_000,
      active: { call: 0 },
    });
  });

  it('leaves an agent free at once after a chat, with no wrap-up time, or when paused meanwhile', () => {
    expect(afterConversation(agent('a', { active: { chat: 2 } }), { id: 'ix', channel: 'chat' }, 10, NOW)).toMatchObject({
      presence: 'available',
      idleSince: NOW,
      active: { chat: 1 },
    });
    expect(afterConversation(agent('a', { active: { call: 1 } }), { id: 'ix', channel: 'call' }, 0, NOW)).toMatchObject({ presence: 'available', idleSince: NOW });
    expect(afterConversation(agent('a', { presence: 'paused', active: { call: 1 } }), { id: 'ix', channel: 'call' }, 10, NOW)).toMatchObject({
      presence: 'paused',
    });
  });
});

describe('who may pass an interaction on, to whom', () => {
  it('only the agent who has it, once it is answered', () => {
    expect(holderRefusal(talking(), 'alice')).toBeUndefined();
    expect(holderRefusal(talking(), 'bob')).toBe('ROUTING_ERR_NOT_HOLDER');
    expect(holderRefusal(talking({ state: 'queued', agent: undefined }), 'alice')).toBe('ROUTING_ERR_NOT_HOLDER');
    expect(holderRefusal(undefined, 'alice')).toBe('ROUTING_ERR_NOT_HOLDER');
  });

  it.each([
    ['free', agent('bob'), undefined],
    ['themselves', agent('alice'), 'ROUTING_ERR_SAME_AGENT'],
    ['offline', agent('bob', { presence: 'offline' }), 'ROUTING_ERR_AGENT_UNAVAILABLE'],
    ['paused', agent('bob', { presence: 'paused' }), 'ROUTING_ERR_AGENT_UNAVAILABLE'],
    ['wrapping up', agent('bob', { presence: 'wrapup' }), 'ROUTING_ERR_AGENT_UNAVAILABLE'],
    ['on a call', agent('bob', { active: { call: 1 } }), 'ROUTING_ERR_AGENT_UNAVAILABLE'],
    ['on a callback', agent('bob', { active: { callback: 1 } }), 'ROUTING_ERR_AGENT_UNAVAILABLE'],
    ['ringing for another', agent('bob', { offered: ['y'] }), 'ROUTING_ERR_AGENT_UNAVAILABLE'],
    ['in two chats (a call fits beside them)', agent('bob', { active: { chat: 2 } }), undefined],
  ])('a colleague %s: %s', (_, colleague, refusal) => {
    expect(colleagueRefusal(talking(), 'alice', colleague, voice)).toBe(refusal);
    expect(consultRefusal(talking(), 'alice', colleague, voice)).toBe(refusal);
  });

  it('during a consultation, only to the colleague consulted (whose slot it already holds)', () => {
    const consulting = talking({ consult: { agent: 'bob', since: NOW } });
    expect(colleagueRefusal(consulting, 'alice', agent('bob', { active: { call: 1 } }), voice)).toBeUndefined();
    expect(colleagueRefusal(consulting, 'alice', agent('carol'), voice)).toBe('ROUTING_ERR_CONSULTING');
    expect(consultRefusal(consulting, 'alice', agent('carol'), voice)).toBe('ROUTING_ERR_CONSULTING');
    expect(teamRefusal(consulting, 3)).toBe('ROUTING_ERR_CONSULTING');
  });

  it('to a team, when someone of it is logged in', () => {
    expect(teamRefusal(talking(), 1)).toBeUndefined();
    expect(teamRefusal(talking(), 0)).toBe('ROUTING_ERR_NOBODY_LOGGED_IN');
  });

  it('offers it first to others than the agent who let it go, when they are of the team', () => {
    expect(triedAfterTransfer(['alice', 'bob'], 'alice')).toEqual(['alice']);
    expect(triedAfterTransfer(['carol', 'dave'], 'alice')).toEqual([]);
  });
});
