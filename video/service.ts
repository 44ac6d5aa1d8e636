/**
 * Video calls from start to end. A request enters in whichever process holds the page's socket
 * (signalling.ts parsed it): it is checked here against the conversation (the visitor's own, or
 * one assigned to the agent), then run where the call's media live (relay.ts), which is the process
 * that took the accept. Every ending (hang-up, decline, expiry, a page gone too long, the chat
 * over, the holder gone) goes through `finish`, once: records removed, media closed, the agent's
 * voice slot freed, the timeline told, both sides told.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config/load.ts';
import type { InteractionLog } from '../customers/interactions.ts';
import type { RoutingCore } from '../routing/core.ts';
import { VideoError } from './errors.ts';
import type { EndReason, SessionView, Side } from './protocol.ts';
import { HolderGone, VideoRelay } from './relay.ts';
import { CallHolder, type VideoEmitter } from './holder.ts';
import { SessionStore, sessionView, type Session } from './sessions.ts';
import type { VideoWorkers } from './workers.ts';

/** Who sends a request: a visitor's page (its conversation, if any) or an agent's. */
export type Caller = { side: 'visitor'; socketId: string; conversationId?: string } | { side: 'agent'; socketId: string; agent: string };

/** What video needs to know of a chat conversation (chat/ owns them). */
export interface ConversationFacts {
  id: string;
  status: 'waiting' | 'active' | 'ended';
  agent: string | null;
  team: string;
  customerId: string | null;
  visitorEmail: string | null;
}

export type { VideoEmitter };

export interface VideoDeps {
  config: NonNullable<Config['video']>;
  redis: Redis;
  prefix: string;
  workers: VideoWorkers;
  conversation: (id: string) => Promise<ConversationFacts | undefined>;
  timeline: Pick<InteractionLog, 'begin' | 'change' | 'end'>;
  routing: Pick<RoutingCore, 'occupy' | 'release'>;
  emit: VideoEmitter;
  now: () => Date;
  log: Logger;
}

/** Requests run where the media are, with the page they come from. */
export type MediaOp = 'join' | 'transport' | 'connect' | 'produce' | 'consume' | 'resume' | 'pause' | 'stop';

export class VideoService {
  readonly relay: VideoRelay;
  private readonly store: SessionStore;
  private readonly holder: CallHolder;
  private readonly expiries = new Map<string, NodeJS.Timeout>();

  constructor(private readonly d: VideoDeps) {
    this.store = new SessionStore(d.redis, d.prefix);
    this.relay = new VideoRelay(d.redis, d.prefix, d.log, (op, args) => this.hold(op, args));
    this.holder = new CallHolder({
      rejoinMs: d.config.rejoinSeconds * 1000,
      emit: d.emit,
      store: this.store,
      failed: async (sessionId, reason) => {
        const s = await this.store.get(sessionId);
        if (s) await this.finish(s, reason);
        else this.holder.drop(sessionId);
      },
    });
  }

  start(): Promise<void> {
    return this.relay.start();
  }

  async propose(c: Caller, conversationId?: string): Promise<SessionView> {
    const { d } = this;
    if (c.side === 'visitor' && !d.config.visitorsMayPropose)
      throw new VideoError('VIDEO_ERR_DISABLED', 'only the agent can propose a video call here');
    const conv = await this.conversationOf(c, conversationId);
    if (conv.status !== 'active' || !conv.agent) throw new VideoError('VIDEO_ERR_CHAT_NOT_ACTIVE');
    const existing = await this.store.ofConversation(conv.id);
    if (existing) {
      if (existing.holder && !(await this.relay.alive(existing.holder))) await this.finish(existing, 'failed');
      else throw new VideoError('VIDEO_ERR_ALREADY', alreadyText(existing));
    }
    const now = d.now().getTime();
    const s: Session = {
      id: randomUUID(),
      conversationId: conv.id,
      state: 'proposed',
      by: c.side,
      proposedAt: now,
      acceptedAt: null,
      holder: null,
      agent: conv.agent,
      team: conv.team,
      customerId: conv.customerId,
      contact: conv.visitorEmail,
      occupied: false,
    };
    const ms = d.config.proposalSeconds * 1000;
    const held = await this.store.create(s, ms + 5000);
    if (held !== s.id) throw new VideoError('VIDEO_ERR_ALREADY', alreadyText((await this.store.get(held)) ?? s));
    const timeline = {
      id: s.id,
      channel: 'video',
      direction: c.side === 'visitor' ? 'inbound' : 'outbound',
      contact: s.contact,
      customerId: s.customerId,
      at: new Date(now),
      team: s.team,
    } as const;
    await d.timeline
      .begin(timeline)
      .then(() => d.timeline.change(s.id, { agent: s.agent, links: { chat: s.conversationId } }))
      .catch((err: Error) => d.log.warn({ err: err.message }, 'video not on the timeline'));
    this.expiries.set(
      s.id,
      setTimeout(() => void this.expire(s.id), ms),
    );
    d.log.info({ session: s.id, conversation: s.conversationId, by: c.side }, 'video proposed');
    return this.announce(s);
  }

  async answer(c: Caller, sessionId: string, accept: boolean): Promise<SessionView> {
    const { d } = this;
    const s = await this.mine(c, sessionId);
    if (s.state !== 'proposed') throw new VideoError('VIDEO_ERR_STATE', 'this call was already answered');
    if (s.by === c.side) throw new VideoError('VIDEO_ERR_STATE', 'the other side answers a proposal');
    if (!accept) return (await this.finish(s, 'declined')) ?? sessionView(s, [], 'declined');
    if (!(await d.routing.occupy(s.agent, 'video'))) {
      await this.finish(s, 'failed');
      throw new VideoError('VIDEO_ERR_AGENT_BUSY');
    }
    let reserved: Awaited<ReturnType<VideoWorkers['reserve']>>;
    try {
      reserved = await d.workers.reserve();
    } catch (err) {
      await this.finish({ ...s, occupied: true }, 'failed');
      throw err;
    }
    this.holder.open(s.id, reserved);
    const next: Session = { ...s, state: 'active', acceptedAt: d.now().getTime(), holder: this.relay.processId, occupied: true };
    if (!(await this.store.swap(s, next, true))) {
      this.holder.drop(s.id);
      await d.routing.release(s.agent, 'video').catch(() => undefined);
      throw new VideoError('VIDEO_ERR_STATE', 'this call was withdrawn meanwhile');
    }
    this.clearExpiry(s.id);
    void d.timeline.change(s.id, { answeredAt: new Date(next.acceptedAt!) }).catch(() => undefined);
    d.log.info({ session: s.id, worker: reserved.slot.worker.pid }, 'video accepted');
    return this.announce(next);
  }

  /** The conversation's call, if any (a page that reloads). */
  async current(c: Caller, conversationId?: string): Promise<SessionView | null> {
    const conv = await this.conversationOf(c, conversationId);
    const s = await this.store.ofConversation(conv.id);
    if (!s) return null;
    if (s.state === 'proposed' || !s.holder) return sessionView(s);
    try {
      return sessionView(s, await this.relay.call<Side[]>(s.holder, 'present', { sessionId: s.id }));
    } catch (err) {
      if (err instanceof HolderGone) return (await this.finish(s, 'failed'), null);
      throw err;
    }
  }

  /** A media step, run in the process holding the call. */
  async media<T>(c: Caller, op: MediaOp, payload: { sessionId: string } & Record<string, unknown>): Promise<T> {
    const s = await this.mine(c, payload.sessionId);
    if (s.state !== 'active' || !s.holder) throw new VideoError('VIDEO_ERR_STATE', 'the call has not been accepted');
    try {
      return await this.relay.call<T>(s.holder, op, { ...payload, side: c.side, socketId: c.socketId });
    } catch (err) {
      if (err instanceof HolderGone) await this.finish(s, 'failed');
      throw err;
    }
  }

  async end(c: Caller, sessionId: string): Promise<void> {
    await this.endSession(await this.mine(c, sessionId), 'hung-up');
  }

  /** A page's socket closed: it left the calls it joined (it may come back). */
  async pageGone(c: Caller, sessionIds: Iterable<string>): Promise<void> {
    for (const id of sessionIds) {
      const s = await this.store.get(id).catch(() => undefined);
      if (s?.holder) await this.relay.call(s.holder, 'leave', { sessionId: id, side: c.side, socketId: c.socketId }).catch(() => undefined);
    }
  }

  /** The chat is over: so is its call. */
  async conversationEnded(conversationId: string): Promise<void> {
    const s = await this.store.ofConversation(conversationId);
    if (s) await this.endSession(s, 'chat-ended');
  }

  /** What the calls held here keep in mediasoup (tests, health). */
  counts(): ReturnType<CallHolder['counts']> {
    return this.holder.counts();
  }

  /** Stops holding calls: they end (their media go with this process). */
  async close(): Promise<void> {
    for (const t of this.expiries.values()) clearTimeout(t);
    for (const id of this.holder.ids()) {
      const s = await this.store.get(id).catch(() => undefined);
      if (s) await this.finish(s, 'failed').catch(() => undefined);
      this.holder.drop(id);
    }
    this.relay.close();
  }

  /** A request from any process about a call held here. */
  private async hold(op: string, a: Record<string, unknown>): Promise<unknown> {
    const sessionId = a.sessionId as string;
    if (op === 'end') {
      const s = await this.store.get(sessionId);
      return s && this.finish(s, a.reason as EndReason);
    }
    return this.holder.run(op, a);
  }

  // --- endings -------------------------------------------------------------------------------

  /** Ends a call where its media are (or here, when they went with their process). */
  private async endSession(s: Session, reason: EndReason): Promise<void> {
    if (s.state !== 'active' || !s.holder) return void (await this.finish(s, reason));
    try {
      await this.relay.call(s.holder, 'end', { sessionId: s.id, reason });
    } catch (err) {
      if (!(err instanceof HolderGone)) throw err;
      await this.finish(s, reason);
    }
  }

  private async expire(sessionId: string): Promise<void> {
    this.expiries.delete(sessionId);
    const s = await this.store.get(sessionId).catch(() => undefined);
    if (s?.state === 'proposed')
      await this.finish(s, 'expired').catch((err: Error) => this.d.log.warn({ err: err.message }, 'video expiry failed'));
  }

  /** The one ending of a call; undefined when another process (or request) ended it first. */
  private async finish(s: Session, reason: EndReason): Promise<SessionView | undefined> {
    const { d } = this;
    if (!(await this.store.remove(s))) return undefined;
    this.clearExpiry(s.id);
    this.holder.drop(s.id);
    if (s.occupied)
      await d.routing.release(s.agent, 'video').catch((err: Error) => d.log.warn({ err: err.message }, 'video: voice slot not released'));
    const outcome = s.acceptedAt ? 'answered' : reason === 'declined' ? 'declined' : reason === 'expired' ? 'unanswered' : 'cancelled';
    await d.timeline.end(s.id, outcome, d.now()).catch((err: Error) => d.log.warn({ err: err.message }, 'video end not on the timeline'));
    d.log.info(
      { session: s.id, reason, seconds: s.acceptedAt ? Math.round((d.now().getTime() - s.acceptedAt) / 1000) : null },
      'video ended',
    );
    const view = sessionView(s, [], reason);
    d.emit.toConversation(s.conversationId, 'video:session', view);
    return view;
  }

  private clearExpiry(sessionId: string): void {
    clearTimeout(this.expiries.get(sessionId));
    this.expiries.delete(sessionId);
  }

  // --- who may -------------------------------------------------------------------------------

  private async conversationOf(c: Caller, conversationId?: string): Promise<ConversationFacts> {
    const id = c.side === 'visitor' ? c.conversationId : conversationId;
    if (!id)
      throw new VideoError(
        c.side === 'visitor' ? 'VIDEO_ERR_CHAT_NOT_ACTIVE' : 'VIDEO_ERR_INVALID',
        c.side === 'visitor' ? 'start a chat first' : 'conversationId: required',
      );
    const conv = await this.d.conversation(id);
    if (!conv || (c.side === 'agent' && conv.agent !== c.agent))
      throw new VideoError('VIDEO_ERR_NOT_FOUND', 'no such conversation of yours');
    return conv;
  }

  /** The call, if it is in a conversation of the caller's that is not over. */
  private async mine(c: Caller, sessionId: string): Promise<Session> {
    const s = await this.store.get(sessionId);
    if (!s) throw new VideoError('VIDEO_ERR_NOT_FOUND');
    const conv = await this.conversationOf(c, s.conversationId).catch(() => undefined);
    if (!conv || (c.side === 'visitor' && c.conversationId !== s.conversationId)) throw new VideoError('VIDEO_ERR_NOT_FOUND');
    if (conv.status === 'ended') {
      await this.endSession(s, 'chat-ended');
      throw new VideoError('VIDEO_ERR_NOT_FOUND', 'the conversation is over, and its call');
    }
    return s;
  }

  private announce(s: Session): SessionView {
    const view = sessionView(s);
    this.d.emit.toConversation(s.conversationId, 'video:session', view);
    return view;
  }
}

const alreadyText = (s: Session) =>
  s.state === 'proposed'
    ? 'a video call is already proposed in this conversation: answer it or wait'
    : 'a video call is already in progress in this conversation';
