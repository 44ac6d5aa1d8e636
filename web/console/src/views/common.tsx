/** Small pieces shared by the views. */
import { signal } from '@preact/signals';
import { now } from '../clock.ts';
import type { CustomerBadge } from '../../../../console/protocol.ts';
import { ApiFailure } from '../api.ts';
import { t } from '../texts.fr.ts';
import { boot } from '../state/session.ts';

export const secondsSince = (iso: string | number) => Math.max(0, Math.round((now.value - new Date(iso).getTime()) / 1000));

export function Tier({ tier }: { tier: CustomerBadge['tier'] }) {
  if (!tier) return null;
  return <span class={`tier tier-${tier}`}>{tier === 'premium' ? t.premium : t.basic}</span>;
}

export function Who({ c }: { c: CustomerBadge }) {
  return (
    <span class="who">
      <strong>{c.name ?? c.contact ?? t.unknownCustomer}</strong> <Tier tier={c.tier} />
      {c.name && c.contact && <span class="muted"> {c.contact}</span>}
    </span>
  );
}

export { now };

/** A failure as the person should read it. */
export function explain(err: unknown): string {
  if (err instanceof ApiFailure) return t.errors[err.code] ?? err.message;
  if (err instanceof Error && err.name === 'MicrophoneUnavailable') return t.micDenied;
  return err instanceof Error ? err.message : String(err);
}

/** Runs an action from a click, showing its failure in the status line. */
export const status = signal<string | null>(null);
export function act(f: () => Promise<unknown>): () => void {
  return () => {
    status.value = null;
    f().catch((err) => (status.value = t.failed(explain(err))));
  };
}

/** A colleague (`agent:<id>`) or a team (`team:<id>`) to pass an interaction to. */
export function TargetSelect({ label, value, onChange }: { label: string; value: string; onChange: (v: string) => void }) {
  const b = boot();
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
      <option value="">{label}…</option>
      <optgroup label={t.toAgent}>
        {b.staff
          .filter((s) => s.id !== b.me.id)
          .map((s) => (
            <option value={`agent:${s.id}`}>{s.name}</option>
          ))}
      </optgroup>
      <optgroup label={t.toTeam}>
        {b.teams.map((x) => (
          <option value={`team:${x.id}`}>{x.name}</option>
        ))}
      </optgroup>
    </select>
  );
}

/** `agent:<id>` / `team:<id>` as a transfer target; null when nothing is chosen. */
export function targetOf(value: string): { agent: string } | { team: string } | null {
  const [kind, id] = value.split(':');
  if (!id) return null;
  return kind === 'team' ? { team: id } : { agent: id };
}
