/**
 * Sizes read from BMP, WebP, ICO and AVIF headers before any decoding: tiny files claiming huge
 * sizes are refused as too large (never "damaged"), with their size and the limit; real files
 * written by Pillow read the size Pillow reports.
 */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readAvifSize } from '../src/core/image/avif';
import { readBmpSize } from '../src/core/image/bmp';
import { checkImageHeader, requireSupportedImage } from '../src/core/image/decode-check';
import { readIcoInfo } from '../src/core/image/ico';
import { readWebpSize } from '../src/core/image/webp';
import { makePillowFiles, PILLOW_MISSING, pillowAvailable } from './helpers/pillow-files';

// ------------------------------------------------------------------ byte builders

const u16 = (v: number) => [v & 255, (v >>> 8) & 255];
const u32 = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
const u32be = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

function bmp(width: number, height: number, compression = 0, bits = 8, pad = 1024): Uint8Array {
  const dib = [...u32(40), ...u32(width), ...u32(height >>> 0), ...u16(1), ...u16(bits)];
  dib.push(...u32(compression), ...new Array<number>(20).fill(0));
  return new Uint8Array([
    ...ascii('BM'),
    ...u32(0),
    ...u32(0),
    ...u32(54),
    ...dib,
    ...new Array<number>(pad).fill(0),
  ]);
}

function os2Bmp(width: number, height: number): Uint8Array {
  const dib = [...u32(12), ...u16(width), ...u16(height), ...u16(1), ...u16(24)];
  return new Uint8Array([...ascii('BM'), ...u32(0), ...u32(0), ...u32(26), ...dib, 0, 0, 0, 0]);
}

function riff(chunk: string, payload: number[]): Uint8Array {
  const body = [...ascii('WEBP'), ...ascii(chunk), ...u32(payload.length), ...payload];
  return new Uint8Array([...ascii('RIFF'), ...u32(body.length), ...body]);
}
const vp8 = (w: number, h: number) =>
  riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...u16(w), ...u16(h), 0, 0]);
const vp8l = (w: number, h: number) => {
  const bits = (w - 1) | ((h - 1) << 14);
  return riff('VP8L', [0x2f, ...u32(bits >>> 0), 0, 0, 0]);
};
const vp8x = (w: number, h: number) =>
  riff('VP8X', [0, 0, 0, 0, ...u32(w - 1).slice(0, 3), ...u32(h - 1).slice(0, 3), 0, 0]);

function png(width: number, height: number): number[] {
  const ihdr = [...u32be(width), ...u32be(height), 8, 2, 0, 0, 0];
  return [
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...u32be(13),
    ...ascii('IHDR'),
    ...ihdr,
    0,
    0,
    0,
    0,
  ];
}

/** An ICO whose directory says 16x16 (or 256 for 0) but whose images declare their own sizes. */
function ico(images: number[][]): Uint8Array {
  const out = [0, 0, 1, 0, ...u16(images.length)];
  let offset = 6 + 16 * images.length;
  for (const img of images) {
    out.push(16, 16, 0, 0, ...u16(1), ...u16(32), ...u32(img.length), ...u32(offset));
    offset += img.length;
  }
  for (const img of images) out.push(...img);
  return new Uint8Array(out);
}
const dib = (width: number, height: number) => [
  ...u32(40),
  ...u32(width),
  ...u32(height * 2),
  ...u16(1),
  ...u16(32),
  ...new Array<number>(24).fill(0),
];

function box(type: string, payload: number[]): number[] {
  return [...u32be(8 + payload.length), ...ascii(type), ...payload];
}
function avif(...sizes: [number, number][]): Uint8Array {
  const ispe = sizes.map(([w, h]) => box('ispe', [0, 0, 0, 0, ...u32be(w), ...u32be(h)]));
  const meta = box('meta', [
    0,
    0,
    0,
    0,
    ...box('hdlr', new Array<number>(25).fill(0)),
    ...box('iprp', box('ipco', ispe.flat())),
  ]);
  return new Uint8Array([
    ...box('ftyp', [...ascii('avif'), 0, 0, 0, 0, ...ascii('mif1')]),
    ...meta,
  ]);
}

const check = (bytes: Uint8Array) => checkImageHeader(bytes, requireSupportedImage(bytes));

// ------------------------------------------------------------------ tests

describe('image headers: too large is refused before decoding', () => {
  const cases: [string, Uint8Array, number, number][] = [
    ['1 KB RLE8 BMP', bmp(23000, 23000, 1), 23000, 23000],
    ['RLE4 BMP', bmp(26000, 26000, 2, 4), 26000, 26000],
    ['top-down BMP (negative height)', bmp(20000, -20000), 20000, 20000],
    ['OS/2 v1 BMP', os2Bmp(65535, 65535), 65535, 65535],
    ['lossy WebP (VP8)', vp8(16383, 16383), 16383, 16383],
    ['lossless WebP (VP8L)', vp8l(16384, 16384), 16384, 16384],
    ['extended WebP (VP8X)', vp8x(100000, 50000), 100000, 50000],
    ['ICO with a PNG entry', ico([png(16, 16), png(30000, 30000)]), 30000, 30000],
    ['ICO with a BMP entry', ico([dib(40000, 40000)]), 40000, 40000],
    ['AVIF (ispe)', avif([64, 64], [12000, 12000]), 12000, 12000],
  ];
  it.each(cases)('%s', (_name, bytes, w, h) => {
    expect(bytes.length).toBeLessThan(2048);
    let error: unknown = null;
    try {
      check(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'image-too-large',
      message: expect.stringContaining(`too large (${w} x ${h}, limit 100 megapixels)`) as unknown,
    });
  });

  it('accepts what is within the limit and reports the size', () => {
    expect(check(bmp(10000, -10000)).size).toEqual({ width: 10000, height: 10000 });
    expect(check(vp8x(16384, 6000)).size).toEqual({ width: 16384, height: 6000 });
    expect(check(ico([png(64, 32), dib(300, 200)])).size).toEqual({ width: 300, height: 200 });
    expect(check(avif([640, 480])).size).toEqual({ width: 640, height: 480 });
  });

  it('a negative BMP width is damaged, not huge', () => {
    expect(() => check(bmp(-5, 5))).toThrow(/negative width/);
  });

  it('a PNG with a huge IHDR is refused by its own decoder path, not here (no header size)', () => {
    const bytes = new Uint8Array([...png(50000, 50000), ...deflateSync(new Uint8Array(1))]);
    expect(check(bytes).size).toBeNull();
  });
});

const available = pillowAvailable();
if (!available) console.log(`test/image-headers.test.ts ${PILLOW_MISSING}`);

describe.skipIf(!available)('image headers: the sizes Pillow reads', () => {
  const pillow = available ? makePillowFiles() : null;
  const names = pillow ? Object.keys(pillow.files).filter((n) => pillow.files[n]!.size) : ['-'];
  it.each(names)('%s', (name) => {
    const p = pillow!;
    const bytes = p.bytes(name);
    const size = name.startsWith('webp')
      ? readWebpSize(bytes)
      : name.startsWith('ico')
        ? readIcoInfo(bytes).picked!.image
        : readBmpSize(bytes);
    expect(size && [size.width, size.height]).toEqual(p.files[name]!.size);
  });
});

describe('AVIF boxes', () => {
  it('reads 64-bit and to-the-end box sizes and stops on a zero-length loop', () => {
    const inner = box('ipco', box('ispe', [0, 0, 0, 0, ...u32be(7), ...u32be(9)]));
    const large = [
      ...u32be(1),
      ...ascii('iprp'),
      ...u32be(0),
      ...u32be(16 + inner.length),
      ...inner,
    ];
    const meta = box('meta', [0, 0, 0, 0, ...large]);
    expect(readAvifSize(new Uint8Array(meta))).toEqual({ width: 7, height: 9 });
    const toEnd = [...u32be(0), ...ascii('meta'), 0, 0, 0, 0, ...box('iprp', inner)];
    expect(readAvifSize(new Uint8Array(toEnd))).toEqual({ width: 7, height: 9 });
    expect(readAvifSize(new Uint8Array([...u32be(4), ...ascii('meta')]))).toBeNull();
  });
});
