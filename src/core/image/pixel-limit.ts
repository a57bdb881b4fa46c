/** The one image-size limit, checked from headers before any decoder allocates pixels. */
import { LensError } from '../errors';

export const MAX_PIXELS = 100_000_000;

/** Refuses an image over MAX_PIXELS, saying its size and the limit ("too large", never "damaged"). */
export function checkPixelCount(width: number, height: number): void {
  if (width * height > MAX_PIXELS) {
    const mp = (width * height) / 1e6;
    throw new LensError(
      'image-too-large',
      `The image is too large (${width} x ${height}, limit ${MAX_PIXELS / 1e6} megapixels): it has ${mp < 10 ? mp.toFixed(1) : mp.toFixed(0)} megapixels.`,
    );
  }
}
