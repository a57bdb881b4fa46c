/**
 * What the first frame of a GIF needs beyond a browser's or libvips' decoding to equal Pillow's
 * `Image.open(f).convert('RGB')` (frame 0, as torchvision's loader reads it): those decoders give
 * transparent pixels, and pixels outside the first frame's rectangle, as transparent black,
 * whereas Pillow keeps the palette index there (the transparent index, or 0 without one) and
 * converts it like any other. So both decoders paint their alpha-0 pixels with that colour.
 * Only the headers are read; every read is bounds-checked and every loop advances.
 */
import { u16le } from '../bytes/endian';

export interface GifInfo {
  /** Logical screen size, grown to fit the first frame as Pillow does. */
  width: number;
  height: number;
  /** The first frame's transparent palette index, or null. */
  transparentIndex: number | null;
  /** RGB that Pillow gives the pixels a browser leaves transparent. */
  fill: [number, number, number];
  /** True when an image descriptor was found. */
  hasFrame: boolean;
}

export function readGifInfo(bytes: Uint8Array): GifInfo {
  let width = u16le(bytes, 6);
  let height = u16le(bytes, 8);
  const flags = bytes[10] ?? 0;
  let pos = 13;
  let globalPalette: Uint8Array | null = null;
  if (flags & 0x80) {
    const n = 3 << ((flags & 7) + 1);
    globalPalette = bytes.subarray(pos, Math.min(pos + n, bytes.length));
    pos += n;
  }
  let transparentIndex: number | null = null;
  let palette = globalPalette;
  let hasFrame = false;
  while (pos < bytes.length) {
    const tag = bytes[pos]!;
    if (tag === 0x3b) break; // trailer
    if (tag === 0x21) {
      const label = bytes[pos + 1];
      pos += 2;
      // Graphic control extension: flags, delay (2 bytes), transparent index. Like Pillow, a
      // later one without the transparency flag does not clear an earlier index.
      if (label === 0xf9 && (bytes[pos] ?? 0) >= 4 && (bytes[pos + 1]! & 1) !== 0) {
        transparentIndex = bytes[pos + 4]!;
      }
      pos = skipSubBlocks(bytes, pos);
      continue;
    }
    if (tag === 0x2c) {
      const x1 = u16le(bytes, pos + 1) + u16le(bytes, pos + 5);
      const y1 = u16le(bytes, pos + 3) + u16le(bytes, pos + 7);
      width = Math.max(width, x1);
      height = Math.max(height, y1);
      const local = bytes[pos + 9] ?? 0;
      if (local & 0x80) {
        const start = pos + 10;
        palette = bytes.subarray(start, Math.min(start + (3 << ((local & 7) + 1)), bytes.length));
      }
      hasFrame = true;
      break;
    }
    pos++; // Pillow skips unknown bytes between blocks
  }
  return {
    width,
    height,
    transparentIndex,
    fill: paletteColor(palette, transparentIndex ?? 0),
    hasFrame,
  };
}

/** Pillow's palette lookup: entries past the palette (or all, without one) are grey (i, i, i). */
function paletteColor(palette: Uint8Array | null, i: number): [number, number, number] {
  if (palette !== null && i * 3 + 3 <= palette.length)
    return [palette[i * 3]!, palette[i * 3 + 1]!, palette[i * 3 + 2]!];
  return [i, i, i];
}

function skipSubBlocks(bytes: Uint8Array, pos: number): number {
  while (pos < bytes.length) {
    const n = bytes[pos]!;
    pos += 1 + n;
    if (n === 0) break;
  }
  return pos;
}
