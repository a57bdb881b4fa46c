/** A display thumbnail: box-filtered (area average) down to at most `maxSide` pixels a side. */
import type { RgbImage } from './rgb-image';

export function thumbnailRgba(
  img: RgbImage,
  maxSide: number,
): { width: number; height: number; data: Uint8ClampedArray<ArrayBuffer> } {
  const scale = Math.min(1, maxSide / Math.max(img.width, img.height));
  const width = Math.max(1, Math.round(img.width * scale));
  const height = Math.max(1, Math.round(img.height * scale));
  const sums = new Float64Array(width * height * 3);
  const counts = new Uint32Array(width * height);
  for (let y = 0; y < img.height; y++) {
    const ty = Math.min(height - 1, Math.floor((y * height) / img.height));
    for (let x = 0; x < img.width; x++) {
      const t = ty * width + Math.min(width - 1, Math.floor((x * width) / img.width));
      const s = (y * img.width + x) * 3;
      sums[t * 3]! += img.data[s]!;
      sums[t * 3 + 1]! += img.data[s + 1]!;
      sums[t * 3 + 2]! += img.data[s + 2]!;
      counts[t]!++;
    }
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const n = counts[i] || 1;
    data[i * 4] = sums[i * 3]! / n;
    data[i * 4 + 1] = sums[i * 3 + 1]! / n;
    data[i * 4 + 2] = sums[i * 3 + 2]! / n;
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}
