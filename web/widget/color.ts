/**
 * Brand colour handling: the configured colour is only trusted once parsed as a CSS hex colour, and
 * the text drawn on it is black or white, whichever contrasts more (WCAG 2 relative luminance).
 */

export const DEFAULT_BRAND = '#1f4e99';

/** `#rgb` or `#rrggbb` → `#rrggbb` in lower case; null for anything else (so no CSS can be injected). */
export function parseHex(color: string): string | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!m) return null;
  const hex = m[1]!.toLowerCase();
  return hex.length === 3 ? `#${[...hex].map((c) => c + c).join('')}` : `#${hex}`;
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG contrast ratio between two `#rrggbb` colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * The text colour to draw on `background`: black or white, whichever contrasts more. One of the
 * two always reaches at least 4.58:1, above the 4.5:1 WCAG AA asks for normal text.
 */
export function readableTextColor(background: string): '#000000' | '#ffffff' {
  const bg = parseHex(background) ?? DEFAULT_BRAND;
  return contrastRatio(bg, '#000000') >= contrastRatio(bg, '#ffffff') ? '#000000' : '#ffffff';
}

/** The brand colour and its text colour, ready for CSS custom properties. */
export function brandColors(color: string | null | undefined): { brand: string; onBrand: string } {
  const brand = (color && parseHex(color)) || DEFAULT_BRAND;
  return { brand, onBrand: readableTextColor(brand) };
}
