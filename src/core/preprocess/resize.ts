/**
 * Pillow's `Image.resize(size, Image.BILINEAR)` and `Image.resize(size, Image.BICUBIC)` for 8-bit
 * RGB images, bit for bit.
 *
 * This follows Pillow's Resample.c (9.x): the filter support widens with the scale factor
 * (so downscaling is antialiased, unlike canvas `drawImage`), coefficients are computed in
 * double precision, normalised, then rounded to 22-bit fixed point, and the image is
 * resampled in two 8-bit passes, horizontal first, rounding and clamping after each pass.
 */
import type { RgbImage } from '../image/rgb-image';

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);

interface Coefficients {
  /** Taps per output sample. */
  ksize: number;
  /** For output sample i: first input index at [2i], tap count at [2i+1]. */
  bounds: Int32Array;
  /** Fixed-point weights, ksize per output sample. */
  weights: Int32Array;
}

/** Pillow's resampling filters: a kernel in double precision and its support at scale 1. */
export type Interpolation = 'bilinear' | 'bicubic';

interface Filter {
  support: number;
  kernel: (x: number) => number;
}

function bilinear(x: number): number {
  const ax = x < 0 ? -x : x;
  return ax < 1 ? 1 - ax : 0;
}

/**
 * Pillow's bicubic_filter (Keys, a = -0.5), with its operations in its order: the double results
 * then equal the C ones (x86-64 builds do not contract these into fused multiply-adds).
 */
function bicubic(x: number): number {
  const a = -0.5;
  const ax = x < 0 ? -x : x;
  if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
  if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * a;
  return 0;
}

const FILTERS: Readonly<Record<Interpolation, Filter>> = {
  bilinear: { support: 1, kernel: bilinear },
  bicubic: { support: 2, kernel: bicubic },
};

/**
 * Pillow's precompute_coeffs + normalize_coeffs_8bpc for one filter, for the output samples
 * [first, first + count): each sample's taps depend on its own index only, so a window of the
 * output costs what the window costs, however large the full output would be.
 */
function precomputeCoefficients(
  filter: Filter,
  inSize: number,
  outSize: number,
  first = 0,
  count = outSize,
): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(count * 2);
  const weights = new Int32Array(count * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let i = 0; i < count; i++) {
    const center = (first + i + 0.5) * scale;
    // C casts truncate toward zero; the clamp to 0 makes that equal to Pillow's rounding here.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.kernel((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x]! / ww : k[x]!;
      weights[i * ksize + x] = Math.trunc(
        w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS),
      );
    }
    bounds[i * 2] = xmin;
    bounds[i * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(sum: number): number {
  // Pillow's clip8: arithmetic shift then clamp. The sum is exact in a double and inside int32
  // (255 * 2^22 times the sum of the positive weights, at most about 1.2 for bicubic), and `>>`
  // floors negative sums (bicubic's negative lobes) as C's arithmetic shift does.
  const v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Horizontal pass over rows [rowStart, rowStart + rows) of `src`. */
function resampleHorizontal(
  src: RgbImage,
  rowStart: number,
  rows: number,
  outWidth: number,
  c: Coefficients,
): RgbImage {
  const out = new Uint8Array(outWidth * rows * 3);
  const { ksize, bounds, weights } = c;
  const inStride = src.width * 3;
  const data = src.data;
  for (let y = 0; y < rows; y++) {
    const rowOffset = (y + rowStart) * inStride;
    let o = y * outWidth * 3;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmin = bounds[xx * 2]!;
      const xmax = bounds[xx * 2 + 1]!;
      const kOff = xx * ksize;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      let p = rowOffset + xmin * 3;
      for (let x = 0; x < xmax; x++, p += 3) {
        const w = weights[kOff + x]!;
        r += data[p]! * w;
        g += data[p + 1]! * w;
        b += data[p + 2]! * w;
      }
      out[o++] = clip8(r);
      out[o++] = clip8(g);
      out[o++] = clip8(b);
    }
  }
  return { width: outWidth, height: rows, data: out };
}

/** Vertical pass; `bounds` are relative to the first row of `src`. */
function resampleVertical(
  src: RgbImage,
  outHeight: number,
  c: Coefficients,
  rowShift: number,
): RgbImage {
  const width = src.width;
  const stride = width * 3;
  const out = new Uint8Array(stride * outHeight);
  const { ksize, bounds, weights } = c;
  const data = src.data;
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = bounds[yy * 2]! - rowShift;
    const ymax = bounds[yy * 2 + 1]!;
    const kOff = yy * ksize;
    const o = yy * stride;
    for (let i = 0; i < stride; i++) {
      let s = HALF;
      let p = ymin * stride + i;
      for (let y = 0; y < ymax; y++, p += stride) s += data[p]! * weights[kOff + y]!;
      out[o + i] = clip8(s);
    }
  }
  return { width, height: outHeight, data: out };
}

/** A window of an image: columns [left, left + width), rows [top, top + height). */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** `img.resize((width, height), Image.BILINEAR)` as Pillow computes it for an RGB image. */
export function resizeBilinear(img: RgbImage, width: number, height: number): RgbImage {
  return resizeRegion(img, width, height, { left: 0, top: 0, width, height }, 'bilinear');
}

/** `img.resize((width, height), <filter>)` as Pillow computes it for an RGB image. */
export function resize(
  img: RgbImage,
  width: number,
  height: number,
  interpolation: Interpolation,
): RgbImage {
  return resizeRegion(img, width, height, { left: 0, top: 0, width, height }, interpolation);
}

/** `resizeRegion` with Pillow's BILINEAR filter. */
export function resizeBilinearRegion(
  img: RgbImage,
  width: number,
  height: number,
  region: Region,
): RgbImage {
  return resizeRegion(img, width, height, region, 'bilinear');
}

/**
 * `img.resize((width, height), <filter>).crop(region)`, bit for bit, computing only the
 * region: a 1x10000 strip resized to 256 wide is 2.56 million rows tall (2 GB), of which a
 * center crop keeps 224.
 */
export function resizeRegion(
  img: RgbImage,
  width: number,
  height: number,
  region: Region,
  interpolation: Interpolation,
): RgbImage {
  if (!(width >= 1 && height >= 1 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new RangeError(`resize target must be positive integers, got ${width}x${height}`);
  }
  const { left, top } = region;
  if (!(
    Number.isInteger(left) &&
    Number.isInteger(top) &&
    Number.isInteger(region.width) &&
    Number.isInteger(region.height) &&
    left >= 0 &&
    top >= 0 &&
    region.width >= 1 &&
    region.height >= 1 &&
    left + region.width <= width &&
    top + region.height <= height
  )) {
    throw new RangeError(`region ${JSON.stringify(region)} is not inside ${width}x${height}`);
  }
  const filter = FILTERS[interpolation];
  const needHorizontal = width !== img.width;
  const needVertical = height !== img.height;
  // Like Pillow, run the horizontal pass only over the rows the vertical pass will read.
  const vertical = needVertical
    ? precomputeCoefficients(filter, img.height, height, top, region.height)
    : null;
  const last = region.height * 2 - 2;
  const firstRow = vertical ? vertical.bounds[0]! : top;
  const endRow = vertical
    ? vertical.bounds[last]! + vertical.bounds[last + 1]!
    : top + region.height;
  const rows = needHorizontal
    ? resampleHorizontal(
        img,
        firstRow,
        endRow - firstRow,
        region.width,
        precomputeCoefficients(filter, img.width, width, left, region.width),
      )
    : copyRegion(img, left, firstRow, region.width, endRow - firstRow);
  return vertical ? resampleVertical(rows, region.height, vertical, firstRow) : rows;
}

function copyRegion(
  img: RgbImage,
  left: number,
  top: number,
  width: number,
  height: number,
): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * img.width + left) * 3;
    out.set(img.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data: out };
}
