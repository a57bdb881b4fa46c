/**
 * The Node BMP and ICO decoder against Pillow, bit for bit: every layout (Pillow-written and
 * hand-assembled: 1/4/8/16/24/32-bit, RLE4/RLE8 with end-of-line, delta and odd absolute runs,
 * top-down, OS/2 v1, bit fields, short palettes; ICO with PNG or BMP entries and Pillow's choice
 * among them) decodes to `Image.open(f).convert('RGB')`'s bytes, and what Pillow refuses is
 * refused with a LensError.
 */
import { describe, expect, it } from 'vitest';
import { decodeBmp } from '../src/core/image/bmp';
import { decodeIco } from '../src/core/image/ico';
import { isLensError } from '../src/core/errors';
import { makePillowFiles, PILLOW_MISSING, pillowAvailable } from './helpers/pillow-files';

const available = pillowAvailable();
if (!available) console.log(`test/bmp.test.ts ${PILLOW_MISSING}`);

describe.skipIf(!available)('BMP and ICO decoded as Pillow does', () => {
  const pillow = available ? makePillowFiles() : null;
  const names = pillow
    ? Object.keys(pillow.files).filter((n) => !n.startsWith('webp'))
    : ['(none)'];

  it.each(names)('%s', async (name) => {
    const p = pillow!;
    const f = p.files[name]!;
    const bytes = p.bytes(name);
    const decode = async () => (f.file.endsWith('.ico') ? decodeIco(bytes) : decodeBmp(bytes));
    if (f.error !== undefined) {
      const e: unknown = await decode().then(
        () => null,
        (err: unknown) => err,
      );
      expect(isLensError(e), `Pillow: ${f.error}; ours: ${String(e)}`).toBe(true);
      return;
    }
    const image = await decode();
    expect([image.width, image.height]).toEqual(f.size);
    const want = p.rgb(name);
    const diff = image.data.findIndex((v, i) => v !== want[i]);
    expect(diff, `first differing byte ${diff}`).toBe(-1);
    expect(image.data.length).toBe(want.length);
  });

  it('covers the layouts it claims (so a generator change cannot empty the table)', () => {
    for (const n of ['rle4', 'rle8-eol-delta', 'os2-bits8', 'bits16-565', 'ico-dib-ties'])
      expect(names).toContain(n);
  });
});
