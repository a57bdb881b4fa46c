/**
 * Decoders for the text forms of protocol 0 pickles (and Python 2's), which torch.save never
 * writes but an old or hand-made file can: integers, floats and the two string literal syntaxes.
 * Each returns null when the text is malformed; the VM turns that into a 'corrupt' error.
 */

const utf8 = new TextDecoder('utf-8');

/** Bytes as code points 0-255 (WHATWG's 'latin1' label is windows-1252, so not TextDecoder). */
export function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}

/** Python ints as numbers where exact, else bigints. */
export function normalizeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

/** INT and LONG lines: `I42`, `I01` (True), `L42L`. */
export function parseIntLine(text: string): number | bigint | boolean | null {
  if (text === '01') return true;
  if (text === '00') return false;
  const digits = text.endsWith('L') ? text.slice(0, -1) : text;
  if (!/^[+-]?\d{1,4300}$/.test(digits)) return null;
  return normalizeInt(BigInt(digits));
}

/** FLOAT lines: Python's repr of a float. */
export function parseFloatLine(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'inf' || t === '+inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan' || t === '-nan' || t === '+nan') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return null;
  return Number(t);
}

const SIMPLE_ESCAPES = new Map(
  Object.entries({
    '\\': 0x5c,
    "'": 0x27,
    '"': 0x22,
    a: 7,
    b: 8,
    f: 12,
    n: 10,
    r: 13,
    t: 9,
    v: 11,
  }),
);

/** STRING lines: a quoted Python 2 str literal (`'abc\x00'`), decoded as UTF-8 like torch.load. */
export function parseStringLiteral(text: string): string | null {
  const q = text[0];
  if (text.length < 2 || (q !== "'" && q !== '"') || text[text.length - 1] !== q) return null;
  const body = text.slice(1, -1);
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c !== 0x5c || i + 1 >= body.length) {
      out.push(c & 0xff);
      continue;
    }
    const e = body[++i]!;
    const simple = SIMPLE_ESCAPES.get(e);
    if (simple !== undefined) out.push(simple);
    else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      out.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(e)) {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out.push(parseInt(oct, 8) & 0xff);
      i += oct.length - 1;
    } else out.push(0x5c, body.charCodeAt(i) & 0xff);
  }
  return utf8.decode(new Uint8Array(out));
}

/** UNICODE lines: raw-unicode-escape (latin-1 bytes with \uXXXX and \UXXXXXXXX escapes). */
export function parseRawUnicode(text: string): string | null {
  let bad = false;
  const out = text.replace(
    /\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g,
    (_, u4?: string, u8?: string) => {
      const cp = parseInt(u4 ?? u8 ?? '', 16);
      if (cp > 0x10ffff) {
        bad = true;
        return '';
      }
      return String.fromCodePoint(cp);
    },
  );
  return bad ? null : out;
}
