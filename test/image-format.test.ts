import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeNonImage, sniffImageFormat } from '../src/core/image/format';

const dataDir = new URL('./data/png/', import.meta.url);
const load = (name: string) => new Uint8Array(readFileSync(new URL(name, dataDir)));
const text = (s: string) => new TextEncoder().encode(s);
const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(
    parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)),
  );

/** An ISO-BMFF ftyp box with a major brand and compatible brands, then a stub box. */
function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const size = 16 + 4 * compatible.length;
  return bytes([0, 0, 0, size], 'ftyp', major, [0, 0, 0, 0], ...compatible, [0, 0, 0, 8], 'meta');
}

describe('sniffImageFormat', () => {
  it.each([
    ['ct2_bd8_33x17.png', 'png'],
    ['exif_pillow_6.jpg', 'jpeg'],
    ['exif_none.jpg', 'jpeg'],
    ['sniff_2x2.gif', 'gif'],
    ['sniff_2x2.webp', 'webp'],
    ['sniff_2x2.bmp', 'bmp'],
    ['sniff_2x2.tiff', 'tiff'],
    ['sniff_16x16.ico', 'ico'],
  ])('recognises %s (written by Pillow) as %s', (name, format) => {
    expect(sniffImageFormat(load(name))).toBe(format);
  });

  it('recognises hand-built headers', () => {
    expect(sniffImageFormat(bytes('GIF89a', [1, 0, 1, 0]))).toBe('gif');
    expect(sniffImageFormat(bytes('MM', [0, 42, 0, 0, 0, 8]))).toBe('tiff');
    expect(sniffImageFormat(bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8L'))).toBe('webp');
    expect(sniffImageFormat(bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '))).toBeNull();
  });

  it('tells AVIF from HEIC by the ftyp brands', () => {
    expect(sniffImageFormat(ftyp('avif', 'mif1', 'miaf'))).toBe('avif');
    expect(sniffImageFormat(ftyp('mif1', 'avif', 'miaf'))).toBe('avif');
    expect(sniffImageFormat(ftyp('avis', 'msf1'))).toBe('avif');
    expect(sniffImageFormat(ftyp('heic', 'mif1', 'heic'))).toBe('heic');
    expect(sniffImageFormat(ftyp('mif1', 'heic'))).toBe('heic');
    expect(sniffImageFormat(ftyp('heix'))).toBe('heic');
    expect(sniffImageFormat(ftyp('isom', 'iso2', 'mp41'))).toBeNull(); // an MP4 video
  });

  it('recognises SVG text with a BOM, whitespace, an XML prologue or comments first', () => {
    expect(sniffImageFormat(text('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe('svg');
    expect(sniffImageFormat(text('\ufeff  \n\t<svg width="1"></svg>'))).toBe('svg');
    expect(sniffImageFormat(text('<?xml version="1.0"?>\n<!-- made by hand -->\n<svg>'))).toBe(
      'svg',
    );
    expect(sniffImageFormat(text('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN">\n<svg\n>'))).toBe(
      'svg',
    );
    expect(sniffImageFormat(text('<?xml version="1.0"?><note>svg</note>'))).toBeNull();
    expect(sniffImageFormat(text('<html><body><svg></svg></body></html>'))).toBeNull();
  });

  it('does not take short magic numbers at face value', () => {
    expect(sniffImageFormat(text('BM is how this text file starts'))).toBeNull();
    expect(sniffImageFormat(bytes([0, 0, 1, 0]))).toBeNull();
    expect(sniffImageFormat(bytes([0x89, 0x50, 0x4e, 0x47]))).toBeNull(); // a cut-off signature
    expect(sniffImageFormat(bytes([0xff, 0xd8]))).toBeNull();
    expect(sniffImageFormat(new Uint8Array(0))).toBeNull();
  });

  it('terminates and never throws on random input', () => {
    const random = prng(99);
    for (let n = 0; n < 5000; n++) {
      const data = new Uint8Array(Math.floor(random() * 64)).map(() => random() * 256);
      if (n % 2 === 0 && data.length >= 8) data.set(bytes('ftyp'), 4);
      const format = sniffImageFormat(data);
      expect(format === null || typeof format === 'string').toBe(true);
      expect(describeNonImage(data).length).toBeGreaterThan(0);
    }
  });
});

describe('describeNonImage', () => {
  it.each([
    [new Uint8Array(0), 'empty file (0 bytes)'],
    [text('hello, world\nsecond line\n'), 'looks like text'],
    [text('{"model": "repopt"}'), 'looks like JSON text'],
    [text('<!DOCTYPE html><html><head></head></html>'), 'looks like an HTML page'],
    [text('<?xml version="1.0"?><note/>'), 'looks like an XML document'],
    [bytes('PK', [3, 4, 20, 0, 0, 0]), 'looks like a ZIP archive'],
    [bytes([0x1f, 0x8b, 8, 0]), 'looks like a gzip archive'],
    [bytes('%PDF-1.7\n'), 'looks like a PDF document'],
    // The start of a real ONNX export: ir_version 8, then producer_name "pytorch".
    [
      bytes([0x08, 0x08, 0x12, 0x07], 'pytorch', [0x1a, 0x05], '2.1.0'),
      'looks like an ONNX model or other protobuf file',
    ],
    [ftyp('isom', 'iso2', 'avc1', 'mp41'), 'looks like a video (MP4/QuickTime)'],
    [
      bytes([0xde, 0xad, 0xbe, 0xef, 0, 1, 2]),
      'unrecognised binary data (starts with de ad be ef)',
    ],
  ])('%#: %s', (data, hint) => {
    expect(describeNonImage(data)).toBe(hint);
  });

  it('names the format of an image that is merely unsupported', () => {
    expect(describeNonImage(ftyp('heic', 'mif1'))).toBe('looks like an image in HEIC/HEIF format');
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
