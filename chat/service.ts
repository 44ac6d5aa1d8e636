/**
 * Conversations from start to end, between the sockets (visitor-socket.ts, agent-socket.ts), the
 * store, the routing core and the customer records. A conversation waits in its team's queue like
 * a call (channel 'chat'); an agent takes it within their chat capacity; every message is stored
 * before it is acknowledged and then sent to the other side.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CustomerRecords } from '../customers/index.ts';
import type { RoutingCore } from '../routing/core.ts';
import type { RoutingEvent } from '../routing/events.ts';
import { RoutingError } from '../routing/errors.ts';
import type { ChatStore, Conversation } from './store.ts';
import { viewOf } from './store.ts';
import type { ConversationView, MessageView, VisitorView } from './protocol.ts';
import { chatTexts } from './texts.fr.ts';
import type { AttachmentStore } from './attachments.ts';
import { QueuePositions } from './queue-positions.ts';
import { ChatRefusal } from './refusal.ts';

/** Where the service's news goes: Socket.IO rooms (chat/sockets.ts). */
export interface ChatEmitter {
  /** To the conversation's pages in every process (chat/conversation-relay.ts). */
  toConversation(id: string, event: 'message' | 'conversation' | 'typing', data: unknown, except?: 'visitor' | 'agent'): void;
  /** To an agent's pages connected to this process only: routing events reach every process. */
  toAgentHere(agent: string, event: 'offer' | 'offerCancelled', data: unknown): void;
  /** Whether a page of this agent is connected to this process. */
  agentHere(agent: string): boolean;
  /** To a conversation's visitor connected to this process only (each process tells its own). */
  toVisitorHere(id: string, event: 'conversation', data: unknown): void;
  /** Whether a visitor of this conversation is connected to this process. */
  visitorHere(id: string): boolean;
  /** The agent's pages (in every process) leave the conversation: it is no longer theirs. */
  leave(agent: string, conversationId: string): void;
}

export interface ChatDeps {
  store: ChatStore;
  attachments: AttachmentStore;
  routing: RoutingCore;
  records: Pick<CustomerRecords, 'identifyVisitor' | 'interactions' | 'openTicket' | 'get'>;
  staffName: (id: string) => string;
  teamName: (id: string) => string;
  /** How many chats this staff member takes at once (0: none). */
  chatCapacity: (id: string) => number;
  /** Business hours. */
  isOpen: () => boolean;
  emit: ChatEmitter;
  now: () => Date;
  log: Logger;
}

export class ChatService {
  private readonly positions: QueuePositions;

  constructor(private readonly d: ChatDeps) {
    this.positions = new QueuePositions({
      queueOrder: (team) => d.routing.queueOrder(team),
      load: (ids) => d.store.getMany(ids),
      visitorHere: (id) => d.emit.visitorHere(id),
      tellVisitorHere: (id, view) => d.emit.toVisitorHere(id, 'conversation', view),
      log: d.log,
    });
  }

  async start(input: { site: string; team: string; name: string | null; email: string | null; verified: boolean; page: string | null }) {
    const { d } = this;
    const customer = input.email ? await d.records.identifyVisitor(input.email, 'chat', { name: input.name ?? undefined }) : null;
    const conversation = await d.store.create({
      site: input.site,
      team: input.team,
      visitorName: input.name ?? customer?.name ?? null,
      visitorEmail: input.email,
      verified: input.verified,
      page: input.page,
      customerId: customer?.id ?? null,
    });
    await d.records.interactions
      .begin({
        id: conversation.id,
        channel: 'chat',
        direction: 'inbound',
        contact: input.email,
        customerId: customer?.id ?? null,
        at: d.now(),
        team: input.team,
      })
      .catch((err: Error) => d.log.warn({ err: err.message }, 'chat not on the timeline'));
    await d.routing.enqueue({
      id: conversation.id,
      channel: 'chat',
      team: input.team,
      priority: customer?.tier === 'premium' ? 'premium' : 'normal',
      meta: { conversationId: conversation.id },
    });
    d.log.info({ conversation: conversation.id, team: input.team, customer: customer?.id, verified: input.verified }, 'chat started');
    const view = await this.view(conversation);
    // The visitor's socket is on this process and joins the conversation's room next.
    this.positions.watch(conversation.id, conversation, view.position);
    return view;
  }

  /** A visitor came back here (reload, reconnect) with their conversation's token: told their place if waiting. */
  visitorBack(conversationId: string): void {
    this.positions.watch(conversationId);
  }

  /** A visitor's socket left this process: their place is no longer this process' to tell, unless another tab of theirs is here. */
  visitorLeft(conversationId: string): void {
    if (!this.d.emit.visitorHere(conversationId)) this.positions.forget(conversationId);
  }

  /** The agent's chat page opened or closed everywhere: chats are offered to them, or no more. */
  async chatReady(agent: string, ready: boolean): Promise<void> {
    await this.d.routing
      .setChatReady(agent, ready)
      .catch((err: Error) => this.d.log.warn({ err: err.message, agent }, 'chat readiness not recorded'));
  }

  /** Whether a chat for this team would be answered: open, and someone who takes chats is logged in with their chat page open. */
  async canAnswer(team: string): Promise<boolean> {
    if (!this.d.isOpen()) return false;
    const agents = await this.d.routing.teamAgents(team);
    return agents.some((a) => a.presence !== 'offline' && a.chatReady && this.d.chatCapacity(a.id) > 0);
  }

  /**
   * A message left while nobody could answer: kept as a closed conversation on the visitor's
   * timeline first (safe even if the helpdesk is away), then a helpdesk ticket; its number, or null.
   */
  async leaveMessage(m: {
    site: string;
    siteName: string;
    team: string;
    name: string;
    email: string;
    text: string;
  }): Promise<string | null> {
    const { d } = this;
    const customer = await d.records.identifyVisitor(m.email, 'chat', { name: m.name });
    const c = await d.store.createOffline(
      {
        site: m.site,
        team: m.team,
        visitorName: m.name,
        visitorEmail: m.email,
        verified: false,
        page: null,
        customerId: customer?.id ?? null,
      },
      { id: randomUUID(), text: m.text },
    );
    const at = d.now();
    await d.records.interactions
      .begin({ id: c.id, channel: 'chat', direction: 'inbound', contact: m.email, customerId: customer?.id ?? null, at, team: m.team })
      .then(() => d.records.interactions.end(c.id, 'message-left', at))
      .catch((err: Error) => d.log.warn({ err: err.message }, 'offline message not on the timeline'));
    const ticket = await d.records.openTicket(
      { name: m.name, email: m.email, subject: chatTexts.offlineSubject(m.siteName), message: m.text },
      c.id,
    );
    d.log.info({ conversation: c.id, ticket }, 'offline chat message');
    return ticket;
  }

  conversation(id: string): Promise<Conversation | undefined> {
    return this.d.store.get(id);
  }

  async view(c: Conversation): Promise<ConversationView> {
    const position = c.status === 'waiting' ? ((await this.d.routing.position(c.id).catch(() => undefined))?.position ?? null) : null;
    this.positions.saw(c);
    return viewOf(c, position);
  }

  /**
   * Stores and relays a message; its attachment must be one uploaded to this conversation.
   * Undefined when the conversation is over (or unknown): checked where it is written, so a
   * visitor's message needs no read of the conversation first.
   */
  async send(
    conversationId: string,
    from: 'visitor' | 'agent',
    m: { id: string; text: string; attachment?: string },
  ): Promise<MessageView | undefined> {
    if (m.attachment && !(await this.d.attachments.view(conversationId, m.attachment)))
      throw new ChatRefusal('CHAT_ERR_NOT_FOUND', 'attachment: no such file in this conversation');
    const stored = await this.d.store.append(conversationId, { ...m, from });
    // Nobody on the agents' side while nobody took it: nothing for them (to be encoded for nobody).
    if (stored && !stored.duplicate)
      this.d.emit.toConversation(
        conversationId,
        'message',
        { ...stored.message, conversationId },
        stored.agentAssigned ? undefined : 'agent',
      );
    return stored?.message;
  }

  typing(c: Conversation, from: 'visitor' | 'agent', typing: boolean): void {
    this.d.emit.toConversation(c.id, 'typing', { conversationId: c.id, typing }, from);
  }

  async read(c: Conversation, by: 'visitor' | 'agent', seq: number): Promise<void> {
    const updated = await this.d.store.markRead(c.id, by, seq);
    if (updated && (updated.readByAgent !== c.readByAgent || updated.readByVisitor !== c.readByVisitor))
      this.d.emit.toConversation(c.id, 'conversation', await this.view(updated));
  }

  /** An agent takes an offered conversation; false when someone else was first or it is over. */
  async accept(agent: string, conversationId: string, offerId: string): Promise<Conversation | undefined> {
    const { d } = this;
    if (!(await d.routing.accept(conversationId, agent, offerId))) return undefined;
    const name = d.staffName(agent);
    const c = await d.store.assign(conversationId, agent, name);
    if (!c) {
      await d.routing.finish(conversationId).catch(() => undefined);
      return undefined;
    }
    await this.system(c, chatTexts.agentJoined(name));
    d.emit.toConversation(c.id, 'conversation', await this.view(c));
    void d.records.interactions.change(c.id, { agent, answeredAt: d.now() }).catch(() => undefined);
    d.log.info({ conversation: c.id, agent }, 'chat taken');
    return c;
  }

  async decline(agent: string, conversationId: string, offerId: string): Promise<void> {
    await this.d.routing.decline(conversationId, agent, offerId, 'declined');
  }

  /** Either side ends it: the agent is free again, the visitor told. */
  async end(c: Conversation, by: 'visitor' | 'agent', disposition?: string): Promise<void> {
    const { d } = this;
    // The closing line goes in while the conversation is still open: it is part of the transcript.
    await this.system(c, by === 'agent' ? chatTexts.endedByAgent : chatTexts.endedByVisitor);
    const ended = await d.store.end(c.id, disposition);
    this.positions.forget(c.id);
    if (!ended) return;
    if (c.status === 'active') await d.routing.finish(c.id).catch((err: Error) => d.log.warn({ err: err.message }, 'chat finish failed'));
    else await d.routing.abandon(c.id).catch((err: Error) => d.log.warn({ err: err.message }, 'chat abandon failed'));
    d.emit.toConversation(c.id, 'conversation', await this.view(ended));
    const outcome = c.status === 'active' ? 'answered' : 'abandoned';
    void d.records.interactions.end(c.id, outcome, d.now(), disposition).catch(() => undefined);
    d.log.info({ conversation: c.id, by, outcome, disposition }, 'chat ended');
  }

  /** Who the agent talks to: what the visitor gave, and their customer record (name, tier). */
  async visitorOf(c: Conversation): Promise<VisitorView> {
    const customer = c.customerId ? await this.d.records.get(c.customerId).catch(() => null) : null;
    return {
      name: c.visitorName,
      email: c.visitorEmail,
      verified: c.verified,
      page: c.page,
      customer: customer && { id: customer.id, name: customer.name, tier: customer.tier },
    };
  }

  /** Routing news: offers to agents' pages here, queue positions to visitors here. */
  async onRoutingEvent(e: RoutingEvent): Promise<void> {
    const { d } = this;
    if (e.type === 'offer' && e.interaction.channel === 'chat') {
      // Every process hears every offer; only the one with the agent's page reads what it shows.
      if (!e.offer.agents.some((a) => d.emit.agentHere(a))) return;
      const c = await d.store.get(e.interaction.id);
      if (!c) return;
      const messages = await d.store.messages(c.id, 0, 50);
      const preview =
        messages
          .filter((m) => m.from === 'visitor')
          .at(-1)
          ?.text.slice(0, 140) ?? null;
      const offer = {
        offerId: e.offer.id,
        expiresAt: new Date(e.offer.expiresAt).toISOString(),
        waitingSince: new Date(e.interaction.enqueuedAt).toISOString(),
        conversation: await this.view(c),
        visitor: await this.visitorOf(c),
        preview,
      };
      for (const agent of e.offer.agents) d.emit.toAgentHere(agent, 'offer', offer);
    } else if (e.type === 'offerCancelled' && e.offer.interactionId) {
      for (const agent of e.agents)
        d.emit.toAgentHere(agent, 'offerCancelled', { offerId: e.offer.id, conversationId: e.offer.interactionId });
    } else if (e.type === 'assigned' && e.interaction.channel === 'chat') {
      this.positions.forget(e.interaction.id);
    } else if (e.type === 'transferred' && e.interaction.channel === 'chat' && d.emit.visitorHere(e.interaction.id)) {
      // Waiting again after its agent passed it on: the visitor's process tells them their place.
      this.positions.watch(e.interaction.id);
    } else if (e.type === 'queue') {
      this.positions.changed(e.team);
    }
  }

  /**
   * The agent passes their conversation on: to a team (it waits in its queue, at its place) or to
   * a colleague (offered to them alone, back in its team's queue if they do not take it). The
   * visitor is told; the agent's pages leave it. Refused with the routing core's reason.
   */
  async transfer(c: Conversation, agent: string, to: { team: string } | { agent: string }): Promise<void> {
    const { d } = this;
    try {
      await d.routing.transfer(c.id, agent, to);
    } catch (err) {
      if (err instanceof RoutingError) throw new ChatRefusal('CHAT_ERR_NOT_FOUND', err.message);
      throw err;
    }
    const waiting = await d.store.release(c.id, agent);
    d.emit.leave(agent, c.id);
    if (!waiting) return;
    await this.system(
      waiting,
      'team' in to ? chatTexts.transferredToTeam(d.teamName(to.team)) : chatTexts.transferredToAgent(d.staffName(to.agent)),
    );
    d.emit.toConversation(c.id, 'conversation', await this.view(waiting));
    d.log.info({ conversation: c.id, from: agent, to }, 'chat transferred');
  }

  /**
   * The agent turns their conversation into a helpdesk ticket: its transcript, on the visitor's
   * email (osTicket needs one), linked on the customer's timeline. `not-yours` for anyone else.
   */
  async toTicket(conversationId: string, agent: string): Promise<string | null | 'not-yours' | 'no-email'> {
    const { d } = this;
    const c = await d.store.get(conversationId);
    if (!c || c.agent !== agent) return 'not-yours';
    if (!c.visitorEmail) return 'no-email';
    const lines = (await d.store.messages(c.id)).map(
      (m) =>
        `[${m.at.slice(11, 16)}] ${m.from === 'system' ? '—' : (m.author ?? m.from)} : ${m.text}${m.attachment ? ` (${m.attachment.name})` : ''}`,
    );
    const ticket = await d.records.openTicket(
      {
        name: c.visitorName ?? c.visitorEmail,
        email: c.visitorEmail,
        subject: chatTexts.ticketSubject(c.visitorName ?? c.visitorEmail),
        message: lines.join('\n'),
      },
      c.id,
    );
    d.log.info({ conversation: c.id, agent, ticket }, 'chat turned into a ticket');
    return ticket;
  }

  close(): void {
    this.positions.close();
  }

  /** A line from Relais in the conversation ("Alice a rejoint la conversation"), stored like any message. */
  private async system(c: Conversation, text: string): Promise<void> {
    const stored = await this.d.store.append(c.id, { id: randomUUID(), from: 'system', text });
    if (stored) this.d.emit.toConversation(c.id, 'message', { ...stored.message, conversationId: c.id });
  }
}
