/**
 * The conversation screen: status line, message log, typing line, composer, and the end block
 * (rating, transcript, new conversation). Updated in place from state, so screen readers hear only
 * what is new in the `role="log"` region.
 */
import type { AttachmentView, ConversationView, MessageView } from '../../chat/protocol.ts';
import { ACCEPTED } from './attachments.ts';
import { h, richText } from './dom.ts';
import type { Media } from './media.ts';
import type { OutboxItem } from './outbox.ts';
import { texts as t } from './texts.fr.ts';
import { lastReadByAgent } from './thread.ts';
import { icon } from './icon.ts';

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
  /** Checks, uploads and sends a file; resolves once done (or refused: the widget told why). */
  attach(file: File): Promise<void>;
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

/** A paper clip (an emoji may be missing from the visitor's fonts). */
const clip = () =>
  icon(
    'M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z',
  );

export interface ChatOptions {
  maxText: number;
  /** 0: no attach button. */
  maxAttachmentBytes: number;
  media: Media;
}

export function chatView(actions: ChatActions, { maxText, maxAttachmentBytes, media }: ChatOptions) {
  const status = h('p', { class: 'status', role: 'status' });
  const endButton = h('button', { type: 'button', class: 'secondary' }, t.end);
  const log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': t.log });
  const typing = h('p', { class: 'typing', 'aria-live': 'polite' });
  const input = h('textarea', { name: 'text', rows: 1, maxlength: maxText, enterkeyhint: 'send', 'aria-describedby': 'rc-hint' });
  const picker = h('input', { type: 'file', accept: ACCEPTED.join(','), hidden: true });
  const attach = h('button', { type: 'button', class: 'attach', 'aria-label': t.attach, title: t.attach, hidden: true }, clip());
  const upload = h('p', { class: 'upload', role: 'status' });
  const composer = h(
    'form',
    { class: 'composer' },
    attach,
    picker,
    h('label', {}, h('span', { class: 'sr' }, t.input), input),
    h('span', { id: 'rc-hint', class: 'sr' }, t.inputHint),
    h('button', { type: 'submit', class: 'primary' }, t.send),
  );
  const endBlock = h('div', { class: 'end', hidden: true });
  const el = h('div', { class: 'body' }, status, h('div', { class: 'bar' }, endButton), log, typing, upload, composer, endBlock);
  const rows = new Map<string, Row>();
  let ended = false;
  /** The log is scrolled to its end: an image that loads keeps it there. */
  let pinned = true;
  log.addEventListener('scroll', () => (pinned = log.scrollHeight - log.scrollTop - log.clientHeight < 40));
  const stick = () => pinned && (log.scrollTop = log.scrollHeight);

  // `aria-disabled` while a file goes up (as in forms.ts: `disabled` would drop the focus).
  attach.addEventListener('click', () => attach.getAttribute('aria-disabled') || picker.click());
  picker.addEventListener('change', async () => {
    const file = picker.files?.[0];
    picker.value = ''; // the same file can be picked again
    if (!file) return;
    attach.setAttribute('aria-disabled', 'true');
    upload.textContent = t.uploading(file.name);
    try {
      await actions.attach(file);
    } finally {
      attach.removeAttribute('aria-disabled');
      upload.textContent = '';
    }
  });

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

  function row(id: string, from: MessageView['from'], author: string | null, text: string, file?: AttachmentView | null): Row {
    const known = rows.get(id);
    if (known) return known;
    const meta = h('small');
    const who = from === 'agent' ? h('small', {}, author ?? t.agentFallback) : null;
    const body = h('div', { class: 'text' });
    body.append(richText(text));
    if (file) body.append(h('div', {}, media.render(file, stick)));
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
    attach.hidden = !(maxAttachmentBytes > 0 && c && c.status !== 'ended');

    const seen = new Set(s.messages.map((m) => m.id));
    const readId = lastReadByAgent(s.messages, c);
    const wanted: Row[] = [];
    for (const m of s.messages) {
      const r = row(m.id, m.from, m.author, m.text, m.attachment);
      r.el.classList.remove('pending', 'failed');
      r.meta.textContent = m.id === readId ? t.read : '';
      wanted.push(r);
    }
    const failed = new Set(s.failed.map((f) => f.id));
    for (const p of [...s.failed, ...s.pending]) {
      if (seen.has(p.id)) continue;
      const r = row(p.id, 'visitor', null, p.text, p.attachment);
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
