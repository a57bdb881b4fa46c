/**
 * File names that are not UTF-8. Linux names are bytes; Node decodes them as UTF-8 and replaces
 * what does not decode, so the string it returns names no file ("no such file" on every read).
 * Such a name is shown escaped (`caf\xe9.jpg`: valid text as it is, each stray byte as \xNN) and
 * its bytes are kept here, so a path listed in its shown form still opens the file.
 */
import { join } from 'node:path';

const strict = new TextDecoder('utf-8', { fatal: true });

/** Shown form of a path whose bytes are not UTF-8 -> the bytes that open it. */
const byteNames = new Map<string, Buffer>();

/** A name's bytes as text: UTF-8 as it is; otherwise each byte outside a valid sequence as \xNN. */
export function showName(name: Buffer): { text: string; utf8: boolean } {
  try {
    return { text: strict.decode(name), utf8: true };
  } catch {
    let text = '';
    let at = 0;
    while (at < name.length) {
      // The longest valid UTF-8 sequence starting here (1 to 4 bytes), else one escaped byte.
      let taken = 0;
      for (let n = Math.min(4, name.length - at); n >= 1 && taken === 0; n--) {
        try {
          const s = strict.decode(name.subarray(at, at + n));
          if (!s.includes('\ufffd')) {
            text += s;
            taken = n;
          }
        } catch {
          // not a whole character of n bytes
        }
      }
      if (taken === 0) {
        text += `\\x${name[at]!.toString(16).padStart(2, '0')}`;
        taken = 1;
      }
      at += taken;
    }
    return { text, utf8: false };
  }
}

/** `name` inside `dir` (each in its shown form, with `dir`'s bytes if it has any). */
export function childPath(
  dir: { shown: string; bytes: Buffer | null },
  name: Buffer,
): { shown: string; bytes: Buffer | null } {
  const { text, utf8 } = showName(name);
  const shown = join(dir.shown, text);
  if (utf8 && dir.bytes === null) return { shown, bytes: null };
  const bytes = Buffer.concat([dir.bytes ?? Buffer.from(dir.shown), Buffer.from('/'), name]);
  byteNames.set(shown, bytes);
  return { shown, bytes };
}

/** What opens `path`: the bytes behind a shown non-UTF-8 name, else the path as it is. */
export function fsPath(path: string): string | Buffer {
  return byteNames.get(path) ?? byteNames.get(join(path)) ?? path;
}
