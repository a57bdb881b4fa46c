/**
 * An AVIF's size from its ISO-BMFF boxes, before any decoder runs: the image spatial extents
 * (`ispe`) properties in meta > iprp > ipco. A file may hold several (the primary image, a grid's
 * tiles, a thumbnail, an alpha plane); the largest is the one that bounds what a decoder allocates,
 * so that is the size reported. Null when there is none. Boxes are walked with bounds checks and
 * at most MAX_BOXES visits, so any input ends quickly.
 */
import { u32be } from '../bytes/endian';
import type { ImageSize } from './bmp';

const MAX_BOXES = 10_000;

interface Box {
  type: string;
  /** First byte of the payload (after size, type and any 64-bit size). */
  start: number;
  end: number;
}

export function readAvifSize(bytes: Uint8Array): ImageSize | null {
  const budget = { boxes: MAX_BOXES };
  const meta = find(bytes, 0, bytes.length, 'meta', budget);
  if (!meta) return null;
  // `meta` is a full box: version and flags come before its children.
  const iprp = find(bytes, meta.start + 4, meta.end, 'iprp', budget);
  const ipco = iprp && find(bytes, iprp.start, iprp.end, 'ipco', budget);
  if (!ipco) return null;
  let best: ImageSize | null = null;
  for (const box of boxes(bytes, ipco.start, ipco.end, budget)) {
    if (box.type !== 'ispe' || box.start + 12 > box.end) continue;
    const width = u32be(bytes, box.start + 4);
    const height = u32be(bytes, box.start + 8);
    if (best === null || width * height > best.width * best.height) best = { width, height };
  }
  return best;
}

function find(
  bytes: Uint8Array,
  start: number,
  end: number,
  type: string,
  budget: { boxes: number },
): Box | null {
  for (const box of boxes(bytes, start, end, budget)) if (box.type === type) return box;
  return null;
}

function* boxes(
  bytes: Uint8Array,
  start: number,
  end: number,
  budget: { boxes: number },
): Generator<Box> {
  let at = start;
  while (at + 8 <= end && budget.boxes-- > 0) {
    let size = u32be(bytes, at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) return;
      size = u32be(bytes, at + 8) * 2 ** 32 + u32be(bytes, at + 12);
      header = 16;
    } else if (size === 0) size = end - at; // to the end of the enclosing box
    if (size < header) return;
    const boxEnd = Math.min(at + size, end);
    yield {
      type: String.fromCharCode(...bytes.subarray(at + 4, at + 8)),
      start: at + header,
      end: boxEnd,
    };
    at += size;
  }
}
