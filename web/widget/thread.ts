/**
 * The conversation as data: merging server messages (deduplicated by id, ordered by seq), what the
 * agent has read, what the visitor has not, and the text transcript. No DOM here.
 */
import type { ConversationView, MessageView } from '../../chat/protocol.ts';

/** `incoming` added to `known`; a message seen twice (event and ack, or history) is kept once. */
export function mergeMessages(known: readonly MessageView[], incoming: readonly MessageView[]): MessageView[] {
  const byId = new Map(known.map((m) => [m.id, m]));
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

export function lastSeq(messages: readonly MessageView[]): number {
  return messages.at(-1)?.seq ?? 0;
}

/** The id of the visitor's latest message the agent has read (where "Lu" goes), or null. */
export function lastReadByAgent(messages: readonly MessageView[], conversation: ConversationView | null): string | null {
  if (!conversation) return null;
  let id: string | null = null;
  for (const m of messages) if (m.from === 'visitor' && m.seq <= conversation.readByAgent) id = m.id;
  return id;
}

/** Messages from the agent's side the visitor has not seen yet. */
export function unreadCount(messages: readonly MessageView[], readUpTo: number): number {
  return messages.filter((m) => m.from !== 'visitor' && m.seq > readUpTo).length;
}

export interface TranscriptLabels {
  title: string;
  you: string;
  agent: string;
  system: string;
  /** The line standing for a file: "[pièce jointe : nom]". */
  attachment: (name: string) => string;
}

/** A plain-text transcript: one block per message, local time, author, text, then its file if any. */
export function transcript(messages: readonly MessageView[], labels: TranscriptLabels, timeZone?: string): string {
  const time = (iso: string) =>
    new Date(iso).toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) });
  const who = (m: MessageView) => (m.from === 'visitor' ? labels.you : m.from === 'agent' ? (m.author ?? labels.agent) : labels.system);
  const body = (m: MessageView) => [m.text, m.attachment && labels.attachment(m.attachment.name)].filter(Boolean).join('\n');
  const lines = messages.map((m) => `[${time(m.at)}] ${who(m)} :\n${body(m)}\n`);
  return `${labels.title}\n\n${lines.join('\n')}`;
}
