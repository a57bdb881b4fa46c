/**
 * Pillow's `Image.resize(size, Image.BILINEAR)` for 8-bit RGB images, bit for bit.
 *
 * This follows Pillow's Resample.c (9.x): the filter support widens with the scale factor
 * (so downscaling is antialiased, unlike canvas `drawImage`), coefficients are computed in
 * double precision, normalised, then rounded to 22-bit fixed point, and the image is
 * resampled in two 8-bit passes, horizontal first, rounding and clamping after each pass.
 */
import type { RgbImage } from './image';

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

function bilinear(x: number): number {
  const ax = x < 0 ? -x : x;
  return ax < 1 ? 1 - ax : 0;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the bilinear filter (support 1). */
function precomputeCoefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C casts truncate toward zero; the clamp to 0 makes that equal to Pillow's rounding here.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bilinear((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x]! / ww : k[x]!;
      weights[xx * ksize + x] = Math.trunc(
        w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS),
      );
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(sum: number): number {
  // Pillow's clip8: arithmetic shift then clamp. Bilinear weights are non-negative, so the sum
  // stays well inside int32 and `>>` is exact.
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

/** `img.resize((width, height), Image.BILINEAR)` as Pillow computes it for an RGB image. */
export function resizeBilinear(img: RgbImage, width: number, height: number): RgbImage {
  if (!(width >= 1 && height >= 1 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new RangeError(`resize target must be positive integers, got ${width}x${height}`);
  }
  if (width === img.width && height === img.height) {
    return { width, height, data: img.data.slice() };
  }
  const needHorizontal = width !== img.width;
  const needVertical = height !== img.height;
  const horizontal = precomputeCoefficients(img.width, width);
  const vertical = precomputeCoefficients(img.height, height);
  // Like Pillow, run the horizontal pass only over the rows the vertical pass will read.
  const firstRow = vertical.bounds[0]!;
  const lastRow = vertical.bounds[height * 2 - 2]! + vertical.bounds[height * 2 - 1]!;
  let current = img;
  let rowShift = 0;
  if (needHorizontal) {
    current = resampleHorizontal(img, firstRow, lastRow - firstRow, width, horizontal);
    rowShift = firstRow;
  }
  if (needVertical) current = resampleVertical(current, height, vertical, rowShift);
  return current;
}
