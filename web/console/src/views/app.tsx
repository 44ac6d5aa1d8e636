/** The console's shell: login, or the logged-in layout with its sections (hash routes). */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { signal } from '@preact/signals';
import { session, resume } from '../state/session.ts';
import { startWork, stopWork } from '../state/work.ts';
import { t } from '../texts.fr.ts';
import { Login } from './login.tsx';
import { TopBar } from './top-bar.tsx';
import { Workspace } from './workspace.tsx';
import { Callbacks } from './callbacks.tsx';
import { Wall } from './wall.tsx';
import { Settings } from './settings.tsx';
import { Shortcuts } from './shortcuts.tsx';

export type Section = 'work' | 'callbacks' | 'wall' | 'history' | 'settings';
const sections: Section[] = ['work', 'callbacks', 'wall', 'history', 'settings'];
export const section = signal<Section>(fromHash());

function fromHash(): Section {
  const s = location.hash.replace(/^#\/?/, '') as Section;
  return sections.includes(s) ? s : 'work';
}
addEventListener('hashchange', () => (section.value = fromHash()));

export function App() {
  const s = session.value;
  useEffect(() => void resume(), []);
  useEffect(() => {
    if (s.kind !== 'in') return;
    document.title = t.consoleTitle(s.boot.company);
    startWork();
    return stopWork;
  }, [s.kind]);
  if (s.kind === 'loading') return <p class="splash">{t.appName}…</p>;
  if (s.kind === 'out') return <Login notice={s.notice} />;
  const supervisor = s.boot.me.role !== 'agent';
  const here = !supervisor && ['wall', 'history', 'settings'].includes(section.value) ? 'work' : section.value;
  return (
    <div class="shell">
      <TopBar section={here} supervisor={supervisor} />
      <main class={`section-${here}`}>
        {here === 'work' && <Workspace />}
        {here === 'callbacks' && <Callbacks />}
        {here === 'wall' && <Wall />}
        {here === 'history' && <Lazy load={() => import('./history.tsx').then((m) => m.History)} />}
        {here === 'settings' && <Settings />}
      </main>
      <Shortcuts />
    </div>
  );
}

/** A section loaded on first visit (the history's charting library is not needed to take calls). */
function Lazy({ load }: { load: () => Promise<ComponentType> }) {
  const [View, setView] = useState<ComponentType | null>(null);
  useEffect(() => void load().then((v) => setView(() => v)), []);
  return View ? <View /> : <p class="muted">…</p>;
}
