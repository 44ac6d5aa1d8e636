/**
 * The conversation screen: status line, message log, typing line, composer, and the end block
 * (rating, transcript, new conversation). Updated in place from state, so screen readers hear only
 * what is new in the `role="log"` region.
 */
import type { ConversationView, MessageView } from '../../chat/protocol.ts';
import { h, richText } from './dom.ts';
import type { OutboxItem } from './outbox.ts';
import { texts as t } from './texts.fr.ts';
import { lastReadByAgent } from './thread.ts';

export interface ChatState {
  messages: readonly MessageView[];
  /** Typed but not acknowledged yet, oldest first. */
  pending: readonly OutboxItem[];
  /** Refused for good: kept on screen, marked. */
  failed: readonly OutboxItem[];
  conversation: ConversationView | null;
  agentTyping: boolean;
}

export interface ChatActions {
  send(text: string): void;
  keystroke(): void;
  end(): void;
  rate(rating: 'good' | 'bad'): Promise<boolean>;
  restart(): void;
  transcript(): string;
}

interface Row {
  el: HTMLElement;
  meta: HTMLElement;
}

export function chatView(actions: ChatActions, maxText: number) {
  const status = h('p', { class: 'status', role: 'status' });
  const endButton = h('button', { type: 'button', class: 'secondary' }, t.end);
  const log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': t.log });
  const typing = h('p', { class: 'typing', 'aria-live': 'polite' });
  const input = h('textarea', { name: 'text', rows: 1, maxlength: maxText, enterkeyhint: 'send', 'aria-describedby': 'rc-hint' });
  const composer = h(
    'form',
    { class: 'composer' },
    h('label', {}, h('span', { class: 'sr' }, t.input), input),
    h('span', { id: 'rc-hint', class: 'sr' }, t.inputHint),
    h('button', { type: 'submit', class: 'primary' }, t.send),
  );
  const endBlock = h('div', { class: 'end', hidden: true });
  const el = h('div', { class: 'body' }, status, h('div', { class: 'bar' }, endButton), log, typing, composer, endBlock);
  const rows = new Map<string, Row>();
  let ended = false;

  const submit = () => {
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    actions.send(text);
  };
  composer.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  input.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter is a new line; never while an IME is composing a character.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', () => actions.keystroke());
  endButton.addEventListener('click', () => actions.end());

  function row(id: string, from: MessageView['from'], author: string | null, text: string): Row {
    const known = rows.get(id);
    if (known) return known;
    const meta = h('small');
    const who = from === 'agent' ? h('small', {}, author ?? t.agentFallback) : null;
    const body = h('div', { class: 'text' });
    body.append(richText(text));
    const r = { el: h('div', { class: `msg ${from}` }, who, body, meta), meta };
    rows.set(id, r);
    return r;
  }

  function drawEnd() {
    const good = h('button', { type: 'button', class: 'rate', 'aria-label': t.rateGood }, '👍');
    const bad = h('button', { type: 'button', class: 'rate', 'aria-label': t.rateBad }, '👎');
    const rating = h('div', { class: 'row', role: 'group', 'aria-label': t.rateQuestion }, good, bad);
    const rate = (r: 'good' | 'bad') => async () => {
      good.disabled = bad.disabled = true;
      if (await actions.rate(r)) {
        rating.replaceChildren(h('span', { role: 'status' }, t.rateThanks));
        download.focus(); // the clicked button is gone: keep the keyboard user in the panel
      } else good.disabled = bad.disabled = false;
    };
    good.addEventListener('click', rate('good'));
    bad.addEventListener('click', rate('bad'));
    const download = h('a', { href: '#', download: t.transcriptFile }, t.download);
    download.addEventListener('click', () => {
      const url = URL.createObjectURL(new Blob([actions.transcript()], { type: 'text/plain;charset=utf-8' }));
      download.href = url; // read by the default action, which runs after this listener
      setTimeout(() => URL.revokeObjectURL(url), 30_000);
    });
    const again = h('button', { type: 'button', class: 'secondary' }, t.newConversation);
    again.addEventListener('click', () => actions.restart());
    endBlock.replaceChildren(
      h('p', { class: 'note' }, t.ended),
      h('p', { class: 'note' }, t.rateQuestion),
      rating,
      download,
      h('div', { class: 'row' }, again),
    );
    endBlock.hidden = false;
    composer.hidden = true;
    endButton.hidden = true;
  }

  function update(s: ChatState) {
    const c = s.conversation;
    const agent = c?.agent?.name ?? t.agentFallback;
    status.textContent =
      c?.status === 'waiting' ? (c.position ? t.queuePosition(c.position) : t.waiting) : c?.status === 'active' ? t.joined(agent) : '';
    typing.textContent = s.agentTyping && c?.status === 'active' ? t.typing(agent) : '';

    const seen = new Set(s.messages.map((m) => m.id));
    const readId = lastReadByAgent(s.messages, c);
    const wanted: Row[] = [];
    for (const m of s.messages) {
      const r = row(m.id, m.from, m.author, m.text);
      r.el.classList.remove('pending', 'failed');
      r.meta.textContent = m.id === readId ? t.read : '';
      wanted.push(r);
    }
    const failed = new Set(s.failed.map((f) => f.id));
    for (const p of [...s.failed, ...s.pending]) {
      if (seen.has(p.id)) continue;
      const r = row(p.id, 'visitor', null, p.text);
      const isFailed = failed.has(p.id);
      r.el.classList.toggle('pending', !isFailed);
      r.el.classList.toggle('failed', isFailed);
      r.meta.textContent = isFailed ? t.notSent : t.sending;
      wanted.push(r);
    }

    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    const keep = new Set(wanted.map((r) => r.el));
    for (const [id, r] of rows) {
      if (keep.has(r.el)) continue;
      r.el.remove();
      rows.delete(id);
    }
    // Moves a node only when out of place: appending to a live region is what gets announced.
    wanted.forEach((r, i) => {
      if (log.children[i] !== r.el) log.insertBefore(r.el, log.children[i] ?? null);
    });
    if (atBottom) log.scrollTop = log.scrollHeight;

    if (c?.status === 'ended' && !ended) {
      ended = true;
      drawEnd();
    }
  }

  return {
    el,
    update,
    /** The composer, or the end block once the conversation is over. */
    focus: () => (ended ? endBlock.querySelector<HTMLElement>('button') : input)?.focus(),
  };
}
