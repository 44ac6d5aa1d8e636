/**
 * Attachments, the widget's side without the DOM: which files, how big, what to tell the visitor,
 * and the two HTTP calls. The conversation token goes in the `Authorization` header, never in a
 * URL (where it would end up in logs, the history and Referer headers). `doFetch` is injected
 * for the tests.
 */
import type { AttachmentType, AttachmentView } from '../../chat/protocol.ts';
import { texts as t } from './texts.fr.ts';

/**
 * ATTACHMENT_TYPES of chat/protocol.ts, written out: importing a value from there would bring zod
 * into the bundle (a unit test keeps the two lists equal).
 */
export const ACCEPTED: readonly AttachmentType[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf'];

export const isImage = (type: string): boolean => type.startsWith('image/') && ACCEPTED.includes(type as AttachmentType);

/**
 * The type a fetched file is given in the browser, whatever the response said: an accepted image
 * type, else a download. A blob URL opened in a tab runs in the host page's origin: it must never
 * be HTML (or SVG).
 */
export const blobType = (type: string): string => (isImage(type) ? type : 'application/octet-stream');

/** "12 o", "3,4 Ko", "350 Ko", "1,2 Mo", "25 Mo" (binary units, as file managers show them). */
export function formatSize(bytes: number): string {
  const [n, unit] = bytes < 1024 ? [bytes, 'o'] : bytes < 1024 * 1024 ? [bytes / 1024, 'Ko'] : [bytes / 1024 / 1024, 'Mo'];
  const shown = unit !== 'o' && n < 9.95 ? String(Math.round(n * 10) / 10).replace('.', ',') : String(Math.round(n));
  return `${shown} ${unit}`;
}

/** Why a picked file will not be sent (checked before uploading), or null. */
export function checkFile(file: { size: number; type: string }, maxBytes: number): string | null {
  if (file.size > maxBytes) return t.tooBig(formatSize(maxBytes));
  if (file.size === 0) return t.emptyFile;
  // An empty type (unknown to the browser) goes up: the server recognises files by their content.
  if (file.type && !ACCEPTED.includes(file.type as AttachmentType)) return t.badType;
  return null;
}

/** What to tell the visitor when an upload is answered `status` (0: no answer at all). */
export function uploadErrorText(status: number, maxBytes: number): string {
  if (status === 401) return t.errors.CHAT_ERR_UNAUTHORISED;
  if (status === 409) return t.errors.CHAT_ERR_ENDED;
  if (status === 413) return t.tooBig(formatSize(maxBytes));
  if (status === 415) return t.badType;
  if (status === 429) return t.errors.CHAT_ERR_RATE_LIMITED;
  return t.uploadFailed;
}

export type FileResult<T> = ({ ok: true } & T) | { ok: false; status: number };
type Fetch = typeof fetch;

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

function isView(v: unknown): v is AttachmentView {
  const a = v as AttachmentView | null;
  return typeof a?.id === 'string' && typeof a.name === 'string' && typeof a.type === 'string' && typeof a.size === 'number';
}

/** `POST /chat/attachments` with the file's bytes; answered 201 with the stored file. */
export async function uploadAttachment(
  origin: string,
  token: string,
  file: File,
  doFetch: Fetch = fetch,
): Promise<FileResult<{ view: AttachmentView }>> {
  try {
    const res = await doFetch(`${origin}/chat/attachments`, {
      method: 'POST',
      credentials: 'omit',
      headers: { ...auth(token), 'X-Filename': encodeURIComponent(file.name), 'Content-Type': file.type || 'application/octet-stream' },
      body: file,
    });
    if (res.status !== 201) return { ok: false, status: res.status };
    const view: unknown = await res.json();
    return isView(view) ? { ok: true, view } : { ok: false, status: 0 };
  } catch {
    return { ok: false, status: 0 };
  }
}

/** `GET /chat/attachments/<id>`: the file, typed by `blobType(type)`. */
export async function fetchAttachment(
  origin: string,
  token: string,
  a: Pick<AttachmentView, 'id' | 'type'>,
  doFetch: Fetch = fetch,
): Promise<FileResult<{ blob: Blob }>> {
  try {
    const res = await doFetch(`${origin}/chat/attachments/${encodeURIComponent(a.id)}`, { credentials: 'omit', headers: auth(token) });
    if (!res.ok) return { ok: false, status: res.status };
    return { ok: true, blob: new Blob([await res.arrayBuffer()], { type: blobType(a.type) }) };
  } catch {
    return { ok: false, status: 0 };
  }
}
