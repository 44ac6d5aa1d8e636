/**
 * Video calls in the chat screen, the light part (in widget.js): the visitor's "Appel vidéo"
 * button, the agent's proposal with Accepter / Refuser, and the call itself once accepted, for
 * which video.js (mediasoup-client and the call's screen) is imported then, not before. Follows
 * the server's `video:session` news; after a reload or a reconnection it asks for the
 * conversation's call and joins it again.
 */
import type { ConversationView } from '../../chat/protocol.ts';
import type { SessionView, VideoAck } from '../../video/protocol.ts';
import type { Signalling } from '../video/call.ts';
import { h } from './dom.ts';
import type { VisitorSocket } from './socket.ts';
import { texts, videoOfferTexts as t } from './texts.fr.ts';
import type { CallHandle, MountCall } from './video-contract.ts';

export interface VideoOfferDeps {
  origin: string;
  root: ShadowRoot;
  socket: () => VisitorSocket | null;
  /** The site lets visitors propose (config `video.visitorsMayPropose`); undefined: no video at all. */
  visitorsMayPropose: () => boolean | undefined;
  flash(text: string): void;
}

const webRtc = () => typeof RTCPeerConnection === 'function';

export function videoOffer(d: VideoOfferDeps) {
  // Announced, not focused: the visitor may be typing.
  const el = h('div', { class: 'video', 'aria-live': 'polite' });
  let conversation: ConversationView | null = null;
  let session: SessionView | null = null;
  let call: { sessionId: string; socketId: string; handle: Promise<CallHandle | null> } | null = null;

  const signal = (): Signalling => {
    const s = d.socket() as unknown as import('socket.io-client').Socket;
    return {
      request: <T extends object>(event: string, payload: object) =>
        s
          .timeout(10_000)
          .emitWithAck(event, payload)
          .catch((): VideoAck<T> => ({ ok: false, error: { code: 'VIDEO_ERR_UNAVAILABLE', message: 'no answer', then: 'later' } })),
      on: (event, fn) => (s.on(event, fn as never), () => void s.off(event, fn as never)),
    };
  };
  const ask = async (event: string, payload: object) => {
    const a = (await signal().request(`video:${event}`, payload)) as VideoAck<{ session?: SessionView | null }>;
    if (!a.ok) d.flash(t.errors[a.error.code] ?? t.failed);
    else if (a.session !== undefined) apply(a.session);
  };
  const agent = () => conversation?.agent?.name ?? texts.agentFallback;

  function render() {
    if (session?.state === 'active') return; // the call has the place
    if (conversation?.status !== 'active') return void el.replaceChildren();
    if (session?.state === 'proposed' && session.by === 'agent') {
      const accept = h('button', { type: 'button', class: 'primary' }, t.accept);
      const decline = h('button', { type: 'button', class: 'secondary' }, t.decline);
      accept.hidden = !webRtc();
      accept.addEventListener('click', () => void ask('answer', { sessionId: session!.id, accept: true }));
      decline.addEventListener('click', () => void ask('answer', { sessionId: session!.id, accept: false }));
      const text = h('p', { class: 'note' }, t.proposedByAgent(agent()));
      el.replaceChildren(
        h(
          'div',
          { class: 'video-offer', role: 'group', 'aria-label': t.propose },
          text,
          webRtc() ? null : h('p', { class: 'note' }, t.noWebRtc),
          h('div', { class: 'row' }, accept, decline),
        ),
      );
    } else if (session?.state === 'proposed') {
      const cancel = h('button', { type: 'button', class: 'secondary' }, t.cancel);
      cancel.addEventListener('click', () => void ask('end', { sessionId: session!.id }));
      el.replaceChildren(
        h('div', { class: 'video-offer', role: 'status' }, h('p', { class: 'note' }, t.proposedByMe), h('div', { class: 'row' }, cancel)),
      );
    } else if (d.visitorsMayPropose() && webRtc()) {
      const propose = h('button', { type: 'button', class: 'secondary', 'aria-label': t.proposeLabel }, t.propose);
      propose.addEventListener('click', () => void ask('propose', {}));
      el.replaceChildren(h('div', { class: 'bar' }, propose));
    } else el.replaceChildren();
  }

  /** Joins the call (again, when this page's socket changed: a reconnection is a new page to the server). */
  function join(s: SessionView) {
    const socket = d.socket();
    if (!socket?.id || (call?.sessionId === s.id && call.socketId === socket.id)) return;
    hangUpHere();
    el.replaceChildren(h('p', { class: 'note video-offer', role: 'status' }, t.joining));
    const handle = (async () => {
      const { mountCall } = (await import(new URL('/widget/video.js', d.origin).href)) as { mountCall: MountCall };
      const slot = h('div');
      el.replaceChildren(slot);
      return mountCall({
        slot,
        root: d.root,
        signal: signal(),
        sessionId: s.id,
        agent: agent(),
        say: d.flash,
        onHangUp: () => void ask('end', { sessionId: s.id }),
      });
    })().catch(() => {
      d.flash(t.failed);
      el.replaceChildren();
      return null;
    });
    call = { sessionId: s.id, socketId: socket.id, handle };
  }

  function hangUpHere() {
    const c = call;
    call = null;
    void c?.handle.then((x) => x?.close());
  }

  function apply(s: SessionView | null) {
    if (s && conversation && s.conversationId !== conversation.id) return;
    const was = session;
    session = s?.state === 'ended' ? null : s;
    if (s?.state === 'ended') {
      hangUpHere();
      if (was?.id === s.id && s.reason) d.flash(t.ended[s.reason]);
    }
    if (session?.state === 'active') join(session);
    render();
  }

  return {
    el,
    apply,
    setConversation(c: ConversationView | null) {
      conversation = c;
      if (c?.status !== 'active') (hangUpHere(), (session = null));
      render();
    },
    /** After (re)connecting: the conversation's call, if any, and joining it again. */
    async resync() {
      const a = (await signal().request('video:current', {})) as VideoAck<{ session: SessionView | null }>;
      if (a.ok) apply(a.session);
    },
    reset() {
      hangUpHere();
      session = conversation = null;
      el.replaceChildren();
    },
  };
}
