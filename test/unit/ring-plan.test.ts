import { describe, it, expect } from 'vitest';
import { ringPlan, type MemberStatus, type TeamRinging } from '../../routing/ring-plan.ts';

const free = (id: string, lastCallEndedAt = 0): MemberStatus => ({ id, reachable: true, busy: false, lastCallEndedAt });
const busy = (id: string): MemberStatus => ({ ...free(id), busy: true });
const unreachable = (id: string): MemberStatus => ({ ...free(id), reachable: false });

const team = (strategy: TeamRinging['strategy'], ringSeconds = 15, timeoutSeconds = 40): TeamRinging => ({
  strategy,
  ringSeconds,
  timeoutSeconds,
});

const order = (waves: { members: string[] }[]) => waves.map((w) => w.members);
const seconds = (waves: { seconds: number }[]) => waves.map((w) => w.seconds);

describe('ringall', () => {
  it('rings every free member at once, for the team timeout', () => {
    expect(ringPlan(team('ringall', 15, 60), [free('a'), free('b'), free('c')])).toEqual([{ members: ['a', 'b', 'c'], seconds: 60 }]);
  });

  it('skips unreachable and busy members', () => {
    const waves = ringPlan(team('ringall', 15, 60), [free('a'), unreachable('b'), busy('c'), free('d')]);
    expect(waves).toEqual([{ members: ['a', 'd'], seconds: 60 }]);
  });

  it('does not care who answered last', () => {
    expect(order(ringPlan(team('ringall'), [free('a'), free('b')], 'a'))).toEqual([['a', 'b']]);
  });
});

describe('nobody free', () => {
  it.each(['ringall', 'roundrobin', 'longestidle'] as const)('%s gives no wave', (strategy) => {
    expect(ringPlan(team(strategy), [busy('a'), unreachable('b')])).toEqual([]);
    expect(ringPlan(team(strategy), [])).toEqual([]);
  });
});

describe('roundrobin', () => {
  const members = [free('a'), free('b'), free('c')];

  it('starts after the last answerer and wraps round', () => {
    const waves = ringPlan(team('roundrobin', 10, 30), members, 'b');
    expect(order(waves)).toEqual([['c'], ['a'], ['b']]);
  });

  it('rings one person at a time, cycling until the team timeout, the last wave truncated', () => {
    const waves = ringPlan(team('roundrobin', 15, 40), members, 'c');
    expect(waves).toEqual([
      { members: ['a'], seconds: 15 },
      { members: ['b'], seconds: 15 },
      { members: ['c'], seconds: 10 },
    ]);
  });

  it('goes round the team again while time is left', () => {
    const waves = ringPlan(team('roundrobin', 10, 55), [free('a'), free('b')], 'a');
    expect(order(waves)).toEqual([['b'], ['a'], ['b'], ['a'], ['b'], ['a']]);
    expect(seconds(waves)).toEqual([10, 10, 10, 10, 10, 5]);
    expect(seconds(waves).reduce((s, x) => s + x, 0)).toBe(55);
  });

  it('starts with the first member in configuration order when the last answerer is unknown', () => {
    expect(order(ringPlan(team('roundrobin', 10, 30), members, 'someone-gone'))).toEqual([['a'], ['b'], ['c']]);
    expect(order(ringPlan(team('roundrobin', 10, 30), members))).toEqual([['a'], ['b'], ['c']]);
  });

  it('keeps its place in the rotation when the last answerer is now busy', () => {
    const waves = ringPlan(team('roundrobin', 10, 20), [free('a'), busy('b'), free('c'), free('d')], 'b');
    expect(order(waves)).toEqual([['c'], ['d']]);
  });

  it('skips busy and unreachable members in the rotation', () => {
    const waves = ringPlan(team('roundrobin', 10, 40), [free('a'), unreachable('b'), busy('c'), free('d')], 'a');
    expect(order(waves)).toEqual([['d'], ['a'], ['d'], ['a']]);
  });
});

describe('longestidle', () => {
  it('rings whoever has been idle the longest first', () => {
    const waves = ringPlan(team('longestidle', 10, 30), [free('a', 3_000), free('b', 1_000), free('c', 2_000)]);
    expect(order(waves)).toEqual([['b'], ['c'], ['a']]);
  });

  it('rings someone who never had a call (0) before anyone else', () => {
    const waves = ringPlan(team('longestidle', 10, 20), [free('a', 1_000), free('b', 0)]);
    expect(order(waves)).toEqual([['b'], ['a']]);
  });

  it('keeps configuration order between equal idle times', () => {
    const waves = ringPlan(team('longestidle', 10, 40), [free('d', 500), free('a', 500), free('c', 0), free('b', 0)]);
    expect(order(waves)).toEqual([['c'], ['b'], ['d'], ['a']]);
  });

  it('ignores the last answerer, skips busy members, and truncates the last wave', () => {
    const waves = ringPlan(team('longestidle', 15, 40), [free('a', 2_000), busy('b'), free('c', 1_000)], 'c');
    expect(waves).toEqual([
      { members: ['c'], seconds: 15 },
      { members: ['a'], seconds: 15 },
      { members: ['c'], seconds: 10 },
    ]);
  });
});
