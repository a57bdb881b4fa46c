/** What every decoder checks first, so the browser and Node say the same about a bad file. */
import { LensError } from './errors';
import { describeNonImage, sniffImageFormat, type ImageFormat } from './image-format';

export const MAX_PIXELS = 100_000_000;

export function requireSupportedImage(bytes: Uint8Array): ImageFormat {
  const format = sniffImageFormat(bytes);
  if (format === null)
    throw new LensError('not-an-image', `This file is not an image: ${describeNonImage(bytes)}.`);
  if (format === 'svg' || format === 'heic') {
    throw new LensError(
      'unsupported-image',
      `${format.toUpperCase()} images are not supported; convert it to PNG or JPEG.`,
    );
  }
  return format;
}

export function checkPixelCount(width: number, height: number): void {
  if (width * height > MAX_PIXELS) {
    throw new LensError(
      'image-too-large',
      `The image is ${width}x${height} (${((width * height) / 1e6).toFixed(0)} MP); the limit is ${MAX_PIXELS / 1e6} MP.`,
    );
  }
}
