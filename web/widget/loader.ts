/**
 * The embed: `<script src="https://relais.example/widget/loader.js" data-site="KEY" async>`. Draws
 * the closed bubble in a shadow root and imports widget.js (same directory, same origin) only when
 * the visitor opens it, or at once when this browser holds a conversation in progress (so its
 * messages and the unread badge come back after a page change). Runs as a classic script: it must
 * stay small and leave no global behind.
 */
import type { SignedIdentity } from '../../chat/protocol.ts';
import { brandColors } from './color.ts';
import type { Mount, WidgetHandle } from './contract.ts';
import { h } from './dom.ts';
import { siteStorage } from './storage.ts';
import { bubbleCss } from './styles.ts';
import { bubbleTexts as t } from './texts.fr.ts';
import { icon } from './icon.ts';

const TAG = 'relais-chat';

function findScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.site) return current;
  return document.querySelector<HTMLScriptElement>('script[data-site][src*="/widget/loader.js"]');
}

/** The host page's signed customer, as given; the server checks the signature. */
function readIdentity(raw: string | undefined): SignedIdentity | null {
  if (!raw) return null;
  try {
    const v: unknown = JSON.parse(raw);
    if (v && typeof v === 'object') return v as SignedIdentity;
  } catch {
    // fall through
  }
  console.warn('[relais-chat] data-identity is not JSON: ignored');
  return null;
}

const chatIcon = () => icon('M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2zm3 6v2h10V9zm0 4v2h7v-2z');

function boot(script: HTMLScriptElement): void {
  const site = script.dataset.site!;
  const src = new URL(script.src, location.href);
  const store = siteStorage(site);

  const host = document.createElement(TAG);
  // Open mode so tests and assistive tools can reach in; the isolation we need is CSS, which a
  // shadow root gives in either mode.
  const root = host.attachShadow({ mode: 'open' });
  const colors = brandColors(store.get('color'));
  host.style.setProperty('--rc-brand', colors.brand);
  host.style.setProperty('--rc-on-brand', colors.onBrand);

  const badge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
  const bubble = h('button', {
    type: 'button',
    class: 'bubble',
    'aria-label': t.open,
    'aria-expanded': 'false',
    'aria-haspopup': 'dialog',
  });
  bubble.append(chatIcon(), badge);
  root.append(h('style', {}, bubbleCss), bubble);
  document.body.append(host);

  let isOpen = false;
  let unread = 0;
  const label = () => {
    const base = isOpen ? t.close : t.open;
    bubble.setAttribute('aria-label', unread > 0 && !isOpen ? `${base} (${t.unread(unread)})` : base);
  };

  let widget: Promise<WidgetHandle> | null = null;
  const load = (): Promise<WidgetHandle> =>
    (widget ??= (async () => {
      bubble.setAttribute('aria-busy', 'true');
      try {
        const mod = (await import(new URL('widget.js', src).href)) as { mount: Mount };
        return mod.mount({
          root,
          host,
          bubble,
          origin: src.origin,
          site,
          identity: readIdentity(script.dataset.identity),
          onToggle(open) {
            isOpen = open;
            bubble.setAttribute('aria-expanded', String(open));
            label();
          },
          onUnread(count) {
            unread = count;
            badge.textContent = count > 9 ? '9+' : String(count);
            badge.hidden = count === 0;
            label();
          },
        });
      } catch (err) {
        widget = null; // the next click tries again
        bubble.setAttribute('aria-label', t.broken);
        bubble.title = t.broken;
        throw err;
      } finally {
        bubble.removeAttribute('aria-busy');
      }
    })());

  bubble.addEventListener('click', () => {
    if (bubble.getAttribute('aria-busy') === 'true') return;
    load().then(
      (w) => (w.isOpen ? w.close() : w.open()),
      (err: unknown) => console.error('[relais-chat] widget failed to load', err),
    );
  });

  // A conversation in progress: bring it back (and its panel, if it was open) without a click.
  if (store.get('token')) {
    load().then(
      (w) => store.get('open') === '1' && w.open({ focus: false }),
      () => undefined,
    );
  }
}

(() => {
  const script = findScript();
  if (!script) return console.warn('[relais-chat] no <script data-site> found');
  if (document.querySelector(TAG)) return; // embedded twice
  if (document.body) boot(script);
  else document.addEventListener('DOMContentLoaded', () => boot(script), { once: true });
})();
