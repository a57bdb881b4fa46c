/** The one in-memory image type of the pipeline: 8-bit RGB, 3 bytes per pixel, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** RGBA (canvas `ImageData`) to RGB by dropping alpha, as Pillow's `convert('RGB')` does. */
export function rgbaToRgb(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
): RgbImage {
  const n = width * height;
  const data = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    data[i * 3] = rgba[j]!;
    data[i * 3 + 1] = rgba[j + 1]!;
    data[i * 3 + 2] = rgba[j + 2]!;
  }
  return { width, height, data };
}

/**
 * Pillow's `convert('RGB')` of a CMYK image (Convert.c `cmyk2rgb`, 9.x): with nk = 255 - K,
 * R = nk - round(C * nk / 255), and likewise G from M and B from Y.
 */
export function cmykToRgb(cmyk: Uint8Array, width: number, height: number): RgbImage {
  const n = width * height;
  const data = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const nk = 255 - cmyk[j + 3]!;
    data[i * 3] = nk - mulDiv255(cmyk[j]!, nk);
    data[i * 3 + 1] = nk - mulDiv255(cmyk[j + 1]!, nk);
    data[i * 3 + 2] = nk - mulDiv255(cmyk[j + 2]!, nk);
  }
  return { width, height, data };
}

/** Pillow's MULDIV255: a * b / 255 rounded to nearest, in integers. */
function mulDiv255(a: number, b: number): number {
  const t = a * b + 128;
  return (t + (t >> 8)) >> 8;
}

/**
 * `count` RGBA pixels from `rgba[src..]` to RGB at pixel indices `dest`, `dest + step`, ... of
 * `out` (a negative step writes right to left: mirrored and rotated layouts). Alpha is dropped;
 * pixels with alpha 0 become `fill` when given (GIF: what Pillow has where a browser leaves
 * transparent black).
 */
export function rgbaRowInto(
  rgba: Uint8ClampedArray | Uint8Array,
  src: number,
  count: number,
  out: Uint8Array,
  dest: number,
  step: number,
  fill: readonly [number, number, number] | null = null,
): void {
  for (let i = 0, j = src, o = dest * 3; i < count; i++, j += 4, o += step * 3) {
    if (fill !== null && rgba[j + 3] === 0) {
      out[o] = fill[0];
      out[o + 1] = fill[1];
      out[o + 2] = fill[2];
    } else {
      out[o] = rgba[j]!;
      out[o + 1] = rgba[j + 1]!;
      out[o + 2] = rgba[j + 2]!;
    }
  }
}
