/**
 * Tiny DOM builder. Text only ever goes in through `textContent` / text nodes: nothing a visitor or
 * an agent typed is parsed as HTML.
 */
import { linkify } from './linkify.ts';

type Attrs = Record<string, string | boolean | number | null | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** Message text as text nodes, with http(s) URLs as links that open in a new tab and leak nothing. */
export function richText(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const part of linkify(text)) {
    if (part.kind === 'text') frag.append(document.createTextNode(part.text));
    else {
      const a = h('a', { href: part.href, target: '_blank', rel: 'noopener noreferrer nofollow' });
      a.textContent = part.text;
      frag.append(a);
    }
  }
  return frag;
}
