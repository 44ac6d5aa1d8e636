/**
 * widget.js: imported by the loader when the bubble is opened (or a conversation is in progress).
 * Fetches the site's config, connects to `/visitor`, and runs the screens: pre-chat form, offline
 * form, conversation. Every message typed goes through the outbox (see outbox.ts).
 */
import type { ChatErrorCode, ConversationView, MessageView, WidgetConfig } from '../../chat/protocol.ts';
import { checkFile, fetchAttachment, uploadAttachment, uploadErrorText } from './attachments.ts';
import { chatView } from './chat-view.ts';
import { brandColors } from './color.ts';
import type { Mount } from './contract.ts';
import { h } from './dom.ts';
import { offlineForm, preChatForm, sentView, type LeaveInput, type StartInput } from './forms.ts';
import { safeHref } from './linkify.ts';
import { createMedia } from './media.ts';
import { newMessageId, Outbox, parseStored, type OutboxItem } from './outbox.ts';
import { connectVisitor, fetchConfig, notify, request, type VisitorSocket } from './socket.ts';
import { siteStorage } from './storage.ts';
import { panelCss } from './styles.ts';
import { texts as t } from './texts.fr.ts';
import { lastSeq, mergeMessages, transcript, unreadCount } from './thread.ts';
import { createTypingSignal } from './typing.ts';
import { videoOffer } from './video-offer.ts';

/** The stored token no longer opens a conversation: forget it and start afresh. */
const LOST: readonly ChatErrorCode[] = ['CHAT_ERR_UNAUTHORISED', 'CHAT_ERR_NOT_FOUND'];
/** Worth sending again as is. */
const RETRY: readonly ChatErrorCode[] = ['CHAT_ERR_UNAVAILABLE', 'CHAT_ERR_RATE_LIMITED'];

export const mount: Mount = (o) => {
  const store = siteStorage(o.site);
  let config: WidgetConfig | null = null;
  let socket: VisitorSocket | null = null;
  let token = store.get('token');
  let messages: MessageView[] = [];
  let conversation: ConversationView | null = null;
  let failed: OutboxItem[] = [];
  let agentTyping = false;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let readSent = 0;
  let view: ReturnType<typeof chatView> | null = null;
  let isOpen = false;
  let booted: Promise<void> | null = null;

  // --- frame ---------------------------------------------------------------------------------------
  const title = h('h2', { id: 'rc-title' }, t.loading);
  const logo = h('img', { alt: '', hidden: true });
  const closeButton = h('button', { type: 'button', class: 'icon', 'aria-label': t.close }, '×');
  const alert = h('div', { class: 'alert', role: 'alert' });
  let body: HTMLElement = h('div', { class: 'body' }, h('p', { class: 'card note' }, t.loading));
  const panel = h('section', { class: 'panel', role: 'dialog', 'aria-labelledby': 'rc-title', hidden: true });
  panel.append(h('div', { class: 'head' }, logo, title, closeButton), alert, body);
  o.root.append(h('style', {}, panelCss), panel);
  closeButton.addEventListener('click', () => handle.close());
  panel.addEventListener('keydown', (e) => e.key === 'Escape' && handle.close());

  function focusInside() {
    if (view) return view.focus();
    (body.querySelector<HTMLElement>('input:not([type=hidden]),select,textarea,button') ?? closeButton).focus();
  }

  /** Swaps the panel's content; keeps the focus in the panel if it was there. */
  function show(content: HTMLElement) {
    const hadFocus = panel.contains(o.root.activeElement);
    const next = content.classList.contains('body') ? content : h('div', { class: 'body' }, content);
    body.replaceWith(next);
    body = next;
    if (isOpen && hadFocus) focusInside();
  }

  let alertTimer: ReturnType<typeof setTimeout> | undefined;
  function flash(text: string) {
    alert.textContent = text;
    clearTimeout(alertTimer);
    alertTimer = setTimeout(() => (alert.textContent = ''), 6000);
  }
  const showError = (code: ChatErrorCode | undefined) => flash((code && t.errors[code]) || t.errors.CHAT_ERR_UNAVAILABLE);

  // Files are fetched with the token in memory: it stays after the end (the stored one does not).
  const media = createMedia(
    async (a) => (token ? fetchAttachment(o.origin, token, a) : { ok: false, status: 401 }),
    (status) => flash(status === 401 ? t.errors.CHAT_ERR_UNAUTHORISED : t.fileFailed),
  );
  const maxBytes = () => config?.maxAttachmentBytes ?? 0;
  const video = videoOffer({
    origin: o.origin,
    root: o.root,
    socket: () => socket,
    visitorsMayPropose: () => config?.video?.visitorsMayPropose,
    flash,
  });

  // --- state → screen ------------------------------------------------------------------------------
  const outbox = new Outbox({
    store: {
      load: () => parseStored(store.get('outbox')),
      save: (items) => store.set('outbox', items.length ? JSON.stringify(items) : null),
    },
    async send(item) {
      if (!socket) return { kind: 'retry' };
      const file = item.attachment && { attachment: item.attachment.id };
      const a = await request(socket, 'send', { id: item.id, text: item.text, ...file });
      if (a.ok) return { kind: 'ok', message: a.message };
      return RETRY.includes(a.error.code) ? { kind: 'retry' } : { kind: 'rejected', error: a.error };
    },
    onAcked(_item, message) {
      messages = mergeMessages(messages, [message]);
      render();
    },
    onRejected(item, error) {
      failed = [...failed, item];
      showError(error.code);
      render();
    },
  });

  const visible = () => isOpen && document.visibilityState === 'visible';
  const readUpTo = () => Math.max(readSent, conversation?.readByVisitor ?? 0);

  function render() {
    view?.update({ messages, pending: outbox.items, failed, conversation, agentTyping });
    const seq = lastSeq(messages);
    if (visible() && view && socket?.connected && seq > readUpTo()) {
      readSent = seq;
      notify(socket, 'read', { seq });
    }
    o.onUnread(visible() ? 0 : unreadCount(messages, readUpTo()));
  }
  document.addEventListener('visibilitychange', render);

  function setConversation(c: ConversationView) {
    conversation = c;
    video.setConversation(c);
    // Over: the loader need not bring it back on the next page (rating and transcript stay on screen).
    if (c.status === 'ended') store.set('token', null);
    render();
  }

  /** Drops the conversation (gone, or the visitor starts another); unsent messages wait for the next. */
  function forget() {
    if (!token && !view) return;
    token = null;
    store.set('token', null);
    outbox.setConnected(false);
    [messages, conversation, failed, view, readSent] = [[], null, [], null, 0];
    media.clear();
    video.reset();
    if (socket) {
      socket.disconnect();
      socket.auth = { site: o.site };
      socket.connect();
    }
  }

  // --- screens -------------------------------------------------------------------------------------
  const identityPrefill = () => (o.identity ? { name: o.identity.name, email: o.identity.email } : {});

  function showStart() {
    if (!config) return;
    const anyone = config.open && config.topics.some((x) => config!.online[x.id]);
    show(anyone ? preChatForm(config, o.identity, begin) : offlineForm(config, identityPrefill(), leave));
  }

  function showChat() {
    view = chatView(chatActions, { maxText: config?.maxText ?? 4000, maxAttachmentBytes: maxBytes(), media });
    // The call, or its proposal, above the messages: the chat goes on below it.
    view.el.insertBefore(video.el, view.el.querySelector('.log'));
    show(view.el);
    render();
  }

  async function begin(input: StartInput) {
    if (!config || !socket) return;
    if (!config.online[input.topic]) return show(offlineForm(config, { ...input, ...identityPrefill() }, leave));
    const a = await request(socket, 'start', {
      ...input,
      ...(o.identity ? { identity: o.identity } : {}),
      page: location.href.slice(0, 500),
    });
    if (!a.ok) {
      // Nobody free after all (the config was a moment old): offer the offline form instead.
      if (a.error.code === 'CHAT_ERR_CLOSED') show(offlineForm(config, { ...input, ...identityPrefill(), topic: input.topic }, leave));
      return showError(a.error.code);
    }
    token = a.token;
    store.set('token', token);
    socket.auth = { site: o.site, token };
    conversation = a.conversation;
    showChat();
    video.setConversation(conversation);
    outbox.setConnected(true);
  }

  async function leave(input: LeaveInput) {
    if (!socket) return;
    const a = await request(socket, 'leaveMessage', input);
    if (!a.ok) return showError(a.error.code);
    show(sentView(a.outcome, showStart));
  }

  const typing = createTypingSignal({ emit: (on) => socket && notify(socket, 'typing', { typing: on }) });

  const chatActions = {
    send(text: string) {
      typing.stop();
      outbox.push({ id: newMessageId(), text, at: new Date().toISOString() });
      render();
    },
    async attach(file: File) {
      const refused = checkFile(file, maxBytes());
      if (refused || !token) return flash(refused ?? t.uploadFailed);
      const r = await uploadAttachment(o.origin, token, file);
      if (!r.ok) return flash(uploadErrorText(r.status, maxBytes()));
      outbox.push({ id: newMessageId(), text: '', attachment: r.view, at: new Date().toISOString() });
      render();
    },
    keystroke: () => typing.keystroke(),
    async end() {
      if (!socket) return;
      const a = await request(socket, 'end', {});
      if (!a.ok) return showError(a.error.code);
      if (conversation && conversation.status !== 'ended') setConversation({ ...conversation, status: 'ended' });
    },
    async rate(rating: 'good' | 'bad') {
      const a = socket ? await request(socket, 'rate', { rating }) : null;
      if (!a?.ok) showError(a?.ok === false ? a.error.code : undefined);
      return !!a?.ok;
    },
    restart() {
      forget();
      showStart();
    },
    transcript: () =>
      transcript(messages, {
        title: t.transcriptTitle(config?.company ?? '', new Date().toLocaleString('fr-FR')),
        you: t.you,
        agent: t.agentFallback,
        system: t.system,
        attachment: t.attachmentLine,
      }),
  };

  // --- connection ----------------------------------------------------------------------------------
  function connect(origin: string): VisitorSocket {
    const s = connectVisitor(origin, token ? { site: o.site, token } : { site: o.site });
    // On every (re)connect: catch up on what was missed, then resend what is unsent.
    const resync = async () => {
      if (!token || !s.connected) return;
      const asked = token;
      const a = await request(s, 'history', { after: lastSeq(messages) });
      if (token !== asked) return; // forgotten meanwhile
      if (!a.ok) {
        if (LOST.includes(a.error.code)) return (forget(), showStart());
        showError(a.error.code);
        return void setTimeout(resync, 5000);
      }
      messages = mergeMessages(messages, a.messages);
      if (!view) showChat();
      setConversation(a.conversation);
      outbox.setConnected(true);
      void video.resync();
    };
    s.on('connect', resync);
    s.on('disconnect', (reason) => {
      outbox.setConnected(false);
      if (reason === 'io client disconnect') return;
      if (view) flash(t.offline);
      // The server hung up on purpose (a restart closes every socket): socket.io leaves it there.
      if (reason === 'io server disconnect') setTimeout(() => s.connect(), 1000 + Math.random() * 4000);
    });
    s.on('connect_error', (err) => {
      // Refused by the server's middleware (bad site key): socket.io does not retry that by itself.
      if (s.active) return;
      showError((err as { data?: { code?: ChatErrorCode } }).data?.code);
      setTimeout(() => s.connect(), 15_000);
    });
    s.on('message', (m) => {
      messages = mergeMessages(messages, [m]);
      if (m.from === 'agent') agentTyping = false;
      render();
    });
    s.on('conversation', setConversation);
    // Video's news ride the same socket (video/protocol.ts); the chat's event types do not list them.
    (s as unknown as import('socket.io-client').Socket).on('video:session', video.apply);
    s.on('typing', ({ typing: on }) => {
      agentTyping = on;
      clearTimeout(typingTimer);
      // A lost "stopped typing" must not leave "X écrit…" forever.
      if (on) typingTimer = setTimeout(() => ((agentTyping = false), render()), 15_000);
      render();
    });
    s.on('error', (e) => {
      showError(e.code);
      if (token && LOST.includes(e.code)) (forget(), showStart());
    });
    return s;
  }

  async function boot() {
    config = await fetchConfig(o.origin, o.site);
    const colors = brandColors(config.color);
    o.host.style.setProperty('--rc-brand', colors.brand);
    o.host.style.setProperty('--rc-on-brand', colors.onBrand);
    store.set('color', colors.brand);
    title.textContent = t.panelTitle(config.company);
    const src = config.logo && safeHref(config.logo, o.origin);
    if (src) [logo.src, logo.hidden] = [src, false];
    socket = connect(o.origin);
    if (token) showChat();
    else showStart();
  }

  const start = () =>
    (booted ??= boot().catch((err: unknown) => {
      console.error('[relais-chat]', err);
      booted = null; // the next open tries again
      show(h('p', { class: 'card note' }, t.configFailed));
    }));

  const handle = {
    get isOpen() {
      return isOpen;
    },
    open(options: { focus?: boolean } = {}) {
      isOpen = true;
      panel.hidden = false;
      store.set('open', '1');
      o.onToggle(true);
      void start();
      media.resume();
      if (options.focus !== false) focusInside();
      render();
    },
    close() {
      isOpen = false;
      panel.hidden = true;
      store.set('open', null);
      o.onToggle(false);
      media.release();
      o.bubble.focus();
      render();
    },
  };

  if (token) void start();
  return handle;
};
