/** Asterisk's configuration file syntax: `[section]` headers and `key = value` lines. */

export type ConfValue = string | number | boolean;

export interface ConfSection {
  name: string;
  /** Written as a comment above the header, to make the rendered file readable. */
  comment?: string;
  /** Ordered pairs: a key may repeat (`allow`, `match`, `exten`). */
  entries: readonly (readonly [string, ConfValue])[];
}

/** Values end up in a line-based format: a newline or a `;` would let data inject config. */
function formatValue(key: string, v: ConfValue): string {
  const s = typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
  if (/[\r\n;]/.test(s)) throw new Error(`asterisk config value for "${key}" contains a newline or ';'`);
  return s;
}

export function renderConf(header: string, sections: readonly ConfSection[]): string {
  const out = [`; ${header}`, '; Rendered by Relais from its configuration: edit that, not this file.', ''];
  for (const s of sections) {
    if (/[\r\n[\];]/.test(s.name)) throw new Error(`asterisk config section name "${s.name}" contains a newline, a bracket or ';'`);
    if (s.comment && /[\r\n]/.test(s.comment)) throw new Error(`asterisk config comment for [${s.name}] contains a newline`);
    if (s.comment) out.push(`; ${s.comment}`);
    out.push(`[${s.name}]`);
    for (const [k, v] of s.entries) out.push(`${k} = ${formatValue(k, v)}`);
    out.push('');
  }
  return out.join('\n');
}
