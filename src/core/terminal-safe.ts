/**
 * Strings from files (ONNX producer names, node and tensor names, doc strings, metadata, checkpoint
 * keys, labels, file names) printed to a terminal must not drive it: an ESC sequence can clear
 * the screen, set the window title or fake a line of output, a C1 CSI (U+009B) does the same on
 * terminals that honour it, CR overwrites the line, and bidi overrides reorder what is shown.
 * These are shown as escapes instead; everything else (any script, emoji) is kept as it is.
 */

/** C0 (NUL..US, newline and tab included), DEL, C1, and the invisible direction controls. */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The same less C0: JSON.stringify escapes C0 in strings, and its raw newlines are structure. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const hex = (c: string, digits: number) => c.charCodeAt(0).toString(16).padStart(digits, '0');

/** `s` with every control character written as an escape: "\x1b[2J" prints as the text \x1b[2J. */
export function terminalSafe(s: string): string {
  return s.replace(
    UNSAFE,
    (c) => NAMED[c] ?? (c <= '\u00ff' ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`),
  );
}

/**
 * JSON text with the same characters escaped as JSON's own \u escapes, so the value a program
 * parses is unchanged while a terminal shows it inert (JSON.stringify leaves DEL, C1 and the bidi
 * controls raw).
 */
export function jsonTerminalSafe(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => `\\u${hex(c, 4)}`);
}
