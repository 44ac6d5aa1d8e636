/** Callbacks: scheduled, in progress, failed; call one now. */
import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../api.ts';
import { boot } from '../state/session.ts';
import { formatDateTime, t } from '../texts.fr.ts';
import { act } from './common.tsx';

interface CallbackRow {
  id: string;
  number: string;
  team: string;
  status: string;
  dueAt: string;
  attempts: number;
  maxAttempts: number;
  lastOutcome: string | null;
  name: string | null;
}

const FILTERS = ['', 'scheduled', 'queued', 'calling', 'failed', 'done'] as const;

export function Callbacks() {
  const [status, setStatus] = useState<string>('');
  const [rows, setRows] = useState<CallbackRow[] | null>(null);
  const load = () => act(async () => setRows(await api.get<CallbackRow[]>(`/api/callbacks${qs({ status })}`)))();
  useEffect(() => {
    load();
    const timer = setInterval(load, 10_000);
    return () => clearInterval(timer);
  }, [status]);
  const teamName = (id: string) => boot().teams.find((x) => x.id === id)?.name ?? id;
  return (
    <section class="callbacks">
      <header>
        <h1>{t.callbacksTitle}</h1>
        <select aria-label={t.status} value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
          {FILTERS.map((f) => (
            <option value={f}>{f ? t.callbackStatus[f] : t.all}</option>
          ))}
        </select>
      </header>
      <table>
        <thead>
          <tr>
            <th>{t.number}</th>
            <th>{t.name}</th>
            <th>{t.team}</th>
            <th>{t.status}</th>
            <th>{t.dueAt}</th>
            <th>{t.attempts}</th>
            <th>{t.lastOutcome}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(rows ?? []).map((r) => (
            <tr data-callback={r.id}>
              <td>{r.number}</td>
              <td>{r.name ?? ''}</td>
              <td>{teamName(r.team)}</td>
              <td>{t.callbackStatus[r.status] ?? r.status}</td>
              <td>{formatDateTime(r.dueAt)}</td>
              <td>
                {r.attempts}/{r.maxAttempts}
              </td>
              <td>{r.lastOutcome ? t.interactionOutcome(r.lastOutcome) : ''}</td>
              <td>
                {(r.status === 'scheduled' || r.status === 'failed') && (
                  <button onClick={act(async () => (await api.post(`/api/callbacks/${r.id}/call-now`), load()))}>{t.callNow}</button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows?.length === 0 && <p class="muted">{t.none}</p>}
    </section>
  );
}
