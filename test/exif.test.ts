import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { orientedSize, readExifOrientation } from '../src/core/image/exif';

const dataDir = new URL('./data/png/', import.meta.url);
/** What Pillow's `Image.open(f).getexif().get(0x0112)` reads (make_pngs.py). */
const pillow = (
  JSON.parse(readFileSync(new URL('expected.json', dataDir), 'utf8')) as {
    exifOrientation: Record<string, number | string | null>;
  }
).exifOrientation;
const load = (name: string) => new Uint8Array(readFileSync(new URL(name, dataDir)));

const SOI = [0xff, 0xd8];
const EOI = [0xff, 0xd9];
const EXIF = [...'Exif'].map((c) => c.charCodeAt(0)).concat(0, 0);

/** A TIFF block whose IFD0 holds `entries` of [tag, type, count, value as a number]. */
function tiff(little: boolean, entries: [number, number, number, number][]): number[] {
  const u16 = (v: number) => (little ? [v & 255, v >> 8] : [v >> 8, v & 255]);
  const u32 = (v: number) =>
    little ? [...u16(v & 0xffff), ...u16(v >>> 16)] : [...u16(v >>> 16), ...u16(v & 0xffff)];
  const out = [
    ...(little ? [0x49, 0x49] : [0x4d, 0x4d]),
    ...u16(42),
    ...u32(8),
    ...u16(entries.length),
  ];
  for (const [tag, type, count, value] of entries) {
    // SHORT values sit left-justified in the 4-byte field.
    out.push(
      ...u16(tag),
      ...u16(type),
      ...u32(count),
      ...(type === 3 ? [...u16(value), 0, 0] : u32(value)),
    );
  }
  return [...out, ...u32(0)];
}

function segment(marker: number, payload: number[]): number[] {
  const n = payload.length + 2;
  return [0xff, marker, n >> 8, n & 255, ...payload];
}

function jpeg(...segments: number[][]): Uint8Array {
  // A fake scan after SOS: the reader must stop there, never look at it.
  return Uint8Array.from([...SOI, ...segments.flat(), ...segment(0xda, [1, 2, 3]), 9, 9, ...EOI]);
}

const app1 = (little: boolean, orientation: number, type = 3) =>
  segment(0xe1, [
    ...EXIF,
    ...tiff(little, [
      [0x010f, 2, 4, 0x436d6100],
      [0x0112, type, 1, orientation],
    ]),
  ]);

describe('readExifOrientation on files Pillow reads', () => {
  it.each(Object.entries(pillow))('%s (Pillow: %s)', (name, value) => {
    const valid = typeof value === 'number' && value >= 1 && value <= 8;
    expect(readExifOrientation(load(name))).toBe(valid ? value : null);
  });
});

describe('readExifOrientation on hand-built JPEGs', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('reads orientation %i in both byte orders', (o) => {
    expect(readExifOrientation(jpeg(app1(true, o)))).toBe(o);
    expect(readExifOrientation(jpeg(app1(false, o)))).toBe(o);
  });

  it('accepts LONG as well as SHORT values', () => {
    expect(readExifOrientation(jpeg(app1(false, 6, 4)))).toBe(6);
  });

  it('skips APP0, XMP APP1, fill bytes and restart markers before the Exif segment', () => {
    const jfif = segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    const xmp = segment(
      0xe1,
      [...'http://ns.adobe.com/xap/1.0/\0'].map((c) => c.charCodeAt(0)),
    );
    const bytes = jpeg(jfif, [0xff, 0xff], xmp, [0xff, 0xd0], app1(true, 7));
    expect(readExifOrientation(bytes)).toBe(7);
  });

  it('uses only the first Exif segment, as Pillow does', () => {
    expect(readExifOrientation(jpeg(app1(true, 5), app1(true, 8)))).toBe(5);
    const broken = segment(0xe1, [...EXIF, 0x58, 0x58, 0, 42]);
    expect(readExifOrientation(jpeg(broken, app1(true, 8)))).toBeNull();
  });

  it('returns null when there is no valid orientation', () => {
    expect(readExifOrientation(jpeg())).toBeNull();
    expect(readExifOrientation(jpeg(app1(true, 0)))).toBeNull();
    expect(readExifOrientation(jpeg(app1(true, 9)))).toBeNull();
    expect(
      readExifOrientation(jpeg(segment(0xe1, [...EXIF, ...tiff(true, [[0x010f, 2, 4, 0]])]))),
    ).toBeNull();
    // Two values instead of one.
    expect(
      readExifOrientation(jpeg(segment(0xe1, [...EXIF, ...tiff(true, [[0x0112, 3, 2, 6]])]))),
    ).toBeNull();
    // Exif after the scan has started does not count.
    const late = Uint8Array.from([...SOI, ...segment(0xda, [1]), ...app1(true, 6), ...EOI]);
    expect(readExifOrientation(late)).toBeNull();
  });

  it('never reads past the data: bad offsets, counts and lengths give null', () => {
    const good = app1(true, 6);
    const ifdOffsetOut = good.slice();
    ifdOffsetOut.splice(4 + 6 + 4, 4, 0xff, 0xff, 0xff, 0x7f); // IFD0 far beyond the segment
    expect(readExifOrientation(jpeg(ifdOffsetOut))).toBeNull();
    const hugeCount = segment(0xe1, [...EXIF, 0x49, 0x49, 42, 0, 8, 0, 0, 0, 0xff, 0xff]);
    expect(readExifOrientation(jpeg(hugeCount))).toBeNull();
    // The segment length claims more than the file has: the entries that are there still count.
    const bytes = jpeg(app1(false, 3));
    expect(readExifOrientation(bytes.subarray(0, 2 + 4 + 6 + 8 + 2 + 24))).toBe(3);
    for (let n = 0; n < bytes.length; n++) {
      const result = readExifOrientation(bytes.subarray(0, n));
      expect(result === null || result === 3).toBe(true);
    }
  });

  it('ignores files that are neither JPEG nor PNG', () => {
    expect(readExifOrientation(new Uint8Array(0))).toBeNull();
    expect(
      readExifOrientation(Uint8Array.from([...EXIF, ...tiff(true, [[0x0112, 3, 1, 6]])])),
    ).toBeNull();
    expect(readExifOrientation(Uint8Array.from(tiff(true, [[0x0112, 3, 1, 6]])))).toBeNull();
  });
});

describe('readExifOrientation on damaged input', () => {
  it('terminates, never throws and returns null or 1..8 on random and mutated input', () => {
    const random = prng(7);
    const seeds = [...Object.keys(pillow).map(load), jpeg(app1(true, 6)), jpeg(app1(false, 8))];
    for (let n = 0; n < 5000; n++) {
      let bytes: Uint8Array;
      if (n % 4 === 0) {
        bytes = new Uint8Array(Math.floor(random() * 300)).map(() => random() * 256);
        if (n % 8 === 0) bytes.set(SOI.slice(0, Math.min(2, bytes.length)));
      } else {
        const seed = seeds[n % seeds.length]!;
        bytes = seed.slice(0, n % 4 === 1 ? Math.floor(random() * seed.length) : seed.length);
        for (let k = 0; k < 1 + random() * 6; k++)
          bytes[Math.floor(random() * bytes.length)] = random() * 256;
      }
      const result = readExifOrientation(bytes);
      expect(result === null || (Number.isInteger(result) && result >= 1 && result <= 8)).toBe(
        true,
      );
    }
  });
});

describe('orientedSize', () => {
  it('swaps width and height for the orientations that turn by 90 degrees', () => {
    for (const o of [1, 2, 3, 4, null])
      expect(orientedSize(640, 480, o)).toEqual({ width: 640, height: 480 });
    for (const o of [5, 6, 7, 8])
      expect(orientedSize(640, 480, o)).toEqual({ width: 480, height: 640 });
  });
});

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
