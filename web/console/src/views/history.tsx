/**
 * History for supervisors: volume, waits and abandons per hour or per day (uPlot charts), per
 * agent, for a period and a team; the same figures as CSV.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { HistoryPoint } from '../../../../console/history.ts';
import { api, qs } from '../api.ts';
import { boot } from '../state/session.ts';
import { percent, t } from '../texts.fr.ts';
import { act } from './common.tsx';

export interface HistoryAgent {
  agent: string;
  name: string;
  handled: number;
  avgHandleSeconds: number | null;
  avgAnswerSeconds: number | null;
}

interface HistoryAnswer {
  points: HistoryPoint[];
  agents: HistoryAgent[];
}

const today = () => new Date().toISOString().slice(0, 10);

export function History() {
  const [from, setFrom] = useState(() => new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10));
  const [to, setTo] = useState(today);
  const [by, setBy] = useState<'hour' | 'day'>('day');
  const [team, setTeam] = useState('');
  const [data, setData] = useState<HistoryAnswer | null>(null);
  const query = qs({ from, to, by, team });
  useEffect(() => act(async () => setData(await api.get<HistoryAnswer>(`/api/console/history${query}`)))(), [query]);
  const points = data?.points ?? [];
  const x = points.map((p) => Date.parse(p.at) / 1000);
  return (
    <section class="history">
      <header>
        <h1>{t.historyTitle}</h1>
        <label>
          {t.from} <input type="date" value={from} onChange={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t.to} <input type="date" value={to} onChange={(e) => setTo((e.target as HTMLInputElement).value)} />
        </label>
        <select aria-label={t.team} value={team} onChange={(e) => setTeam((e.target as HTMLSelectElement).value)}>
          <option value="">{t.all}</option>
          {boot().teams.map((x) => (
            <option value={x.id}>{x.name}</option>
          ))}
        </select>
        <select aria-label="Pas" value={by} onChange={(e) => setBy((e.target as HTMLSelectElement).value as 'hour' | 'day')}>
          <option value="day">{t.byDay}</option>
          <option value="hour">{t.byHour}</option>
        </select>
        <a class="button" href={`/api/console/history.csv${query}`} download>
          {t.exportCsv}
        </a>
      </header>
      <div class="charts">
        <Chart
          title={t.volume}
          by={by}
          x={x}
          series={[
            [t.queued, points.map((p) => p.queued), '#3451b2'],
            [t.answered, points.map((p) => p.answered), '#2e7d32'],
            [t.abandoned, points.map((p) => p.abandoned), '#c62828'],
          ]}
        />
        <Chart title={t.answerTimes} by={by} x={x} series={[[t.answerTimes, points.map((p) => p.avgWaitSeconds), '#6a1b9a']]} />
        <Chart
          title={t.abandonRate}
          by={by}
          x={x}
          series={[[t.abandonRate, points.map((p) => (p.queued ? (100 * p.abandoned) / p.queued : null)), '#c62828']]}
        />
      </div>
      <h2>{t.perAgent}</h2>
      <table class="per-agent">
        <thead>
          <tr>
            <th>{t.agents}</th>
            <th>{t.handled}</th>
            <th>{t.avgHandle}</th>
            <th>{t.avgPickUp}</th>
          </tr>
        </thead>
        <tbody>
          {(data?.agents ?? []).map((a) => (
            <tr>
              <td>{a.name}</td>
              <td>{a.handled}</td>
              <td>{a.avgHandleSeconds === null ? '—' : Math.round(a.avgHandleSeconds)}</td>
              <td>{a.avgAnswerSeconds === null ? '—' : Math.round(a.avgAnswerSeconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">
        {t.abandonRate} :{' '}
        {percent(
          points.reduce((n, p) => n + p.queued, 0)
            ? points.reduce((n, p) => n + p.abandoned, 0) / points.reduce((n, p) => n + p.queued, 0)
            : null,
        )}
      </p>
    </section>
  );
}

const dayLabel = new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit' });
const hourLabel = new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });

function Chart({
  title,
  by,
  x,
  series,
}: {
  title: string;
  by: 'hour' | 'day';
  x: number[];
  series: [string, (number | null)[], string][];
}) {
  const label = (seconds: number) => (by === 'hour' ? hourLabel : dayLabel).format(new Date(seconds * 1000));
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const plot = new uPlot(
      {
        title,
        width: 380,
        height: 200,
        series: [
          { label: by === 'hour' ? t.hour : t.day, value: (_u, v) => (v === null ? '—' : label(v)) },
          ...series.map(([name, , stroke]) => ({ label: name, stroke, width: 2, points: { show: x.length < 40 } })),
        ],
        axes: [{ values: (_u, splits) => splits.map(label) }, {}],
      },
      [x, ...series.map(([, values]) => values)] as uPlot.AlignedData,
      box.current,
    );
    return () => plot.destroy();
  }, [title, by, JSON.stringify(x), JSON.stringify(series.map((s) => s[1]))]);
  return <figure class="chart" ref={box} aria-label={title} />;
}
