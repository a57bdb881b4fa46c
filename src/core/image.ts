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
