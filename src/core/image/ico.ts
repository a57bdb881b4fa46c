/**
 * ICO: the directory, the size of each entry's image (read from the PNG or DIB inside it, which
 * may disagree with the directory's one-byte sizes), and decoding the entry Pillow 9.4 picks:
 * the largest (width x height), then the deepest colour, then the last in the file among equals.
 * A BMP entry's DIB holds its colour rows then a 1-bit AND mask; `convert('RGB')` drops the mask's
 * alpha, so only the colour rows matter. Every read is bounds-checked.
 */
import { u16le, u32be, u32le } from '../bytes/endian';
import { LensError } from '../errors';
import { decodeDib, readDibSize, type ImageSize } from './bmp';
import { decodePng } from './png';
import type { RgbImage } from './rgb-image';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface IcoEntry {
  /** From the directory (0 means 256). */
  width: number;
  height: number;
  /** Pillow's sort key: bits per pixel, else from the colour count, else 256. */
  colorDepth: number;
  offset: number;
  png: boolean;
  /** What the embedded PNG or DIB declares; null when the entry's data cannot be read. */
  image: ImageSize | null;
}

export interface IcoInfo {
  entries: IcoEntry[];
  /** The entry Pillow decodes, or null without entries. */
  picked: IcoEntry | null;
}

export function readIcoInfo(bytes: Uint8Array): IcoInfo {
  const count = u16le(bytes, 4);
  const entries: IcoEntry[] = [];
  for (let i = 0; i < count && 6 + i * 16 + 16 <= bytes.length; i++) {
    const at = 6 + i * 16;
    const colors = bytes[at + 2]!;
    const bpp = u16le(bytes, at + 6);
    const offset = u32le(bytes, at + 12);
    const png = PNG_MAGIC.every((b, k) => bytes[offset + k] === b);
    entries.push({
      width: bytes[at] || 256,
      height: bytes[at + 1] || 256,
      colorDepth: bpp || (colors !== 0 ? Math.ceil(Math.log(colors) / Math.log(2)) : 0) || 256,
      offset,
      png,
      image: embeddedSize(bytes, offset, png),
    });
  }
  // Pillow: sorted by colour depth, then (stably) by area, then the whole list reversed.
  const order = entries
    .map((e, i) => ({ e, i }))
    .sort(
      (a, b) =>
        a.e.width * a.e.height - b.e.width * b.e.height ||
        a.e.colorDepth - b.e.colorDepth ||
        a.i - b.i,
    )
    .reverse();
  return { entries, picked: order[0]?.e ?? null };
}

/** The largest image any entry declares: what a decoder may be asked to allocate. */
export function largestIcoImage(info: IcoInfo): ImageSize | null {
  let best: ImageSize | null = null;
  for (const e of info.entries) {
    const s = e.image ?? { width: e.width, height: e.height };
    if (best === null || s.width * s.height > best.width * best.height) best = s;
  }
  return best;
}

function embeddedSize(bytes: Uint8Array, offset: number, png: boolean): ImageSize | null {
  if (png) {
    if (offset + 24 > bytes.length) return null;
    return { width: u32be(bytes, offset + 16), height: u32be(bytes, offset + 20) };
  }
  try {
    const dib = readDibSize(bytes, offset);
    // The DIB's height counts the AND mask's rows too.
    return dib && { width: dib.width, height: Math.trunc(dib.height / 2) };
  } catch {
    return null;
  }
}

/** The entry Pillow picks, as `Image.open(f).convert('RGB')` gives it. */
export async function decodeIco(bytes: Uint8Array): Promise<RgbImage> {
  const { picked } = readIcoInfo(bytes);
  if (picked === null)
    throw new LensError('corrupt-image', 'The ICO file is damaged: its directory lists no image.');
  if (picked.offset >= bytes.length)
    throw new LensError('corrupt-image', 'The ICO file is truncated: its image data is missing.');
  if (picked.png) return (await decodePng(bytes.subarray(picked.offset))).image;
  return decodeDib(bytes, picked.offset, 0, true);
}
