/** Small pieces shared by the views. */
import { signal } from '@preact/signals';
import type { CustomerBadge } from '../../../../console/protocol.ts';
import { ApiFailure } from '../api.ts';
import { t } from '../texts.fr.ts';

/** How far the server's clock is ahead of this PC's (set at login): waits are measured on the server's. */
let skewMs = 0;
export function syncClock(serverTime: string, sentAt: number): void {
  skewMs = Date.parse(serverTime) - (sentAt + Date.now()) / 2;
  now.value = Date.now() + skewMs;
}

/** The server's clock, ticking every second, for waiting times and countdowns. */
export const now = signal(Date.now());
setInterval(() => (now.value = Date.now() + skewMs), 1000);

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
