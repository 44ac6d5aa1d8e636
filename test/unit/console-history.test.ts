import { describe, expect, it } from 'vitest';
import { historyCsv, historyPoints } from '../../console/history.ts';
import type { DayTeamStats } from '../../routing/stats.ts';

const row = (day: string, team: string, over: Partial<DayTeamStats>): DayTeamStats => ({
  day,
  team,
  queued: 0,
  answered: 0,
  abandoned: 0,
  overflowed: 0,
  abandonRate: null,
  avgWaitSeconds: null,
  p90WaitSeconds: null,
  avgAnswerSeconds: null,
  serviceLevel: null,
  avgHandleSeconds: null,
  ...over,
});

describe('historyPoints', () => {
  const rows = [
    row('2026-11-24', 'sales', { queued: 10, answered: 8, abandoned: 2, avgWaitSeconds: 30, serviceLevel: 0.5 }),
    row('2026-11-24', 'technical', { queued: 4, answered: 2, abandoned: 2, avgWaitSeconds: 90, serviceLevel: 0 }),
    row('2026-11-23', 'sales', { queued: 1, answered: 1, avgWaitSeconds: 5, serviceLevel: 1 }),
  ];

  it('sums teams per period, oldest first, with averages weighted by what they average', () => {
    expect(historyPoints(rows)).toEqual([
      { at: '2026-11-23', queued: 1, answered: 1, abandoned: 0, avgWaitSeconds: 5, serviceLevel: 1 },
      // (8 × 30 + 2 × 90) / 10 answered; (0.5 × 10 + 0 × 4) / 14 answered or abandoned
      { at: '2026-11-24', queued: 14, answered: 10, abandoned: 4, avgWaitSeconds: 42, serviceLevel: 5 / 14 },
    ]);
  });

  it('keeps one team when asked, and gives null averages where nothing was answered', () => {
    expect(historyPoints(rows, 'technical')).toHaveLength(1);
    expect(historyPoints([row('2026-11-25', 'sales', { queued: 3, abandoned: 3, serviceLevel: 0 })])[0]).toMatchObject({
      avgWaitSeconds: null,
      serviceLevel: 0,
    });
    expect(historyPoints([row('2026-11-25', 'sales', { queued: 2 })])[0]!.serviceLevel).toBeNull();
  });
});

describe('historyCsv', () => {
  it('writes what a French spreadsheet opens: BOM, semicolons, decimal commas, quoted fields', () => {
    const csv = historyCsv(
      [row('2026-11-24', 'sales', { queued: 3, answered: 2, abandoned: 1, abandonRate: 1 / 3, avgWaitSeconds: 12.5 })],
      [{ agent: 'denis', name: 'Denis "DD"; Douc', handled: 2, avgHandleSeconds: 61.25, avgAnswerSeconds: null }],
    );
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[1]).toBe('2026-11-24;sales;3;2;1;0,33;12,50;;;');
    expect(lines[4]).toBe('"Denis ""DD""; Douc";denis;2;61,25;');
  });
});
