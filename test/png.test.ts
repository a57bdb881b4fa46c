import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isLensError } from '../src/core/errors';
import { decodePng } from '../src/core/image/png';
import { lensRejection } from './helpers/errors';

/** Written by test/data/png/make_pngs.py from Pillow 9.4's `Image.open(f).convert('RGB')`. */
interface Expected {
  decoded: Record<
    string,
    { width: number; height: number; mode: string; hasAlpha: boolean; sha256: string }
  >;
  rejected: Record<string, string>;
}

const dataDir = new URL('./data/png/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', dataDir), 'utf8')) as Expected;
const load = (name: string) => new Uint8Array(readFileSync(new URL(name, dataDir)));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe("decodePng gives Pillow's convert('RGB') pixels", () => {
  it.each(Object.entries(expected.decoded))('%s', async (name, ref) => {
    const { image, sourceMode, hasAlpha } = await decodePng(load(name));
    expect({ width: image.width, height: image.height, mode: sourceMode, hasAlpha }).toEqual({
      width: ref.width,
      height: ref.height,
      mode: ref.mode,
      hasAlpha: ref.hasAlpha,
    });
    expect(image.data.length).toBe(ref.width * ref.height * 3);
    expect(sha256(image.data)).toBe(ref.sha256);
  });

  it('covers every colour type and bit depth, plain and interlaced', () => {
    const names = Object.keys(expected.decoded);
    const depths = [
      [0, [1, 2, 4, 8, 16]],
      [2, [8, 16]],
      [3, [1, 2, 4, 8]],
      [4, [8, 16]],
      [6, [8, 16]],
    ] as const;
    for (const [ct, bds] of depths) {
      for (const bd of bds) {
        expect(names).toContain(`ct${ct}_bd${bd}_33x17.png`);
        expect(names).toContain(`ct${ct}_bd${bd}_i_33x17.png`);
      }
    }
  });

  it('clamps 16-bit grey (Pillow mode I) to 0..255 instead of scaling it', async () => {
    const { image } = await decodePng(load('grey16_full_range.png'));
    // The first row starts with 0, 1, 127, 254, 255, 256, 257, 1000.
    expect(Array.from(image.data.subarray(0, 24)).filter((_, i) => i % 3 === 0)).toEqual([
      0, 1, 127, 254, 255, 255, 255, 255,
    ]);
  });

  it('keeps the colour of fully transparent pixels', async () => {
    const { image, hasAlpha } = await decodePng(load('rgba8_alpha0.png'));
    expect(hasAlpha).toBe(true);
    expect(Array.from(image.data.subarray(3, 6))).toEqual([16, 0, 200]); // pixel (1, 0) has alpha 0
  });

  it('maps palette indices past the PLTE entries to grey, as Pillow does', async () => {
    const bytes = makePng(4, 1, 8, 3, [[0, 1, 2, 200]], { plte: [9, 8, 7, 6, 5, 4] });
    const { image } = await decodePng(bytes);
    expect(Array.from(image.data)).toEqual([9, 8, 7, 6, 5, 4, 2, 2, 2, 200, 200, 200]);
  });
});

describe('decodePng rejects what Pillow rejects', () => {
  it.each(Object.entries(expected.rejected))('%s (Pillow: %s)', async (name) => {
    const error = await lensRejection(decodePng(load(name)));
    expect(error.code).toBe('corrupt-image');
  });

  it.each([
    ['err_empty.png', /empty \(0 bytes\)/],
    ['err_signature.png', /not a PNG file/],
    ['err_truncated_idat.png', /^PNG is truncated: the file ends after/],
    ['err_truncated_header.png', /^PNG is truncated/],
    ['err_bad_filter.png', /row 1 has an unknown filter type 5/],
    ['err_bad_ihdr_crc.png', /IHDR chunk fails its checksum/],
    ['err_no_idat.png', /no image data/],
    ['err_no_ihdr.png', /IHDR/],
    ['err_bad_bit_depth.png', /colour type 3 cannot have bit depth 16/],
    ['err_short_data.png', /incomplete/],
    ['err_bad_adler.png', /corrupt/],
  ])('%s explains itself', async (name, message) => {
    expect((await lensRejection(decodePng(load(name)))).message).toMatch(message);
  });

  it('refuses images over maxPixels before allocating them', async () => {
    const huge = makePng(1, 1, 8, 2, [[1, 2, 3]], { width: 50_000, height: 50_000 });
    const error = await lensRejection(decodePng(huge));
    expect(error).toEqual({
      code: 'image-too-large',
      message: expect.stringMatching(/50000 × 50000/) as unknown,
    });
    expect(
      (await lensRejection(decodePng(makePng(10, 10, 8, 0, rows(10, 10, 1)), { maxPixels: 99 })))
        .code,
    ).toBe('image-too-large');
    await expect(
      decodePng(makePng(10, 10, 8, 0, rows(10, 10, 1)), { maxPixels: 100 }),
    ).resolves.toBeTruthy();
  });
});

describe('decodePng speed', () => {
  it('decodes a 12-megapixel RGB PNG well under a second', async () => {
    const width = 4000;
    const height = 3000;
    const stride = width * 3 + 1;
    const raw = new Uint8Array(stride * height);
    let seed = 1;
    for (let y = 0; y < height; y++) {
      raw[y * stride] = y % 5; // every filter type, Paeth the most expensive
      for (let i = 1; i < stride; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        raw[y * stride + i] = (seed >>> 29) + (i & 3); // small residuals, as real filtered photos have
      }
    }
    const png = assemble(width, height, 8, 2, deflateSync(raw, { level: 1 }));
    // A work bound, not a time bound (speed is the benchmark's): the decoder allocates the
    // inflated rows and the output once each, nothing per row or per pixel.
    const before = process.memoryUsage().arrayBuffers;
    const { image } = await decodePng(png);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(image.data.length).toBe(width * height * 3);
    expect(grown).toBeLessThan(raw.length + image.data.length + (4 << 20));
  });
});

describe('decodePng memory: a big PNG costs its pixels, not several copies', () => {
  it('holds two scanlines, not the inflated image: a 16-bit RGB PNG costs its RGB output', async () => {
    const width = 3000;
    const height = 2000;
    const stride = width * 6 + 1;
    const raw = new Uint8Array(stride * height);
    for (let y = 0; y < height; y++)
      for (let i = 1; i < stride; i++) raw[y * stride + i] = (y * 7 + i * 13) & 255; // filter 0
    const png = assemble(width, height, 16, 2, deflateSync(raw, { level: 1 }));
    const before = process.memoryUsage().arrayBuffers;
    const { image } = await decodePng(png);
    const grown = process.memoryUsage().arrayBuffers - before;
    // Before: the 36 MB of inflated scanlines were held beside the 18 MB of RGB.
    expect(grown).toBeLessThan(image.data.length + (4 << 20));
    // Pillow's convert('RGB') of 16-bit samples keeps their high (first) byte.
    for (const [x, y] of [
      [0, 0],
      [1234, 567],
      [width - 1, height - 1],
    ] as const) {
      for (let c = 0; c < 3; c++)
        expect(image.data[(y * width + x) * 3 + c]).toBe(raw[y * stride + 1 + x * 6 + c * 2]);
    }
  });
});

describe('decodePng on damaged input', () => {
  it('terminates and throws only LensError on random and mutated files', async () => {
    const random = prng(20240601);
    const seeds = Object.keys(expected.decoded).slice(0, 40).map(load);
    for (let n = 0; n < 3000; n++) {
      let bytes: Uint8Array;
      const kind = n % 3;
      if (kind === 0) {
        // A real signature so that the chunk parser, not the signature check, sees the noise.
        bytes = new Uint8Array(8 + Math.floor(random() * 200)).map(() => random() * 256);
        bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      } else {
        const seed = seeds[n % seeds.length]!;
        bytes = seed.slice(0, kind === 1 ? Math.floor(random() * seed.length) : seed.length);
        for (let k = 0; k < 1 + random() * 4; k++)
          bytes[Math.floor(random() * bytes.length)] = random() * 256;
      }
      try {
        await decodePng(bytes, { maxPixels: 1_000_000 });
      } catch (e) {
        if (!isLensError(e)) throw new Error(`case ${n} threw ${String(e)}`, { cause: e });
      }
    }
  });
});

// --- a minimal PNG writer for cases built in the test itself ---

function rows(width: number, height: number, channels: number): number[][] {
  return Array.from({ length: height }, (_, y) =>
    Array.from({ length: width * channels }, (_, x) => (x * 3 + y * 7) & 255),
  );
}

function makePng(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  pixelRows: number[][],
  opts: { plte?: number[]; width?: number; height?: number } = {},
): Uint8Array {
  const raw = pixelRows.flatMap((row) => [0, ...row]);
  const extra = opts.plte ? [chunk('PLTE', Uint8Array.from(opts.plte))] : [];
  return assemble(
    opts.width ?? width,
    opts.height ?? height,
    bitDepth,
    colorType,
    deflateSync(Uint8Array.from(raw)),
    extra,
  );
}

function assemble(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  zdata: Uint8Array,
  extra: Uint8Array[] = [],
): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([bitDepth, colorType, 0, 0, 0], 8);
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extra,
    chunk('IDAT', zdata),
    chunk('IEND', new Uint8Array(0)),
  ];
  return Uint8Array.from(Buffer.concat(parts));
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(
    Array.from(type, (c) => c.charCodeAt(0)),
    4,
  );
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function prng(seed: number): () => number {
  // mulberry32
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
