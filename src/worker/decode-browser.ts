/**
 * Decoding in the browser worker. PNG goes through the project's own decoder, because a 2D
 * canvas stores premultiplied alpha and would alter the RGB of translucent pixels that Pillow's
 * convert('RGB') keeps. Everything else goes through createImageBitmap + OffscreenCanvas, which
 * in Debian's chromium uses the same libjpeg-turbo as Pillow: identical JPEG pixels, provided no
 * colour-space conversion runs (Pillow ignores ICC profiles).
 */
import { checkPixelCount, MAX_PIXELS, requireSupportedImage } from '../core/decode-check';
import { LensError } from '../core/errors';
import { readExifOrientation } from '../core/exif';
import { rgbaToRgb, type RgbImage } from '../core/image';
import { applyOrientation } from '../core/orientation';
import { decodePng } from '../core/png';
import type { DecodedInput } from './handler';

export async function decodeInWorker(file: Blob): Promise<DecodedInput> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const format = requireSupportedImage(bytes);
  const orientation = readExifOrientation(bytes);
  if (format === 'png') {
    const { image } = await decodePng(bytes, { maxPixels: MAX_PIXELS });
    const rotated = orientation !== null && orientation !== 1;
    return { image: rotated ? applyOrientation(image, orientation) : image, orientation, rotated };
  }
  // Chromium applies EXIF orientation whatever `imageOrientation` says, so report it.
  const image = await decodeWithBitmap(file, format);
  return { image, orientation, rotated: orientation !== null && orientation !== 1 };
}

async function decodeWithBitmap(file: Blob, format: string): Promise<RgbImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  } catch (e) {
    throw new LensError(
      'corrupt-image',
      `The ${format.toUpperCase()} file could not be decoded (truncated or corrupt?).`,
      { cause: e },
    );
  }
  try {
    const { width, height } = bitmap;
    checkPixelCount(width, height);
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx)
      throw new LensError('internal', 'OffscreenCanvas 2D context unavailable in this browser.');
    ctx.drawImage(bitmap, 0, 0);
    return rgbaToRgb(ctx.getImageData(0, 0, width, height).data, width, height);
  } finally {
    bitmap.close();
  }
}
