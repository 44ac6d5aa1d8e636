/** Keyboard shortcuts (answer, hang up, next chat, mute) and their help, on `?`. */
import { useEffect, useState } from 'preact/hooks';
import { hangup, line, setMuted } from '../phone/line.ts';
import { nextChat } from '../state/chats.ts';
import { acceptOffer, allOffers } from '../state/work.ts';
import { t } from '../texts.fr.ts';
import { act } from './common.tsx';

export function Shortcuts() {
  const [help, setHelp] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
      if (e.key === '?' && !typing) return setHelp((h) => !h);
      if (e.key === 'Escape') return setHelp(false);
      if (!e.altKey) return;
      const key = e.key.toLowerCase();
      if (key === 'r' && allOffers.value[0]) act(() => acceptOffer(allOffers.value[0]!))();
      else if (key === 'h') hangup();
      else if (key === 'n') nextChat();
      else if (key === 'm' && line.value.kind === 'talking') setMuted(!line.value.muted);
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  if (!help) return null;
  return (
    <div class="shortcuts" role="dialog" aria-label={t.shortcuts}>
      <h2>{t.shortcuts}</h2>
      <dl>
        {t.shortcutList.map(([k, what]) => (
          <>
            <dt>
              <kbd>{k}</kbd>
            </dt>
            <dd>{what}</dd>
          </>
        ))}
      </dl>
      <button onClick={() => setHelp(false)}>{t.cancel}</button>
    </div>
  );
}
