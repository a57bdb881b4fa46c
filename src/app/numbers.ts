/**
 * Text cut into words and numbers, so a number with its unit never wraps ("21.4 dB", "182,080",
 * "1.00e+5", "0.0100 GMACs" keep together) while the words around it still break between words.
 */

/** A number (thousands commas, decimals, exponent) and a unit right after it, if any. */
const NUMBER =
  /-?\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?(?:[ \u00a0]?(?:%|dB|ms|s|MB|MiB|GB|GMACs|GMAC\/s))?(?![\w.])/g;

export interface Piece {
  text: string;
  number: boolean;
}

export function splitNumbers(text: string): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const m of text.matchAll(NUMBER)) {
    // Not a number when glued to a word before it ("stages.1", "B1", "x86").
    const before = text[m.index - 1];
    if (before !== undefined && /[\w.]/.test(before)) continue;
    if (m.index > at) out.push({ text: text.slice(at, m.index), number: false });
    out.push({ text: m[0], number: true });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push({ text: text.slice(at), number: false });
  return out;
}
