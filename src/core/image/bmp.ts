/**
 * BMP (and the DIB inside an ICO entry), read and decoded as Pillow 9.4's BmpImagePlugin does, so
 * the CLI gives PyTorch's loader's pixels without a native BMP decoder (sharp has none):
 * uncompressed 1/4/8/16/24/32-bit, RLE4/RLE8, bottom-up or top-down rows, OS/2 v1 headers, and the
 * bit-field layouts Pillow accepts. Pillow's quirks are kept on purpose (palette indices past the
 * palette are grey (i, i, i); RLE4 absolute runs of odd length drop their last pixel; RLE data that
 * ends before the image is full is refused), because "as PyTorch sees it" is the contract.
 *
 * `readBmpSize` is the header check that runs before any decoder (the browser's included): it
 * accepts every header size a browser reads, so a file is refused for its size before
 * createImageBitmap allocates for it. Every read is bounds-checked; every loop advances.
 */
import { allocate } from '../bytes/allocate';
import { u16le, u32le } from '../bytes/endian';
import { LensError } from '../errors';
import { checkPixelCount } from './pixel-limit';
import type { RgbImage } from './rgb-image';

const RAW = 0;
const RLE8 = 1;
const RLE4 = 2;
const BITFIELDS = 3;
/** The DIB header sizes Pillow decodes (OS/2 v1, Windows v3, OS/2 v2, v4, v5). */
const PILLOW_HEADERS = new Set([12, 40, 64, 108, 124]);
/** Every size a browser reads the dimensions from, for the up-front size check. */
const ANY_HEADER = new Set([12, 16, 40, 52, 56, 64, 108, 124]);

export interface ImageSize {
  width: number;
  height: number;
}

/** The dimensions a DIB header at `at` declares; null when there is no header to read. */
export function readDibSize(bytes: Uint8Array, at: number): ImageSize | null {
  const size = u32le(bytes, at);
  if (!ANY_HEADER.has(size) || at + 4 + (size === 12 ? 4 : 8) > bytes.length) return null;
  if (size === 12) return { width: u16le(bytes, at + 4), height: u16le(bytes, at + 6) };
  const width = u32le(bytes, at + 4);
  const height = signed(u32le(bytes, at + 8));
  if (width >= 2 ** 31) throw corrupt('its header declares a negative width');
  return { width, height: Math.abs(height) };
}

/** A BMP file's dimensions from its header, before decoding; null when it has none. */
export function readBmpSize(bytes: Uint8Array): ImageSize | null {
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) return null;
  return readDibSize(bytes, 14);
}

/** A whole .bmp file to RGB, as Pillow's `Image.open(f).convert('RGB')`. */
export function decodeBmp(bytes: Uint8Array): RgbImage {
  if (bytes.length < 18 || bytes[0] !== 0x42 || bytes[1] !== 0x4d)
    throw corrupt('it has no BMP file header');
  return decodeDib(bytes, 14, u32le(bytes, 10), false);
}

interface Dib {
  width: number;
  height: number;
  topDown: boolean;
  bits: number;
  compression: number;
  /** Palette RGB triples (empty above 8 bits). */
  palette: Uint8Array;
  /** Byte order of 32/24-bit pixels: where R, G, B sit in a pixel; or 'bgr15'/'bgr16' for 16-bit. */
  layout: readonly [number, number, number] | 'bgr15' | 'bgr16';
  /** Where the pixel data starts. */
  data: number;
}

/**
 * Decodes the DIB whose header starts at `at`. `offset` is the BMP file header's pixel offset (0
 * inside an ICO, where the pixels follow the palette). An ICO entry's DIB is twice as high as its
 * image (colour rows, then the AND mask): `icon` keeps the colour rows only, as Pillow does.
 */
export function decodeDib(bytes: Uint8Array, at: number, offset: number, icon: boolean): RgbImage {
  const dib = readDib(bytes, at, offset);
  const height = icon ? Math.trunc(dib.height / 2) : dib.height;
  const { width } = dib;
  if (width === 0 || height === 0) throw corrupt(`it is ${width} x ${height} pixels`);
  checkPixelCount(width, height);
  if (dib.compression === RLE8 || dib.compression === RLE4) {
    // Indices first: RLE data that ends early is refused before the RGB buffer exists.
    const indices = decodeRle(bytes, dib.data, width, height, dib.compression === RLE4);
    const rgb = allocate(width * height * 3, tooMuchMemory(width, height));
    // RLE rows are bottom-up unless the height is negative, like uncompressed ones.
    for (let y = 0; y < height; y++) {
      const row = dib.topDown ? y : height - 1 - y;
      for (let x = 0; x < width; x++)
        putIndex(rgb, (row * width + x) * 3, dib.palette, indices[y * width + x]!);
    }
    return { width, height, data: rgb };
  }
  const stride = (((width * dib.bits + 31) >>> 3) & ~3) >>> 0;
  if (dib.data + stride * height > bytes.length) {
    throw corrupt(
      `it is truncated: ${height} rows of ${stride} bytes need ${fmt(dib.data + stride * height)} bytes, the file has ${fmt(bytes.length)}`,
    );
  }
  const rgb = allocate(width * height * 3, tooMuchMemory(width, height));
  for (let y = 0; y < height; y++) {
    const src = dib.data + y * stride;
    const row = dib.topDown ? y : height - 1 - y;
    decodeRow(bytes, src, dib, width, rgb, row * width * 3);
  }
  return { width, height, data: rgb };
}

function readDib(bytes: Uint8Array, at: number, fileOffset: number): Dib {
  const headerSize = u32le(bytes, at);
  if (at + headerSize > bytes.length) throw corrupt('it ends inside its header');
  if (!PILLOW_HEADERS.has(headerSize)) {
    throw new LensError(
      'unsupported-image',
      `This BMP has a ${headerSize}-byte header, a variant Pillow (PyTorch's loader) does not read.`,
    );
  }
  let pos = at + headerSize;
  let width: number;
  let height: number;
  let topDown = false;
  let bits: number;
  let compression = RAW;
  let colors = 0;
  let masks: number[] | null = null;
  if (headerSize === 12) {
    width = u16le(bytes, at + 4);
    height = u16le(bytes, at + 6);
    bits = u16le(bytes, at + 10);
  } else {
    // Pillow reads a top-down DIB by its height's top byte being 0xFF.
    topDown = bytes[at + 11] === 0xff;
    width = u32le(bytes, at + 4);
    height = topDown ? 2 ** 32 - u32le(bytes, at + 8) : u32le(bytes, at + 8);
    bits = u16le(bytes, at + 14);
    compression = u32le(bytes, at + 16);
    colors = u32le(bytes, at + 32);
    if (compression === BITFIELDS) {
      if (headerSize >= 56) masks = [0, 1, 2, 3].map((i) => u32le(bytes, at + 40 + i * 4));
      else {
        masks = [0, 1, 2].map((i) => u32le(bytes, pos + i * 4)).concat(0);
        pos += 12;
      }
    }
  }
  if (colors === 0) colors = 2 ** bits;
  let data = fileOffset;
  if (data === 14 + headerSize && bits <= 8) data += 4 * colors;
  const layout = pixelLayout(bits, compression, masks);
  let palette = new Uint8Array(0);
  if (bits <= 8 && [1, 4, 8].includes(bits)) {
    if (!(colors > 0 && colors <= 65536))
      throw corrupt(`its palette size (${colors} colours) is impossible`);
    const entry = headerSize === 12 ? 3 : 4;
    const stored = bytes.subarray(pos, Math.min(pos + entry * colors, bytes.length));
    pos += stored.length;
    palette = new Uint8Array(Math.floor(stored.length / entry) * 3);
    for (let i = 0; i * 3 < palette.length; i++) {
      // Stored BGR(X); kept as RGB.
      palette[i * 3] = stored[i * entry + 2]!;
      palette[i * 3 + 1] = stored[i * entry + 1]!;
      palette[i * 3 + 2] = stored[i * entry]!;
    }
  }
  return { width, height, topDown, bits, compression, palette, layout, data: data || pos };
}

/** Byte positions of R, G, B (24/32-bit), or the 16-bit layout; refuses what Pillow refuses. */
function pixelLayout(bits: number, compression: number, masks: number[] | null): Dib['layout'] {
  if (![1, 4, 8, 16, 24, 32].includes(bits)) {
    throw new LensError(
      'unsupported-image',
      `This BMP has ${bits} bits per pixel, which Pillow does not read.`,
    );
  }
  if (compression === RLE8 || compression === RLE4) {
    if (bits > 8) throw corrupt(`it is RLE-compressed with ${bits} bits per pixel`);
    return [2, 1, 0];
  }
  if (compression !== RAW && compression !== BITFIELDS) {
    throw new LensError(
      'unsupported-image',
      `This BMP uses compression ${compression} (JPEG/PNG inside BMP or another variant), which Pillow does not read.`,
    );
  }
  if (compression === RAW) return bits === 16 ? 'bgr15' : [2, 1, 0];
  if (bits <= 8)
    throw new LensError(
      'unsupported-image',
      `This BMP has bit fields with ${bits} bits per pixel, which Pillow does not read.`,
    );
  const key = masks!.map((m) => m.toString(16)).join(',');
  const layout = (bits === 32 ? MASKS_32 : bits === 24 ? MASKS_24 : MASKS_16)[
    bits === 32 ? key : key.split(',').slice(0, 3).join(',')
  ];
  if (layout === undefined)
    throw new LensError(
      'unsupported-image',
      `This BMP's bit-field layout (${key}) is one Pillow does not read.`,
    );
  return layout;
}

// Pillow's supported bit fields, as the byte positions of R, G and B in a little-endian pixel.
const MASKS_32: Readonly<Record<string, Dib['layout']>> = {
  'ff0000,ff00,ff,0': [2, 1, 0], // BGRX
  'ff000000,ff0000,ff00,0': [3, 2, 1], // XBGR
  'ff000000,ff0000,ff00,ff': [3, 2, 1], // ABGR
  'ff,ff00,ff0000,ff000000': [0, 1, 2], // RGBA
  'ff0000,ff00,ff,ff000000': [2, 1, 0], // BGRA
  '0,0,0,0': [2, 1, 0], // BGRA
};
const MASKS_24: Readonly<Record<string, Dib['layout']>> = { 'ff0000,ff00,ff': [2, 1, 0] };
const MASKS_16: Readonly<Record<string, Dib['layout']>> = {
  'f800,7e0,1f': 'bgr16',
  '7c00,3e0,1f': 'bgr15',
};

function decodeRow(
  bytes: Uint8Array,
  src: number,
  dib: Dib,
  width: number,
  out: Uint8Array,
  o: number,
): void {
  const { bits, layout, palette } = dib;
  if (bits <= 8) {
    const perByte = 8 / bits;
    const mask = (1 << bits) - 1;
    for (let x = 0; x < width; x++) {
      const b = bytes[src + Math.floor(x / perByte)]!;
      // The leftmost pixel is in the most significant bits.
      const index = (b >> (8 - bits * ((x % perByte) + 1))) & mask;
      putIndex(out, o + x * 3, palette, index);
    }
    return;
  }
  if (bits === 16) {
    for (let x = 0; x < width; x++, o += 3) {
      const p = u16le(bytes, src + x * 2);
      // Pillow's Unpack.c: each field scaled to 0..255 with integer division.
      if (layout === 'bgr16') {
        out[o] = Math.floor((((p >> 11) & 31) * 255) / 31);
        out[o + 1] = Math.floor((((p >> 5) & 63) * 255) / 63);
      } else {
        out[o] = Math.floor((((p >> 10) & 31) * 255) / 31);
        out[o + 1] = Math.floor((((p >> 5) & 31) * 255) / 31);
      }
      out[o + 2] = Math.floor(((p & 31) * 255) / 31);
    }
    return;
  }
  const [r, g, b] = layout as readonly [number, number, number];
  const step = bits / 8;
  for (let x = 0, s = src; x < width; x++, s += step, o += 3) {
    out[o] = bytes[s + r]!;
    out[o + 1] = bytes[s + g]!;
    out[o + 2] = bytes[s + b]!;
  }
}

/** Pillow's palette lookup: an index past the palette reads as grey (i, i, i). */
function putIndex(out: Uint8Array, o: number, palette: Uint8Array, i: number): void {
  if (i * 3 + 3 <= palette.length) {
    out[o] = palette[i * 3]!;
    out[o + 1] = palette[i * 3 + 1]!;
    out[o + 2] = palette[i * 3 + 2]!;
  } else out[o] = out[o + 1] = out[o + 2] = i;
}

/**
 * Pillow's BmpRleDecoder, step for step: palette indices in file row order. `n` counts the pixels
 * Pillow's buffer would hold (deltas and long absolute runs may overshoot; the excess is ignored).
 * Word alignment after an absolute run is by file position, as Pillow's `fd.tell()`.
 */
function decodeRle(
  bytes: Uint8Array,
  start: number,
  width: number,
  height: number,
  rle4: boolean,
): Uint8Array {
  const total = width * height;
  const out = allocate(total, tooMuchMemory(width, height));
  const put = (v: number) => {
    if (n < total) out[n] = v;
    n++;
  };
  let n = 0;
  let x = 0;
  let pos = start;
  while (n < total) {
    if (pos + 2 > bytes.length) break;
    let count = bytes[pos]!;
    const byte = bytes[pos + 1]!;
    pos += 2;
    if (count > 0) {
      if (x + count > width) count = Math.max(0, width - x);
      for (let i = 0; i < count; i++) put(rle4 ? (i % 2 === 0 ? byte >> 4 : byte & 15) : byte);
      x += count;
    } else if (byte === 0) {
      if (n % width !== 0) n += width - (n % width); // end of line: the rest of the row is 0
      x = 0;
    } else if (byte === 1) {
      break; // end of bitmap
    } else if (byte === 2) {
      // Delta (skipped pixels are 0). Pillow 9.4 reads its two bytes twice over: it checks that
      // two are there, then reads the next two as (right, up). Kept, for Pillow's pixels.
      if (pos + 2 > bytes.length) break;
      pos += 2;
      if (pos + 2 > bytes.length) throw corrupt('its compressed (RLE) data ends inside a delta');
      n += bytes[pos]! + bytes[pos + 1]! * width;
      pos += 2;
      x = n % width;
    } else {
      const want = rle4 ? byte >> 1 : byte;
      const got = Math.min(want, bytes.length - pos);
      for (let i = 0; i < got; i++) {
        const v = bytes[pos + i]!;
        if (rle4) {
          put(v >> 4);
          put(v & 15);
        } else put(v);
      }
      pos += got;
      if (got < want) break;
      x += byte;
      if (pos % 2 !== 0) pos++;
    }
  }
  if (n < total) {
    throw corrupt(
      `its compressed (RLE) data ends after ${fmt(Math.min(n, total))} of ${fmt(total)} pixels`,
    );
  }
  return out;
}

const signed = (u: number) => (u >= 2 ** 31 ? u - 2 ** 32 : u);
const fmt = (n: number) => n.toLocaleString('en-US');

function corrupt(why: string): LensError {
  return new LensError('corrupt-image', `The BMP file is damaged: ${why}.`);
}

function tooMuchMemory(width: number, height: number) {
  return (bytes: number, cause: unknown) =>
    new LensError(
      'image-too-large',
      `Not enough memory to decode this ${width} x ${height} image (${fmt(bytes)} bytes).`,
      { cause },
    );
}
