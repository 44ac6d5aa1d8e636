/**
 * Files in a chat: their type is read from their first bytes (a renamed executable is not an
 * image), their name is cleaned for display and download, and they are kept in PostgreSQL with
 * their conversation, so access follows the conversation's.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AttachmentType, AttachmentView } from './protocol.ts';

const startsWith = (b: Uint8Array, bytes: number[], at = 0) => bytes.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** The file's type from its signature, or undefined when it is none Relais accepts. */
export function sniffType(b: Uint8Array): AttachmentType | undefined {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(b, ascii('%PDF-'))) return 'application/pdf';
  return undefined;
}

/** A name safe to show and to offer as a download name: no path, no control characters, bounded. */
export function cleanName(raw: string | undefined, type: AttachmentType): string {
  let decoded = raw ?? '';
  try {
    decoded = decodeURIComponent(decoded);
  } catch {
    // Not URI-encoded: taken as it is.
  }
  const base = decoded
    .split(/[/\\]/)
    .pop()!
    .replace(/[\p{Cc}"]/gu, '')
    .trim()
    .slice(0, 120);
  return base || `fichier.${type === 'application/pdf' ? 'pdf' : type.slice('image/'.length)}`;
}

export class AttachmentStore {
  constructor(private readonly db: pg.Pool) {}

  async save(
    conversationId: string,
    f: { name: string; type: AttachmentType; data: Buffer; by: 'visitor' | 'agent' },
  ): Promise<AttachmentView> {
    const id = randomUUID();
    await this.db.query(
      'insert into chat_attachments (id, conversation_id, name, type, size, data, uploaded_by) values ($1, $2, $3, $4, $5, $6, $7)',
      [id, conversationId, f.name, f.type, f.data.length, f.data, f.by],
    );
    return { id, name: f.name, type: f.type, size: f.data.length };
  }

  /** The file, if it belongs to this conversation. */
  async get(conversationId: string, id: string): Promise<(AttachmentView & { data: Buffer }) | undefined> {
    const { rows } = await this.db.query('select id, name, type, size, data from chat_attachments where id = $1 and conversation_id = $2', [
      id,
      conversationId,
    ]);
    return rows[0];
  }

  async view(conversationId: string, id: string): Promise<AttachmentView | undefined> {
    const { rows } = await this.db.query('select id, name, type, size from chat_attachments where id = $1 and conversation_id = $2', [
      id,
      conversationId,
    ]);
    return rows[0];
  }
}
