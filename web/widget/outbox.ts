/**
 * The visitor's unsent messages. A message is saved here before it is emitted and leaves only when
 * the server acknowledged it: a reload, a network drop or a server restart loses nothing. The
 * storage, the sender and the timer are injected, so the ordering and resend rules are tested
 * without a browser or a socket.
 */
import type { AttachmentView, ChatError, MessageView } from '../../chat/protocol.ts';

export interface OutboxItem {
  /** `crypto.randomUUID()`: the server recognises a resend by it. */
  id: string;
  /** '' for a file alone. */
  text: string;
  /** A file uploaded before (sent as its id; shown while unsent): a resend carries the same one. */
  attachment?: AttachmentView;
  /** ISO 8601, when typed (shown while unsent). */
  at: string;
}

export interface OutboxStore {
  load(): OutboxItem[];
  save(items: readonly OutboxItem[]): void;
}

/**
 * What became of one emit: acknowledged, refused for good (the payload or the conversation is
 * wrong: resending cannot help), or not known (timeout, disconnect, storage away: try again).
 */
export type SendResult = { kind: 'ok'; message: MessageView } | { kind: 'rejected'; error: ChatError } | { kind: 'retry' };

export interface OutboxOptions {
  store: OutboxStore;
  send: (item: OutboxItem) => Promise<SendResult>;
  /** Called after the store changed and the item left the outbox. */
  onAcked?: (item: OutboxItem, message: MessageView) => void;
  onRejected?: (item: OutboxItem, error: ChatError) => void;
  /** Retry after a `retry` result while still connected. */
  retryMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

type IdSource = Pick<Crypto, 'getRandomValues'> & { randomUUID?: () => string };

/**
 * A v4 UUID for a new message. `crypto.randomUUID` exists only in secure contexts (https,
 * localhost): a shop page served over plain http gets the same format from getRandomValues.
 */
export function newMessageId(source: IdSource = crypto): string {
  if (typeof source.randomUUID === 'function') return source.randomUUID();
  const b = source.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const x = [...b].map((n) => n.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const isAttachment = (a: AttachmentView | undefined) =>
  a === undefined || (typeof a?.id === 'string' && typeof a.name === 'string' && typeof a.type === 'string' && typeof a.size === 'number');

/** Keeps only well-formed items from storage (it may hold anything a previous version wrote). */
export function parseStored(raw: string | null): OutboxItem[] {
  if (!raw) return [];
  try {
    const data: unknown = JSON.parse(raw);
    if (!Array.isArray(data)) return [];
    return data.filter(
      (i): i is OutboxItem =>
        typeof i?.id === 'string' && typeof i?.text === 'string' && typeof i?.at === 'string' && isAttachment(i.attachment),
    );
  } catch {
    return [];
  }
}

export class Outbox {
  private list: OutboxItem[];
  private connected = false;
  private flushing = false;
  private timer: unknown = null;
  private readonly o: Required<Omit<OutboxOptions, 'onAcked' | 'onRejected'>> & Pick<OutboxOptions, 'onAcked' | 'onRejected'>;

  constructor(options: OutboxOptions) {
    this.o = {
      retryMs: 3000,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      ...options,
    };
    this.list = this.o.store.load();
  }

  /** Unsent messages, oldest first. */
  get items(): readonly OutboxItem[] {
    return this.list;
  }

  /** Saves the message, then sends it (after any older one) if connected. */
  push(item: OutboxItem): void {
    this.list = [...this.list, item];
    this.o.store.save(this.list);
    void this.flush();
  }

  /** Call with true on every (re)connect: everything unsent goes again, in order. */
  setConnected(connected: boolean): void {
    this.connected = connected;
    this.cancelRetry();
    if (connected) void this.flush();
  }

  /** Forgets everything (the conversation is gone). */
  clear(): void {
    this.list = [];
    this.o.store.save(this.list);
    this.cancelRetry();
  }

  /**
   * Sends one message at a time, oldest first, so the server stores them in typing order. Stops at
   * the first `retry` and tries again later; a rejected message leaves (resending cannot help).
   */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.connected) {
        const head = this.list[0];
        if (!head) break;
        const result = await this.o.send(head);
        if (result.kind === 'retry') {
          this.scheduleRetry();
          break;
        }
        // The head may have been dropped by clear() while waiting.
        if (this.list[0]?.id !== head.id) continue;
        this.list = this.list.slice(1);
        this.o.store.save(this.list);
        if (result.kind === 'ok') this.o.onAcked?.(head, result.message);
        else this.o.onRejected?.(head, result.error);
      }
    } finally {
      this.flushing = false;
    }
  }

  private scheduleRetry(): void {
    this.cancelRetry();
    if (!this.connected) return;
    this.timer = this.o.setTimer(() => {
      this.timer = null;
      void this.flush();
    }, this.o.retryMs);
  }

  private cancelRetry(): void {
    if (this.timer !== null) this.o.clearTimer(this.timer);
    this.timer = null;
  }
}
