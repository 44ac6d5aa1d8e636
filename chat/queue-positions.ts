/**
 * Queue places for the waiting visitors connected to this process. The routing core only says
 * that a team's queue changed (a `queue` event on every join, offer and departure); answering
 * each event by reading every waiting conversation made N joins cost O(N²) reads and sends
 * (bench/chat-load.ts: 250 PostgreSQL reads and 1,275 Redis commands per join at 500 visitors).
 *
 * Here a team is looked at most once per `everyMs` (the first change at once, the ones that
 * follow gathered), with ONE read of its queue order; only visitors whose place changed are told,
 * and only by this process (each process tells its own visitors: no Redis broadcast). What a view
 * needs besides the place is kept in memory from the conversation as this process last saw it.
 */
import type { Logger } from 'pino';
import type { ConversationView } from './protocol.ts';
import { viewOf, type Conversation } from './store.ts';

export interface QueuePositionsDeps {
  /** Every interaction id waiting in a team's queue, in queue order (the first is next). */
  queueOrder(team: string): Promise<string[]>;
  /** Conversations this process has not seen yet (a visitor back after a reload or a restart), in one read. */
  load(ids: readonly string[]): Promise<Conversation[]>;
  /** Whether a visitor of this conversation is connected to this process. */
  visitorHere(conversationId: string): boolean;
  /** To that visitor only, from this process. */
  tellVisitorHere(conversationId: string, view: ConversationView): void;
  /** At most one look at a team per this many ms (default 1000). */
  everyMs?: number;
  log: Logger;
}

interface Waiting {
  /** Undefined until read (the visitor came back with a token): loaded on the next look. */
  conversation?: Conversation;
  /** The place the visitor was last told (null: none yet). */
  told: number | null;
}

interface TeamTurn {
  lastAt: number;
  timer?: NodeJS.Timeout;
  running: boolean;
  /** A change arrived since the last look began. */
  dirty: boolean;
}

export class QueuePositions {
  private readonly waiting = new Map<string, Waiting>();
  private readonly teams = new Map<string, TeamTurn>();
  private readonly everyMs: number;
  private closed = false;

  constructor(private readonly d: QueuePositionsDeps) {
    this.everyMs = d.everyMs ?? 1000;
  }

  /** A waiting conversation whose visitor is here; `told`: the place they already have. */
  watch(id: string, conversation?: Conversation, told: number | null = null): void {
    if (conversation && conversation.status !== 'waiting') return this.forget(id);
    const known = this.waiting.get(id);
    this.waiting.set(id, { conversation: conversation ?? known?.conversation, told: told ?? known?.told ?? null });
  }

  /** A newer state of a conversation this process watches (read marks), or its end. */
  saw(conversation: Conversation, told?: number | null): void {
    const known = this.waiting.get(conversation.id);
    if (!known) return;
    if (conversation.status !== 'waiting') return this.forget(conversation.id);
    known.conversation = conversation;
    if (told !== undefined) known.told = told;
  }

  /** An agent took it, it ended, or its visitor left this process (ChatService.visitorLeft). */
  forget(id: string): void {
    this.waiting.delete(id);
  }

  /** How many conversations this process watches (tests, memory). */
  get size(): number {
    return this.waiting.size;
  }

  /** The team's queue changed: its visitors here are told their new places within `everyMs`. */
  changed(team: string): void {
    if (this.closed) return;
    let turn = this.teams.get(team);
    if (!turn) this.teams.set(team, (turn = { lastAt: 0, running: false, dirty: false }));
    turn.dirty = true;
    if (turn.timer || turn.running) return;
    const wait = Math.max(0, turn.lastAt + this.everyMs - Date.now());
    turn.timer = setTimeout(() => void this.run(team, turn), wait);
  }

  close(): void {
    this.closed = true;
    for (const turn of this.teams.values()) clearTimeout(turn.timer);
    this.teams.clear();
    this.waiting.clear();
  }

  private async run(team: string, turn: TeamTurn): Promise<void> {
    Object.assign(turn, { timer: undefined, running: true, dirty: false, lastAt: Date.now() });
    try {
      await this.look(team);
    } catch (err) {
      this.d.log.warn({ err: (err as Error).message, team }, 'queue positions not updated');
    } finally {
      turn.running = false;
      if (turn.dirty) this.changed(team);
    }
  }

  private async look(team: string): Promise<void> {
    // A process with nobody waiting (agents only, or every visitor answered) reads nothing.
    if (this.waiting.size === 0) return;
    const order = await this.d.queueOrder(team);
    const moved: [id: string, place: number][] = [];
    // By the queue, not by the conversation's team: an overflow moves an interaction to another team's queue.
    order.forEach((id, i) => {
      const w = this.waiting.get(id);
      if (w && w.told !== i + 1) moved.push([id, i + 1]);
    });
    const unread = moved.filter(([id]) => !this.waiting.get(id)?.conversation).map(([id]) => id);
    if (unread.length) {
      const loaded = await this.d.load(unread);
      for (const c of loaded) this.saw(c);
      const found = new Set(loaded.map((c) => c.id));
      for (const id of unread) if (!found.has(id)) this.forget(id);
    }
    for (const [id, place] of moved) {
      const w = this.waiting.get(id);
      // Not here (yet): the socket joins its room just after `start`; one that left is forgotten then.
      if (!w?.conversation || !this.d.visitorHere(id)) continue;
      w.told = place;
      this.d.tellVisitorHere(id, viewOf(w.conversation, place));
    }
  }
}
