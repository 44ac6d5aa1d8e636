/**
 * Attachments on screen. Files are fetched with the conversation token in a header (never in a
 * URL), so an image is shown from a blob URL and a download link gets one when clicked. Every blob
 * URL is revoked when the panel closes (`release`); images come back when it opens (`resume`).
 */
import type { AttachmentView } from '../../chat/protocol.ts';
import { formatSize, isImage, type FileResult } from './attachments.ts';
import { h } from './dom.ts';
import { texts as t } from './texts.fr.ts';

export type GetFile = (a: AttachmentView) => Promise<FileResult<{ blob: Blob }>>;

interface Slot {
  a: AttachmentView;
  el: HTMLImageElement | HTMLAnchorElement;
  /** Puts the blob URL on the element, or takes it off (null). */
  set(url: string | null): void;
  /** The round a fetch for it started in, while one runs. */
  loading?: number;
}

export type Media = ReturnType<typeof createMedia>;

export function createMedia(get: GetFile, onError: (status: number) => void) {
  const slots = new Set<Slot>();
  const urls = new Set<string>();
  let active = false;
  /** Bumped by `release`: a fetch that ends after it is thrown away. */
  let round = 0;

  async function load(slot: Slot): Promise<boolean> {
    const asked = round;
    if (slot.loading === asked) return false;
    slot.loading = asked;
    const r = await get(slot.a);
    if (slot.loading === asked) slot.loading = undefined;
    if (!r.ok) {
      if (asked === round) onError(r.status);
      return false;
    }
    if (asked !== round || !active) return false;
    const url = URL.createObjectURL(r.blob);
    urls.add(url);
    slot.set(url);
    return true;
  }

  function release() {
    active = false;
    round++;
    for (const url of urls) URL.revokeObjectURL(url);
    urls.clear();
    for (const s of slots) s.set(null);
  }

  function image(a: AttachmentView, onLoad: () => void): HTMLElement {
    const img = h('img', { alt: a.name, class: 'file-img' });
    img.addEventListener('load', onLoad);
    const slot: Slot = { a, el: img, set: (url) => (url ? (img.src = url) : img.removeAttribute('src')) };
    slots.add(slot);
    if (active) void load(slot);
    return img;
  }

  function link(a: AttachmentView): HTMLElement {
    const el = h('a', { href: '#', download: a.name, class: 'file' }, t.downloadFile(a.name, formatSize(a.size)));
    const slot: Slot = { a, el, set: (url) => (el.href = url ?? '#') };
    // Fetched on the first click; once the link holds its blob URL, the default action downloads it.
    el.addEventListener('click', (e) => {
      if (el.getAttribute('href') !== '#') return;
      e.preventDefault();
      void load(slot).then((ok) => ok && el.click());
    });
    slots.add(slot);
    return el;
  }

  return {
    /** An image, or a download link for anything else (PDF). */
    render: (a: AttachmentView, onImageLoad: () => void): HTMLElement => (isImage(a.type) ? image(a, onImageLoad) : link(a)),
    /** The panel opens: images on screen are fetched (again). */
    resume() {
      active = true;
      for (const s of slots) {
        if (!s.el.isConnected) slots.delete(s);
        else if (s.el instanceof HTMLImageElement && !s.el.getAttribute('src')) void load(s);
      }
    },
    /** The panel closes: every blob URL is revoked. */
    release,
    /** The conversation is dropped: its files too. */
    clear() {
      const was = active;
      release();
      slots.clear();
      active = was;
    },
  };
}
