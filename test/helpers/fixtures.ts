/** Fixture access for Node tests: images, PyTorch references, the tiny model. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodePng } from '../../src/core/image/png';
import type { RgbImage } from '../../src/core/image/rgb-image';

export const ROOT = resolve(import.meta.dirname, '../..');
export const FIXTURES = resolve(ROOT, 'e2e/fixtures');
export const IMAGES = resolve(FIXTURES, 'images');
export const TINY_MODEL = resolve(ROOT, 'models/repopt-tiny.onnx');

export interface PresetReference {
  resized_width: number;
  resized_height: number;
  resized_sha256: string;
  crop_sha256: string;
  tensor_sha256: string;
  tensor_sum: number;
  tensor_first: number[];
}

export interface ImageReference {
  width: number;
  height: number;
  decoded_sha256: string;
  exif_orientation: number | null;
  presets: Record<string, PresetReference>;
  logits: number[];
  top5: { index: number; probability: number }[];
}

export interface References {
  model: { file: string; preset: string };
  /** tools/preprocess.py's PRESETS, as the references were made. */
  presets: Record<string, { resize: number; crop: number; squash: boolean; interpolation: string }>;
  images: Record<string, ImageReference>;
}

export const references = JSON.parse(
  readFileSync(resolve(FIXTURES, 'references.json'), 'utf8'),
) as References;

/**
 * Pillow's `convert('RGB')` pixels of a fixture, decoded in Node: PNGs with the project's decoder,
 * JPEGs from the lossless dump of Pillow's own decode that `tools/make_references.py` writes
 * (Node has no libjpeg-turbo of its own here; the browser e2e tests decode the JPEGs themselves).
 */
export async function fixturePixels(name: string): Promise<RgbImage> {
  const file = name.toLowerCase().endsWith('.png')
    ? resolve(IMAGES, name)
    : resolve(FIXTURES, 'decoded', `${name}.png`);
  return (await decodePng(new Uint8Array(readFileSync(file)))).image;
}
