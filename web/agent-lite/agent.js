// The minimal agents' chat page (see index.html). Plain JavaScript served as is: no build step.
/* global io */
const $ = (id) => document.getElementById(id);
const state = { socket: null, conversations: new Map(), current: null, agent: null, token: null };

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function render() {
  const convs = $('convs');
  convs.replaceChildren();
  for (const [id, c] of state.conversations) {
    const b = el('button', `${c.visitor.name ?? 'Visiteur'}${c.visitor.customer?.tier === 'premium' ? ' (premium)' : ''}`, 'conv');
    b.setAttribute('aria-current', String(id === state.current));
    b.onclick = () => ((state.current = id), render());
    convs.append(b);
  }
  const c = state.conversations.get(state.current);
  $('who').textContent = c ? `${c.visitor.name ?? ''} <${c.visitor.email ?? ''}>${c.visitor.verified ? ' ✔ identifié' : ''}` : '';
  const log = $('log');
  log.replaceChildren(...(c ? c.messages.map((m) => line(c.conversation.id, m)) : []));
  log.scrollTop = log.scrollHeight;
  if (c && c.messages.length) state.socket.emit('read', { conversationId: c.conversation.id, seq: c.messages.at(-1).seq }, () => {});
}

function line(conversationId, m) {
  const p = el('p', m.from === 'system' ? m.text : `${m.author ?? ''} : ${m.text}`, `m ${m.from}`);
  if (m.attachment) {
    const b = el('button', `📎 ${m.attachment.name}`);
    b.onclick = () => openAttachment(conversationId, m.attachment);
    p.append(' ', b);
  }
  return p;
}

// Files are fetched with the agent's credentials in headers (never in the URL), opened from a blob.
async function openAttachment(conversationId, a) {
  const res = await fetch(`/chat/attachments/${a.id}?conversation=${conversationId}`, {
    headers: { authorization: `Bearer ${state.token}`, 'x-relais-agent': state.agent },
  });
  if (!res.ok) return ($('status').textContent = `Fichier indisponible (${res.status})`);
  const url = URL.createObjectURL(await res.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: a.name, target: '_blank', rel: 'noopener' });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function addMessage(conversationId, m) {
  const c = state.conversations.get(conversationId);
  if (!c || c.messages.some((x) => x.id === m.id)) return;
  c.messages.push(m);
  c.messages.sort((a, b) => a.seq - b.seq);
  render();
}

function connect(agent, token) {
  Object.assign(state, { agent, token });
  const socket = io('/agent', { auth: { agent, token } });
  state.socket = socket;
  socket.on('connect', () => {
    $('status').textContent = `Connecté·e : ${agent}`;
    socket.emit('mine', {}, (a) => {
      if (!a.ok) return;
      for (const c of a.conversations) state.conversations.set(c.conversation.id, c);
      render();
    });
  });
  socket.on('connect_error', (e) => ($('status').textContent = `Connexion refusée : ${e.message}`));
  socket.on('offer', (o) => {
    const box = el('div', undefined, 'offer');
    box.id = `offer-${o.offerId}`;
    box.append(el('p', `${o.visitor.name ?? 'Visiteur'} — ${o.conversation.team}`), el('p', o.preview ?? ''));
    const take = el('button', 'Prendre');
    take.onclick = () =>
      socket.emit('accept', { conversationId: o.conversation.id, offerId: o.offerId }, (a) => {
        box.remove();
        if (!a.ok) return ($('status').textContent = a.error.message);
        state.conversations.set(a.conversation.id, a);
        state.current = a.conversation.id;
        render();
      });
    const no = el('button', 'Refuser');
    no.onclick = () => socket.emit('decline', { conversationId: o.conversation.id, offerId: o.offerId }, () => box.remove());
    box.append(take, no);
    $('offers').append(box);
  });
  socket.on('offerCancelled', (o) => document.getElementById(`offer-${o.offerId}`)?.remove());
  socket.on('message', (m) => addMessage(m.conversationId, m));
  socket.on('conversation', (v) => {
    const c = state.conversations.get(v.id);
    if (c) ((c.conversation = v), render());
  });
  socket.on('typing', (t) => {
    if (t.conversationId === state.current) $('typing').textContent = t.typing ? 'Le visiteur écrit…' : '';
  });
}

$('login').onsubmit = (e) => {
  e.preventDefault();
  connect($('agent').value.trim(), $('token').value);
};
$('send').onsubmit = (e) => {
  e.preventDefault();
  const text = $('text').value.trim();
  if (!text || !state.current) return;
  const conversationId = state.current;
  state.socket.emit('send', { conversationId, id: crypto.randomUUID(), text }, (a) => {
    if (a.ok) addMessage(conversationId, a.message);
    else $('status').textContent = a.error.message;
  });
  $('text').value = '';
};
let typingTimer;
$('text').oninput = () => {
  if (!state.current) return;
  if (!typingTimer) state.socket.emit('typing', { conversationId: state.current, typing: true }, () => {});
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    state.socket.emit('typing', { conversationId: state.current, typing: false }, () => {});
    typingTimer = undefined;
  }, 1500);
};
$('close').onclick = () => {
  if (state.current) state.socket.emit('close', { conversationId: state.current }, () => {});
};
