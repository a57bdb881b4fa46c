/**
 * PNG decoding that gives exactly the pixels of Pillow 9.4's `Image.open(f).convert('RGB')`.
 *
 * A canvas cannot: browsers premultiply alpha (destroying the colour of transparent pixels, which
 * Pillow keeps) and may apply gamma or colour profiles, which Pillow ignores. Where Pillow decides
 * whether a damaged file opens at all, this follows it: CRCs are checked only on the chunks before
 * the first IDAT, only the first run of consecutive IDAT chunks is image data, and whatever follows
 * complete image data (a bad CRC, junk, a missing IEND) is ignored.
 */
import { allocate } from '../bytes/allocate';
import { crc32 } from '../bytes/crc32';
import { u32be } from '../bytes/endian';
import { LensError } from '../errors';
import type { RgbImage } from './rgb-image';

export interface DecodedImage {
  image: RgbImage;
  /** Pillow's mode for the file: '1', 'L', 'I' (16-bit grey), 'P', 'LA', 'RGB' or 'RGBA'. */
  sourceMode: string;
  /** True when the file has an alpha channel or tRNS transparency, both dropped by the conversion. */
  hasAlpha: boolean;
}

export interface DecodePngOptions {
  /** Refuse larger images before allocating anything for them. Default 100 million. */
  maxPixels?: number;
}

const DEFAULT_MAX_PIXELS = 100_000_000;
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes as [x0, y0, dx, dy]. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;
/** Deflate's largest possible expansion (a 258-byte match per bit pair, roughly). */
const MAX_INFLATE_RATIO = 1032;
/** Compressed data is fed to the inflater in slices so that it can start producing rows early. */
const FEED_BYTES = 1 << 20;

interface Header {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
  mode: string;
}

interface Chunks {
  header: Header;
  /** PLTE as stored (RGB triples), for palette images only. */
  palette: Uint8Array | null;
  hasTrns: boolean;
  /** The first run of IDAT chunks, concatenated. */
  idat: Uint8Array<ArrayBuffer>;
  /** The file ended before IEND: short image data is then reported as truncation. */
  endsEarly: boolean;
}

interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  width: number;
  height: number;
  rowBytes: number;
  /** Offset of the pass's first filter byte in the inflated data. */
  offset: number;
}

type RowWriter = (
  src: Uint8Array,
  s: number,
  count: number,
  out: Uint8Array,
  o: number,
  step: number,
) => void;

export async function decodePng(
  bytes: Uint8Array,
  opts: DecodePngOptions = {},
): Promise<DecodedImage> {
  const { header, palette, hasTrns, idat, endsEarly } = readChunks(bytes);
  const { width, height } = header;
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (width * height > maxPixels) {
    throw new LensError(
      'image-too-large',
      `Image is ${width} × ${height} pixels (${megapixels(width * height)}); the limit is ${megapixels(maxPixels)}.`,
    );
  }

  const passes = layout(header);
  const last = passes[passes.length - 1]!;
  const rawSize = last.offset + last.height * (last.rowBytes + 1);
  // Deflate expands at most 1032:1, so image data this short cannot be complete: say so before
  // allocating anything (a 60-byte file must not cost megabytes, let alone gigabytes).
  if (rawSize > MAX_INFLATE_RATIO * idat.length + MAX_INFLATE_RATIO) {
    const need = `the ${rawSize} bytes of pixel data a ${width} × ${height} image needs`;
    if (endsEarly)
      throw corrupt(`PNG is truncated: ${idat.length} bytes of image data cannot hold ${need}.`);
    throw corrupt(
      `PNG image data is incomplete: ${idat.length} compressed bytes cannot hold ${need}.`,
    );
  }
  const out = allocate(width * height * 3, outOfMemory);

  // Scanlines are unfiltered as they are inflated, while the rest is still being inflated. The
  // filters need only the previous scanline, so two are held, not the whole inflated image (a
  // 100 MP 16-bit RGB PNG would hold 600 MB of it beside its 300 MB of RGB).
  const bpp = Math.max(1, (CHANNELS[header.colorType]! * header.bitDepth) >> 3);
  const write = rowWriter(header, palette);
  const widest = Math.max(...passes.map((p) => p.rowBytes)) + 1;
  const rows = new Uint8Array(2 * widest); // [previous scanline | current scanline]
  let pass = 0;
  let y = 0;
  let at = 0; // bytes of the current scanline received
  const consume = (chunk: Uint8Array): void => {
    for (let i = 0; pass < passes.length;) {
      const p = passes[pass]!;
      const scanline = p.rowBytes + 1;
      const n = Math.min(scanline - at, chunk.length - i);
      if (n <= 0) return;
      rows.set(chunk.subarray(i, i + n), widest + at);
      at += n;
      i += n;
      if (at < scanline) return;
      const imageY = p.y0 + y * p.dy;
      unfilterRow(rows, widest + 1, y === 0 ? -1 : 1, p.rowBytes, bpp, imageY);
      write(rows, widest + 1, p.width, out, (imageY * width + p.x0) * 3, p.dx * 3);
      rows.copyWithin(0, widest, widest + scanline);
      at = 0;
      if (++y === p.height) {
        pass++;
        y = 0;
      }
    }
  };

  const { filled, error } = await inflateInto(idat, rawSize, consume);
  if (filled < rawSize) {
    const progress = `${filled} of ${rawSize} bytes of pixel data`;
    if (endsEarly) throw corrupt(`PNG is truncated: the file ends after ${progress}.`);
    if (error === undefined) throw corrupt(`PNG image data is incomplete: only ${progress}.`);
    throw corrupt(`PNG image data is corrupt: ${errorText(error)} (after ${progress}).`, error);
  }
  return {
    image: { width, height, data: out },
    sourceMode: header.mode,
    hasAlpha: hasTrns || header.colorType >= 4,
  };
}

function readChunks(bytes: Uint8Array): Chunks {
  if (bytes.length === 0) throw corrupt('The file is empty (0 bytes).');
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw corrupt('This is not a PNG file: the PNG signature is missing.');
  }
  let header: Header | null = null;
  let palette: Uint8Array | null = null;
  let hasTrns = false;
  const idat: Uint8Array[] = [];
  let pos = 8;
  let endsEarly = true;
  while (pos + 8 <= bytes.length) {
    const length = u32be(bytes, pos);
    const type = chunkType(bytes, pos + 4);
    const start = pos + 8;
    const end = start + length;
    if (idat.length > 0) {
      // Pillow stops reading image data at the first chunk that is not IDAT.
      if (type !== 'IDAT') {
        endsEarly = false;
        break;
      }
      idat.push(bytes.subarray(start, Math.min(end, bytes.length)));
      pos = end + 4;
      continue;
    }
    if (type === null) throw corrupt(`PNG is damaged: there is no valid chunk at byte ${pos}.`);
    if (type === 'IDAT') {
      if (header === null) throw corrupt('PNG is damaged: image data precedes the IHDR header.');
      idat.push(bytes.subarray(start, Math.min(end, bytes.length)));
      pos = end + 4;
      continue;
    }
    if (type === 'IEND') break;
    if (end + 4 > bytes.length) {
      throw corrupt(`PNG is truncated: the file ends inside the ${type} chunk.`);
    }
    if (crc32(bytes.subarray(pos + 4, end)) !== u32be(bytes, end)) {
      throw corrupt(`PNG is damaged: the ${type} chunk fails its checksum (CRC).`);
    }
    const data = bytes.subarray(start, end);
    if (type === 'IHDR') header = parseHeader(data);
    else if (type === 'PLTE' && header?.colorType === 3) palette = data;
    else if (
      type === 'tRNS' &&
      header !== null &&
      header.colorType !== 4 &&
      header.colorType !== 6
    ) {
      hasTrns = true; // Pillow records it as "transparency" only for modes without alpha
    }
    pos = end + 4;
  }
  if (header === null) {
    throw corrupt(
      pos + 8 > bytes.length
        ? 'PNG is truncated: the file ends before the IHDR header.'
        : 'PNG has no IHDR header.',
    );
  }
  if (idat.length === 0) {
    throw corrupt(
      pos + 8 > bytes.length
        ? 'PNG is truncated: the file ends before the image data.'
        : 'PNG has no image data (IDAT).',
    );
  }
  if (palette !== null && palette.length > 256 * 3) {
    throw corrupt(
      `PNG palette has ${Math.floor(palette.length / 3)} entries; at most 256 are allowed.`,
    );
  }
  return { header, palette, hasTrns, idat: concat(idat), endsEarly };
}

function parseHeader(data: Uint8Array): Header {
  if (data.length < 13) throw corrupt('PNG header (IHDR) is too short.');
  const width = u32be(data, 0);
  const height = u32be(data, 4);
  const bitDepth = data[8]!;
  const colorType = data[9]!;
  const mode = pillowMode(colorType, bitDepth);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw corrupt(`PNG header gives an invalid size of ${width} × ${height} pixels.`);
  }
  if (mode === undefined) {
    throw corrupt(
      `PNG header is invalid: colour type ${colorType} cannot have bit depth ${bitDepth}.`,
    );
  }
  if (data[11] !== 0) throw corrupt(`PNG header names an unknown filter method (${data[11]}).`);
  // Pillow ignores the compression method byte and reads every non-zero interlace method as Adam7.
  return { width, height, bitDepth, colorType, interlaced: data[12] !== 0, mode };
}

/** Pillow's PngImagePlugin._MODES. 16-bit grey opens as 'I', 16-bit grey+alpha as 'RGBA'. */
function pillowMode(colorType: number, bitDepth: number): string | undefined {
  switch (colorType) {
    case 0:
      return ({ 1: '1', 2: 'L', 4: 'L', 8: 'L', 16: 'I' } as Record<number, string>)[bitDepth];
    case 2:
      return bitDepth === 8 || bitDepth === 16 ? 'RGB' : undefined;
    case 3:
      return [1, 2, 4, 8].includes(bitDepth) ? 'P' : undefined;
    case 4:
      return bitDepth === 8 ? 'LA' : bitDepth === 16 ? 'RGBA' : undefined;
    case 6:
      return bitDepth === 8 || bitDepth === 16 ? 'RGBA' : undefined;
    default:
      return undefined;
  }
}

function layout(h: Header): Pass[] {
  const bitsPerPixel = CHANNELS[h.colorType]! * h.bitDepth;
  const grid = h.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  const passes: Pass[] = [];
  let offset = 0;
  for (const [x0, y0, dx, dy] of grid) {
    const width = Math.ceil((h.width - x0) / dx);
    const height = Math.ceil((h.height - y0) / dy);
    // Passes with no pixels (small interlaced images) have no scanlines, not even filter bytes.
    if (width <= 0 || height <= 0) continue;
    const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
    passes.push({ x0, y0, dx, dy, width, height, rowBytes, offset });
    offset += height * (rowBytes + 1);
  }
  return passes;
}

/**
 * Inflates the zlib stream, handing each piece of output to `onData`, and stops as soon as `want`
 * bytes came out: like Pillow, it ignores whatever follows complete image data.
 */
async function inflateInto(
  data: Uint8Array<ArrayBuffer>,
  want: number,
  onData: (chunk: Uint8Array) => void,
): Promise<{ filled: number; error?: unknown }> {
  const stream = new DecompressionStream('deflate');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  // Written while reading: awaiting all writes first would stall once the output queue is full.
  const writing = (async () => {
    for (let i = 0; i < data.length; i += FEED_BYTES)
      await writer.write(data.subarray(i, i + FEED_BYTES));
    await writer.close();
  })();
  writing.catch(() => undefined); // any failure also errors the readable side, reported there
  let filled = 0;
  try {
    while (filled < want) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        return { filled, error };
      }
      if (chunk.done) break;
      const n = Math.min(chunk.value.length, want - filled);
      onData(n === chunk.value.length ? chunk.value : chunk.value.subarray(0, n));
      filled += n;
    }
    return { filled };
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** Reverses the PNG filter of one scanline in place; `prev` is -1 for a pass's first row. */
function unfilterRow(
  raw: Uint8Array,
  line: number,
  prev: number,
  n: number,
  bpp: number,
  y: number,
): void {
  const filter = raw[line - 1]!;
  // Uint8Array stores wrap modulo 256, which is exactly the filters' arithmetic.
  switch (filter) {
    case 0:
      return;
    case 1:
      return unfilterSub(raw, line, n, bpp);
    case 2:
      if (prev < 0) return;
      for (let i = 0; i < n; i++) raw[line + i] = raw[line + i]! + raw[prev + i]!;
      return;
    case 3:
      if (prev < 0) {
        for (let i = line + bpp, end = line + n; i < end; i++)
          raw[i] = raw[i]! + (raw[i - bpp]! >> 1);
        return;
      }
      for (let i = 0; i < bpp && i < n; i++) raw[line + i] = raw[line + i]! + (raw[prev + i]! >> 1);
      for (let i = bpp; i < n; i++)
        raw[line + i] = raw[line + i]! + ((raw[line + i - bpp]! + raw[prev + i]!) >> 1);
      return;
    case 4:
      // With no previous row Paeth predicts from the left neighbour only, i.e. Sub.
      if (prev < 0) return unfilterSub(raw, line, n, bpp);
      for (let i = 0; i < bpp && i < n; i++) raw[line + i] = raw[line + i]! + raw[prev + i]!;
      for (let i = bpp; i < n; i++) {
        const a = raw[line + i - bpp]!;
        const b = raw[prev + i]!;
        const c = raw[prev + i - bpp]!;
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        raw[line + i] = raw[line + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      return;
    default:
      throw corrupt(`PNG image data is corrupt: row ${y} has an unknown filter type ${filter}.`);
  }
}

function unfilterSub(raw: Uint8Array, line: number, n: number, bpp: number): void {
  for (let i = line + bpp, end = line + n; i < end; i++) raw[i] = raw[i]! + raw[i - bpp]!;
}

/** Picks the per-row conversion to RGB that matches Pillow's unpacker and `convert('RGB')`. */
function rowWriter(h: Header, palette: Uint8Array | null): RowWriter {
  const { colorType, bitDepth } = h;
  if (colorType === 3 || (colorType === 0 && bitDepth <= 8))
    return indexedWriter(bitDepth, lookupTable(h, palette));
  if (colorType === 0) {
    // Mode 'I' to RGB clamps to 0..255 rather than scaling: every value above 255 becomes white.
    return (src, s, count, out, o, step) => {
      for (let x = 0; x < count; x++, s += 2, o += step) {
        const v = src[s]! > 0 ? 255 : src[s + 1]!;
        out[o] = out[o + 1] = out[o + 2] = v;
      }
    };
  }
  // 16-bit samples keep their high byte, which comes first (big-endian).
  const sampleBytes = bitDepth >> 3;
  const stride = CHANNELS[colorType]! * sampleBytes;
  if (colorType === 4) {
    return (src, s, count, out, o, step) => {
      for (let x = 0; x < count; x++, s += stride, o += step)
        out[o] = out[o + 1] = out[o + 2] = src[s]!;
    };
  }
  return (src, s, count, out, o, step) => {
    if (stride === 3 && step === 3) {
      out.set(src.subarray(s, s + count * 3), o); // 8-bit RGB rows are already the output
      return;
    }
    for (let x = 0; x < count; x++, s += stride, o += step) {
      out[o] = src[s]!;
      out[o + 1] = src[s + sampleBytes]!;
      out[o + 2] = src[s + 2 * sampleBytes]!;
    }
  };
}

/**
 * Sample value -> RGB for grey up to 8 bits and palette images. Grey scales to 0..255 (mode '1'
 * maps 1 to 255). A palette starts as Pillow's grey ramp, so indices past the PLTE entries (or all
 * of them, without a PLTE) come out as grey (i, i, i); tRNS plays no part in `convert('RGB')`.
 */
function lookupTable(h: Header, palette: Uint8Array | null): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  const scale = h.colorType === 0 ? 255 / ((1 << h.bitDepth) - 1) : 1;
  for (let i = 0; i < 256; i++)
    lut[i * 3] = lut[i * 3 + 1] = lut[i * 3 + 2] = Math.min(255, i * scale);
  if (palette !== null) lut.set(palette.subarray(0, palette.length - (palette.length % 3)));
  return lut;
}

function indexedWriter(bitDepth: number, lut: Uint8Array): RowWriter {
  if (bitDepth === 8) {
    return (src, s, count, out, o, step) => {
      for (let x = 0; x < count; x++, o += step) {
        const k = src[s + x]! * 3;
        out[o] = lut[k]!;
        out[o + 1] = lut[k + 1]!;
        out[o + 2] = lut[k + 2]!;
      }
    };
  }
  const mask = (1 << bitDepth) - 1;
  return (src, s, count, out, o, step) => {
    for (let x = 0, bit = 0; x < count; x++, bit += bitDepth, o += step) {
      const k = ((src[s + (bit >> 3)]! >> (8 - bitDepth - (bit & 7))) & mask) * 3;
      out[o] = lut[k]!;
      out[o + 1] = lut[k + 1]!;
      out[o + 2] = lut[k + 2]!;
    }
  };
}

function chunkType(bytes: Uint8Array, pos: number): string | null {
  let type = '';
  for (let i = pos; i < pos + 4; i++) {
    const c = bytes[i]!;
    // Pillow's `\w{4}` check: letters, digits and underscore.
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!ok) return null;
    type += String.fromCharCode(c);
  }
  return type;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

function outOfMemory(n: number, cause: unknown): LensError {
  return new LensError(
    'image-too-large',
    `Not enough memory to decode this image (${n} bytes needed).`,
    { cause },
  );
}

function megapixels(n: number): string {
  return `${Math.round(n / 1e5) / 10} megapixels`;
}

function errorText(e: unknown): string {
  return e instanceof Error && e.message ? e.message : String(e);
}

function corrupt(message: string, cause?: unknown): LensError {
  return new LensError('corrupt-image', message, cause === undefined ? {} : { cause });
}
