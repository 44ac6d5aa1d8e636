/**
 * Splits message text into plain text and http(s) links. The caller renders text parts with
 * `textContent` and link parts as `<a>` whose href is the parsed URL: nothing here is ever HTML, and
 * only `http:`/`https:` URLs become links (no `javascript:`, `data:` or the like).
 */

export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// Stops at whitespace and at characters that cannot end a URL in running text.
const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Trailing punctuation usually belongs to the sentence, not to the URL.
const TRAILING = /[.,;:!?)\]}»]+$/;

/** The URL (relative to `base` if given) as a safe href, or null when it does not parse as http(s). */
export function safeHref(candidate: string, base?: string): string | null {
  let url: URL;
  try {
    url = new URL(candidate, base);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}

export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  const pushText = (t: string) => {
    if (!t) return;
    const last = out.at(-1);
    if (last?.kind === 'text') last.text += t;
    else out.push({ kind: 'text', text: t });
  };
  let at = 0;
  for (const m of text.matchAll(URL_RE)) {
    const start = m.index;
    let raw = m[0];
    const trail = TRAILING.exec(raw)?.[0] ?? '';
    // Keep a closing parenthesis that has its opening one inside the URL (Wikipedia-style links).
    if (trail.startsWith(')') && raw.slice(0, -trail.length).includes('(')) raw = raw.slice(0, raw.length - trail.length + 1);
    else if (trail) raw = raw.slice(0, -trail.length);
    const href = safeHref(raw);
    pushText(text.slice(at, start));
    if (href) out.push({ kind: 'link', text: raw, href });
    else pushText(raw);
    at = start + raw.length;
  }
  pushText(text.slice(at));
  return out;
}
