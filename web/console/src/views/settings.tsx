/** The configuration, read-only: teams and members, opening hours, holidays. */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { t } from '../texts.fr.ts';
import { act } from './common.tsx';

interface ConfigView {
  teams: { id: string; name: string; strategy: string; ringSeconds: number; members: { id: string; name: string }[] }[];
  hours: { timezone: string; weekly: Record<string, { from: string; to: string }[]>; publicHolidays: string; closedDays: string[] };
}

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

export function Settings() {
  const [c, setC] = useState<ConfigView | null>(null);
  useEffect(() => act(async () => setC(await api.get<ConfigView>('/api/console/config')))(), []);
  if (!c) return <section class="settings">…</section>;
  return (
    <section class="settings">
      <h1>{t.settingsTitle}</h1>
      <h2>{t.hours}</h2>
      <table>
        <tbody>
          {DAYS.map((d, i) => (
            <tr>
              <th>{t.weekdays[i]}</th>
              <td>{c.hours.weekly[d]?.map((r) => `${r.from}–${r.to}`).join(', ') || t.closed}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        {t.holidays} : {c.hours.publicHolidays} · {c.hours.timezone}
      </p>
      <p>
        {t.closedDays} : {c.hours.closedDays.join(', ') || t.none}
      </p>
      <h2>{t.team}</h2>
      <table>
        <thead>
          <tr>
            <th>{t.team}</th>
            <th>{t.strategy}</th>
            <th>{t.ringSeconds}</th>
            <th>{t.members}</th>
          </tr>
        </thead>
        <tbody>
          {c.teams.map((x) => (
            <tr>
              <td>{x.name}</td>
              <td>{x.strategy}</td>
              <td>{x.ringSeconds}</td>
              <td>{x.members.map((m) => m.name).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
