/**
 * The supervisors' history: the routing statistics per hour or day and per agent, shaped for the
 * console's charts, and the same figures as CSV (French spreadsheet conventions: `;` between
 * fields, decimal comma, UTF-8 with a BOM so Excel reads the accents).
 */
import type { AgentStats, DayTeamStats } from '../routing/stats.ts';

export interface HistoryPoint {
  /** The hour (`YYYY-MM-DDTHH:00`) or day (`YYYY-MM-DD`), local to the company. */
  at: string;
  queued: number;
  answered: number;
  abandoned: number;
  avgWaitSeconds: number | null;
  serviceLevel: number | null;
}

/** One point per period, summed over teams (or the one asked for); averages weighted by what they average. */
export function historyPoints(rows: readonly DayTeamStats[], team?: string): HistoryPoint[] {
  const byPeriod = new Map<string, DayTeamStats[]>();
  for (const r of rows) if (!team || r.team === team) byPeriod.set(r.day, [...(byPeriod.get(r.day) ?? []), r]);
  return [...byPeriod.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([at, rs]) => {
      const sum = (f: (r: DayTeamStats) => number) => rs.reduce((n, r) => n + f(r), 0);
      const answered = sum((r) => r.answered);
      const abandoned = sum((r) => r.abandoned);
      const waited = sum((r) => (r.avgWaitSeconds ?? 0) * r.answered);
      const withinLevel = sum((r) => (r.serviceLevel ?? 0) * (r.answered + r.abandoned));
      return {
        at,
        queued: sum((r) => r.queued),
        answered,
        abandoned,
        avgWaitSeconds: answered ? waited / answered : null,
        serviceLevel: answered + abandoned ? withinLevel / (answered + abandoned) : null,
      };
    });
}

const cell = (v: string | number | null) => {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2).replace('.', ',');
  return /[;"\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};
const csv = (rows: (string | number | null)[][]) => '\uFEFF' + rows.map((r) => r.map(cell).join(';')).join('\r\n') + '\r\n';

/** Per team and period, then per agent, in one file. */
export function historyCsv(rows: readonly DayTeamStats[], agents: readonly (AgentStats & { name: string })[], team?: string): string {
  const teamRows = rows
    .filter((r) => !team || r.team === team)
    .map((r) => [
      r.day,
      r.team,
      r.queued,
      r.answered,
      r.abandoned,
      r.abandonRate,
      r.avgWaitSeconds,
      r.p90WaitSeconds,
      r.serviceLevel,
      r.avgHandleSeconds,
    ]);
  return csv([
    [
      'période',
      'équipe',
      'reçus',
      'répondus',
      'abandonnés',
      "taux d'abandon",
      'attente moyenne (s)',
      'attente p90 (s)',
      'niveau de service',
      'durée moyenne (s)',
    ],
    ...teamRows,
    [],
    ['conseiller', 'identifiant', 'traités', 'durée moyenne (s)', 'temps de décroché moyen (s)'],
    ...agents.map((a) => [a.name, a.agent, a.handled, a.avgHandleSeconds, a.avgAnswerSeconds]),
  ]);
}
