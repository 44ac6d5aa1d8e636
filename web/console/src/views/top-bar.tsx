/** The bar across the top: sections, presence and load, the phone, who is logged in. */
import { agentState, connected, setPresence } from '../state/live.ts';
import { boot, logout } from '../state/session.ts';
import { registration } from '../phone/line.ts';
import { askNotifications } from '../state/work.ts';
import { t } from '../texts.fr.ts';
import type { Section } from './app.tsx';
import { act, now, status } from './common.tsx';

export function TopBar({ section, supervisor }: { section: Section; supervisor: boolean }) {
  const b = boot();
  const links: [Section, string][] = [
    ['work', t.navWork],
    ['callbacks', t.navCallbacks],
    ...(supervisor
      ? ([
          ['wall', t.navWall],
          ['history', t.navHistory],
          ['settings', t.navSettings],
        ] as [Section, string][])
      : []),
  ];
  return (
    <header class="top-bar">
      <span class="brand">{t.appName}</span>
      <nav>
        {links.map(([id, label]) => (
          <a href={`#/${id}`} aria-current={id === section ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      <Presence />
      <span class={`phone-state phone-${registration.value}`}>{t.phoneState[registration.value]}</span>
      {!connected.value && <span class="link-down">{t.connection.offline}</span>}
      {status.value && (
        <span class="status-line" role="alert">
          {status.value}
        </span>
      )}
      <span class="me" title={t.roles[b.me.role]}>
        {b.me.name}
      </span>
      <button class="link" onClick={() => void logout()}>
        {t.logout}
      </button>
    </header>
  );
}

function Presence() {
  const a = agentState.value;
  if (!a) return <span class="presence muted">…</span>;
  const choose = (e: Event) => {
    askNotifications();
    const v = (e.target as HTMLSelectElement).value;
    if (v === 'available' || v === 'offline') return act(() => setPresence(v))();
    act(() => setPresence('paused', v))();
  };
  const value = a.presence === 'paused' ? (a.reason ?? t.pauseReasons[0]!) : a.presence === 'wrapup' ? 'available' : a.presence;
  const reasons = a.reason && !t.pauseReasons.includes(a.reason) ? [...t.pauseReasons, a.reason] : t.pauseReasons;
  const wrapLeft = a.wrapUntil ? Math.max(0, Math.ceil((Date.parse(a.wrapUntil) - now.value) / 1000)) : 0;
  return (
    <span class={`presence presence-${a.presence}`}>
      <label>
        <span class="sr-only">{t.presence[a.presence]}</span>
        <select value={value} onChange={choose} aria-label="Présence">
          <option value="available">{t.presence.available}</option>
          <optgroup label={t.presence.paused}>
            {reasons.map((r) => (
              <option value={r}>
                {t.presence.paused} — {r}
              </option>
            ))}
          </optgroup>
          <option value="offline">{t.presence.offline}</option>
        </select>
      </label>
      {a.presence === 'wrapup' && <span class="wrapup">{t.wrapUpLeft(wrapLeft)}</span>}
      <span class="load">
        {t.load((a.active.call ?? 0) + (a.active.callback ?? 0) + (a.active.video ?? 0), a.active.chat ?? 0, a.capacity.chat)}
      </span>
    </span>
  );
}
