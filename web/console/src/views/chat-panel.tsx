/** One chat: the thread (text only, never HTML), the visitor typing, read marks, the composer. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AttachmentView, MessageView } from '../../../../chat/protocol.ts';
import { api } from '../api.ts';
import { closeChat, dropChat, markRead, sendChat, transferChat, typing, type ChatTab } from '../state/chats.ts';
import { boot } from '../state/session.ts';
import { formatTime, t } from '../texts.fr.ts';
import { act, status, targetOf, TargetSelect, Tier } from './common.tsx';
import { addNote } from '../state/customers.ts';
import { VideoAction, VideoArea } from '../video/video-area.tsx';

export function ChatPanel({ tab }: { tab: ChatTab }) {
  const { conversation: c, visitor: v } = tab;
  const log = useRef<HTMLOListElement>(null);
  useEffect(() => {
    log.current?.lastElementChild?.scrollIntoView({ block: 'end' });
    if (c.status !== 'ended') markRead(c.id);
  }, [tab.messages.length, c.id]);
  const ended = c.status === 'ended';
  return (
    <article class="chat-panel" aria-label={v.name ?? t.unknownCustomer}>
      <header>
        <h2>
          {v.customer?.name ?? v.name ?? t.unknownCustomer} <Tier tier={v.customer?.tier ?? null} />
        </h2>
        <p class="muted">
          {v.email}
          {v.verified && <span class="verified"> ✔ {t.verified}</span>}
          {v.page && <span> · {t.fromPage(v.page)}</span>}
        </p>
        {!ended && <VideoAction conversationId={c.id} visitor={v.name ?? t.unknownCustomer} />}
      </header>
      <div class="chat-body">
        <ol class="thread" ref={log} aria-live="polite" aria-label={t.chats}>
          {tab.messages.map((m) => (
            <Message m={m} conversationId={c.id} readByVisitor={m.from === 'agent' && m.seq <= c.readByVisitor} />
          ))}
        </ol>
        {!ended && <VideoArea conversationId={c.id} />}
      </div>
      {tab.visitorTyping && <p class="typing">{`${v.name ?? t.unknownCustomer} ${t.visitorTyping}`}</p>}
      {ended ? (
        <p class="ended">
          {t.chatEnded} <button onClick={() => dropChat(c.id)}>{t.closeChat}</button>
        </p>
      ) : (
        <Composer conversationId={c.id} customerId={v.customer?.id ?? null} />
      )}
    </article>
  );
}

function Message({ m, conversationId, readByVisitor }: { m: MessageView; conversationId: string; readByVisitor: boolean }) {
  return (
    <li class={`m m-${m.from}`}>
      {m.from !== 'system' && <span class="author">{m.author}</span>}
      <span class="text">{linkified(m.text)}</span>
      {m.attachment && <Attachment a={m.attachment} conversationId={conversationId} />}
      <time dateTime={m.at}>{formatTime(m.at)}</time>
      {readByVisitor && <span class="read">{t.readByVisitor}</span>}
    </li>
  );
}

/** Text with its web addresses as links; everything else stays text nodes. */
function linkified(text: string) {
  return text.split(/(https?:\/\/[^\s<>"']+)/g).map((part, i) =>
    i % 2 ? (
      <a href={part} target="_blank" rel="noopener noreferrer nofollow">
        {part}
      </a>
    ) : (
      part
    ),
  );
}

function Attachment({ a, conversationId }: { a: AttachmentView; conversationId: string }) {
  const open = async () => {
    const res = await fetch(`/chat/attachments/${a.id}?conversation=${conversationId}`, { credentials: 'same-origin' });
    if (!res.ok) return void (status.value = t.attachmentUnavailable);
    const url = URL.createObjectURL(await res.blob());
    Object.assign(document.createElement('a'), { href: url, download: a.name, rel: 'noopener' }).click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  return (
    <button class="attachment link" onClick={() => void open()}>
      {t.attachment(a.name)}
    </button>
  );
}

function Composer({ conversationId, customerId }: { conversationId: string; customerId: string | null }) {
  const b = boot();
  const [text, setText] = useState('');
  // An internal note goes on the customer's record, for the team; the visitor never sees it.
  const [note, setNote] = useState(false);
  const [disposition, setDisposition] = useState(b.dispositions[0] ?? '');
  const typingSent = useRef(false);
  const onInput = (value: string) => {
    setText(value);
    const now = value.length > 0 && !note;
    if (now !== typingSent.current) typing(conversationId, (typingSent.current = now));
  };
  const send = (e: Event) => {
    e.preventDefault();
    const body = text.trim();
    if (!body) return;
    setText('');
    typing(conversationId, (typingSent.current = false));
    if (note && customerId) act(() => addNote(customerId, body))();
    else act(() => sendChat(conversationId, body))();
  };
  return (
    <div class={note ? 'composer composer-note' : 'composer'}>
      <form onSubmit={send}>
        <textarea
          aria-label={note ? t.notePlaceholder : t.typeMessage}
          placeholder={note ? t.notePlaceholder : t.typeMessage}
          value={text}
          onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => e.key === 'Enter' && !e.shiftKey && send(e)}
        />
        <button type="submit">{note ? t.addNote : t.send}</button>
      </form>
      <div class="chat-actions">
        {customerId && (
          <label class="note-toggle">
            <input type="checkbox" checked={note} onChange={(e) => setNote((e.target as HTMLInputElement).checked)} /> {t.internalNote}
          </label>
        )}
        {b.cannedAnswers.length > 0 && (
          <select aria-label={t.canned} value="" onChange={(e) => onInput(text + (e.target as HTMLSelectElement).value)}>
            <option value="">{t.canned}…</option>
            {b.cannedAnswers.map((a) => (
              <option value={a.text}>{a.title}</option>
            ))}
          </select>
        )}
        <button
          onClick={act(async () => {
            const r = await api.post<{ ticket: string | null }>(`/api/console/chats/${conversationId}/ticket`);
            status.value = t.ticketCreated(r.ticket);
          })}
        >
          {t.makeTicket}
        </button>
        <label>
          <span class="sr-only">{t.disposition}</span>
          <select aria-label={t.disposition} value={disposition} onChange={(e) => setDisposition((e.target as HTMLSelectElement).value)}>
            {b.dispositions.map((d) => (
              <option value={d}>{d}</option>
            ))}
          </select>
        </label>
        <button class="close-chat" onClick={act(() => closeChat(conversationId, disposition))}>
          {t.closeConfirm}
        </button>
        <TransferChat conversationId={conversationId} />
      </div>
    </div>
  );
}

/** Passes the chat to a team or a colleague (the visitor is told, it leaves these tabs). */
function TransferChat({ conversationId }: { conversationId: string }) {
  const [target, setTarget] = useState('');
  const chosen = targetOf(target);
  return (
    <span class="transfer-chat">
      <TargetSelect label={t.transferChat} value={target} onChange={setTarget} />
      <button disabled={!chosen} onClick={() => chosen && act(() => transferChat(conversationId, chosen))()}>
        {t.transfer}
      </button>
    </span>
  );
}
