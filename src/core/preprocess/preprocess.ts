/**
 * The torchvision evaluation transforms, step for step as the Python reference runs them:
 * Resize (Pillow bilinear or bicubic, 8-bit) -> CenterCrop -> ToTensor (/255) -> Normalize, NCHW
 * float32.
 */
import type { RgbImage } from '../image/rgb-image';
import { resizeRegion, type Interpolation } from './resize';

export type { Interpolation } from './resize';

export type PresetId =
  'torchvision-256-224' | 'repopt-official-224-224' | 'squash-256-224' | 'bicubic-256-224';

export interface Preset {
  id: PresetId;
  title: string;
  /** Target of `Resize`: the shorter side, or both sides when `squash`. */
  resize: number;
  crop: number;
  /** `Resize((n, n))`: both sides to `resize`, ignoring the aspect ratio. */
  squash: boolean;
  /** torchvision's `InterpolationMode` of the `Resize`, run by Pillow on a PIL image. */
  interpolation: Interpolation;
}

export const PRESETS: Readonly<Record<PresetId, Preset>> = {
  'torchvision-256-224': {
    id: 'torchvision-256-224',
    title: 'Resize(256) + CenterCrop(224) (torchvision)',
    resize: 256,
    crop: 224,
    squash: false,
    interpolation: 'bilinear',
  },
  'repopt-official-224-224': {
    id: 'repopt-official-224-224',
    title: 'Resize(224) + CenterCrop(224) (official RepOptimizers eval)',
    resize: 224,
    crop: 224,
    squash: false,
    interpolation: 'bilinear',
  },
  'squash-256-224': {
    id: 'squash-256-224',
    title: 'Resize((256, 256)) + CenterCrop(224) (squash)',
    resize: 256,
    crop: 224,
    squash: true,
    interpolation: 'bilinear',
  },
  'bicubic-256-224': {
    id: 'bicubic-256-224',
    title: 'Resize(256, bicubic) + CenterCrop(224) (timm eval, GhostNets)',
    resize: 256,
    crop: 224,
    squash: false,
    interpolation: 'bicubic',
  },
};

export const DEFAULT_PRESET: PresetId = 'torchvision-256-224';

export function isPresetId(value: unknown): value is PresetId {
  return typeof value === 'string' && Object.hasOwn(PRESETS, value);
}

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** torchvision's `_compute_resized_output_size` for `Resize(size)` with one int. */
export function resizedSize(
  width: number,
  height: number,
  preset: Preset,
): { width: number; height: number } {
  if (preset.squash) return { width: preset.resize, height: preset.resize };
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  // Python: int(requested_new_short * long / short): float division, then truncation.
  const newLong = Math.trunc((preset.resize * long) / short);
  return width <= height
    ? { width: preset.resize, height: newLong }
    : { width: newLong, height: preset.resize };
}

/** Python's round(): to nearest, ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision's `F.center_crop` on a PIL image, including its zero padding when the crop is
 * larger than the image (possible only with unusual presets).
 */
export function centerCrop(img: RgbImage, size: number): RgbImage {
  let src = img;
  if (size > img.width || size > img.height) src = padForCrop(img, size);
  const top = Math.trunc(roundHalfEven((src.height - size) / 2));
  const left = Math.trunc(roundHalfEven((src.width - size) / 2));
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const from = ((top + y) * src.width + left) * 3;
    out.set(src.data.subarray(from, from + size * 3), y * size * 3);
  }
  return { width: size, height: size, data: out };
}

function padForCrop(img: RgbImage, size: number): RgbImage {
  const padLeft = size > img.width ? Math.floor((size - img.width) / 2) : 0;
  const padTop = size > img.height ? Math.floor((size - img.height) / 2) : 0;
  const padRight = size > img.width ? Math.floor((size - img.width + 1) / 2) : 0;
  const padBottom = size > img.height ? Math.floor((size - img.height + 1) / 2) : 0;
  const width = img.width + padLeft + padRight;
  const height = img.height + padTop + padBottom;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < img.height; y++) {
    const row = img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3);
    data.set(row, ((y + padTop) * width + padLeft) * 3);
  }
  return { width, height, data };
}

/**
 * ToTensor + Normalize in float32, one operation at a time as torch does:
 * x = u8 / 255; x = x - mean; x = x / std. Math.fround after each step reproduces float32
 * arithmetic exactly (a double result rounded once to float32 is the correctly rounded one).
 */
export function toNormalizedTensor(
  img: RgbImage,
  mean: readonly number[] = IMAGENET_MEAN,
  std: readonly number[] = IMAGENET_STD,
): Float32Array {
  const plane = img.width * img.height;
  const out = new Float32Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c]!);
    const s = Math.fround(std[c]!);
    // The 256 possible values per channel, computed once.
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = Math.fround(Math.fround(Math.fround(v / 255) - m) / s);
    const base = c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = lut[img.data[i * 3 + c]!]!;
  }
  return out;
}

/** The network's-eye view: a normalised CHW tensor back to RGBA bytes for display. */
export function denormalizeToRgba(
  tensor: Float32Array,
  width: number,
  height: number,
  mean: readonly number[] = IMAGENET_MEAN,
  std: readonly number[] = IMAGENET_STD,
): Uint8ClampedArray<ArrayBuffer> {
  const plane = width * height;
  const out = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++)
      out[i * 4 + c] = Math.round((tensor[c * plane + i]! * std[c]! + mean[c]!) * 255);
    out[i * 4 + 3] = 255;
  }
  return out;
}

export interface Preprocessed {
  resized: { width: number; height: number };
  crop: RgbImage;
  tensor: Float32Array;
  dims: [1, 3, number, number];
}

export function preprocess(img: RgbImage, preset: Preset): Preprocessed {
  const size = resizedSize(img.width, img.height, preset);
  const crop = resizeAndCenterCrop(img, size.width, size.height, preset.crop, preset.interpolation);
  const tensor = toNormalizedTensor(crop);
  return { resized: size, crop, tensor, dims: [1, 3, preset.crop, preset.crop] };
}

/**
 * `centerCrop(resize(img, width, height, interpolation), size)` without making the resized image: only
 * the pixels the crop keeps are computed (the same values: each output pixel of Pillow's
 * separable resize depends on its own coordinates only). Where the crop is larger than the
 * resized image, torchvision pads with zeros; so does this.
 */
export function resizeAndCenterCrop(
  img: RgbImage,
  width: number,
  height: number,
  size: number,
  interpolation: Interpolation = 'bilinear',
): RgbImage {
  const [left, cols] = cropSpan(width, size);
  const [top, rows] = cropSpan(height, size);
  const part = resizeRegion(
    img,
    width,
    height,
    { left: Math.max(left, 0), top: Math.max(top, 0), width: cols, height: rows },
    interpolation,
  );
  if (cols === size && rows === size) return part;
  const out = new Uint8Array(size * size * 3);
  const x0 = Math.max(-left, 0);
  const y0 = Math.max(-top, 0);
  for (let y = 0; y < rows; y++)
    out.set(part.data.subarray(y * cols * 3, (y + 1) * cols * 3), ((y0 + y) * size + x0) * 3);
  return { width: size, height: size, data: out };
}

/**
 * Where a center crop of `size` starts along a side of `length` (negative inside torchvision's
 * zero padding), and how many of its pixels lie inside the image.
 */
function cropSpan(length: number, size: number): [start: number, inside: number] {
  if (size <= length) return [Math.trunc(roundHalfEven((length - size) / 2)), size];
  // Padded by floor((size - length) / 2) before: the padded side is exactly `size` long.
  return [-Math.floor((size - length) / 2), length];
}
