/**
 * The image rows of the bad-input matrix, shared by the browser spec (e2e/bad-input.spec.ts) and
 * the Node tests (test/bad-input.test.ts): each file in e2e/fixtures/bad, what the app must do
 * with it, and what Pillow made of it (references.json, from tools/make_bad_inputs.py).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import sharp from 'sharp';
import type { LensErrorCode } from '../src/core/errors';

export const BAD_DIR = resolve(import.meta.dirname, 'fixtures', 'bad');

export interface PillowRecord {
  width: number;
  height: number;
  decoded_sha256: string;
  resized_width: number;
  resized_height: number;
  crop_sha256: string;
  top5: { index: number; probability: number }[];
}

export interface BadFileReference {
  what: string;
  bytes: number;
  pillow_mode?: string;
  pillow_error?: string;
  /** `Image.open(f).convert('RGB')` through the default preset: torchvision's view. */
  pillow?: PillowRecord;
  exif_orientation?: number;
  /** With EXIF orientation applied (ImageOps.exif_transpose), as the app shows photos. */
  transposed?: PillowRecord;
  /** A browser's CMYK conversion (rounding down), computed with Pillow from the same samples. */
  browser?: PillowRecord;
}

export const badReferences = JSON.parse(
  readFileSync(resolve(BAD_DIR, 'references.json'), 'utf8'),
) as { files: Record<string, BadFileReference> };

export type BadRow =
  | { file: string; outcome: 'error'; code: LensErrorCode; message: RegExp }
  | {
      file: string;
      outcome: 'classify';
      /** Which reference the app's pixels equal in each environment. */
      node: 'pillow' | 'transposed';
      browser: 'pillow' | 'transposed' | 'browser';
      /** A note the result must carry, in the browser. */
      note?: RegExp;
    };

const ok = (file: string): BadRow => ({
  file,
  outcome: 'classify',
  node: 'pillow',
  browser: 'pillow',
});

export const BAD_ROWS: readonly BadRow[] = [
  { file: 'empty.jpg', outcome: 'error', code: 'not-an-image', message: /empty file \(0 bytes\)/ },
  { file: 'text.jpg', outcome: 'error', code: 'not-an-image', message: /not an image.*text/ },
  {
    file: 'truncated.jpg',
    outcome: 'error',
    code: 'corrupt-image',
    message: /JPEG file is truncated/,
  },
  { file: 'truncated.png', outcome: 'error', code: 'corrupt-image', message: /PNG is truncated/ },
  ok('png-named.jpg'),
  ok('jpeg-named.png'),
  ok('pixel-1x1.png'),
  ok('strip-1x10000.png'),
  ok('strip-10000x1.png'),
  ok('grey-8bit.png'),
  ok('grey-16bit.png'),
  ok('palette-trns.png'),
  ok('rgba.png'),
  ok('rgb-16bit.png'),
  ok('grey-alpha-16bit.png'),
  {
    file: 'cmyk.jpg',
    outcome: 'classify',
    node: 'pillow',
    browser: 'browser',
    note: /CMYK JPEG: .*differ from PyTorch's by 1 level/,
  },
  ok('animated.gif'),
  {
    file: 'drawing.svg',
    outcome: 'error',
    code: 'unsupported-image',
    message: /SVG images are not supported/,
  },
  {
    file: 'photo.heic',
    outcome: 'error',
    code: 'unsupported-image',
    message: /HEIC\/HEIF images \(iPhone photos\) are not supported/,
  },
  ...[2, 3, 4, 5, 6, 7, 8].map((o): BadRow => ({
    file: `exif-orientation-${o}.jpg`,
    outcome: 'classify',
    node: 'transposed',
    browser: 'transposed',
    note: new RegExp(`Rotated per EXIF orientation ${o}`),
  })),
];

export function reference(file: string, which: 'pillow' | 'transposed' | 'browser'): PillowRecord {
  const rec = badReferences.files[file]?.[which];
  if (!rec) throw new Error(`no ${which} reference for ${file}: run tools/make_bad_inputs.py`);
  return rec;
}

/** 8660 x 5774: just over 50 megapixels. */
export const BIG_PHOTO = { width: 8660, height: 5774 };

/**
 * A 50 MP JPEG made at test time (never committed): a fixture photo upscaled by sharp, so it is
 * a photo's content at a camera's size.
 */
export async function makeBigPhoto(path: string): Promise<void> {
  await sharp(resolve(import.meta.dirname, 'fixtures/images/china.jpg'))
    .resize(BIG_PHOTO.width, BIG_PHOTO.height)
    .jpeg({ quality: 85 })
    .toFile(path);
}
