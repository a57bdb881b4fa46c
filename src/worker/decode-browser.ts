/**
 * Decoding in the browser worker. PNG goes through the project's own decoder, because a 2D
 * canvas stores premultiplied alpha and would alter the RGB of translucent pixels that Pillow's
 * convert('RGB') keeps. Everything else goes through createImageBitmap + OffscreenCanvas, which
 * in Debian's chromium uses the same libjpeg-turbo as Pillow: identical JPEG pixels, provided no
 * colour-space conversion runs (Pillow ignores ICC profiles).
 */
import {
  checkImageHeader,
  checkPixelCount,
  CMYK_BROWSER_NOTE,
  MAX_PIXELS,
  requireSupportedImage,
} from '../core/decode-check';
import { LensError } from '../core/errors';
import { readExifOrientation } from '../core/exif';
import { rgbaIntoRgb, rgbaToRgb, type RgbImage } from '../core/image';
import type { ImageFormat } from '../core/image-format';
import { applyOrientation } from '../core/orientation';
import { decodePng } from '../core/png';
import type { DecodedInput } from './handler';

export async function decodeInWorker(file: Blob): Promise<DecodedInput> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const format = requireSupportedImage(bytes);
  const header = checkImageHeader(bytes, format);
  const orientation = readExifOrientation(bytes);
  const rotated = orientation !== null && orientation !== 1;
  if (format === 'png') {
    const { image } = await decodePng(bytes, { maxPixels: MAX_PIXELS });
    return { image: rotated ? applyOrientation(image, orientation) : image, orientation, rotated };
  }
  // Chromium applies EXIF orientation whatever `imageOrientation` says, so report it.
  const image = await decodeWithBitmap(file, format, header.gif?.fill ?? null);
  const cmyk = header.jpeg !== null && header.jpeg.components === 4;
  return { image, orientation, rotated, ...(cmyk ? { note: CMYK_BROWSER_NOTE } : {}) };
}

/** Rows copied out of the bitmap per canvas read: about 16 MB of RGBA at a time. */
const STRIP_BYTES = 16 << 20;

/**
 * The bitmap's pixels as RGB, copied through a canvas a strip of rows at a time: a 50 MP photo
 * then costs its bitmap and its RGB copy, not also a 200 MB canvas and a 200 MB `ImageData`.
 */
async function decodeWithBitmap(
  file: Blob,
  format: ImageFormat,
  fill: readonly [number, number, number] | null,
): Promise<RgbImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  } catch (e) {
    if (format === 'tiff') {
      throw new LensError(
        'unsupported-image',
        'TIFF images are not supported by this browser; convert it to PNG or JPEG (the CLI reads TIFF).',
        { cause: e },
      );
    }
    throw new LensError(
      'corrupt-image',
      `The ${format.toUpperCase()} file could not be decoded: it is damaged or incomplete.`,
      { cause: e },
    );
  }
  try {
    const { width, height } = bitmap;
    checkPixelCount(width, height);
    const out = allocateRgb(width, height);
    const strip = Math.max(1, Math.min(height, Math.floor(STRIP_BYTES / (width * 4))));
    const canvas = new OffscreenCanvas(width, strip);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx)
      throw new LensError('internal', 'OffscreenCanvas 2D context unavailable in this browser.');
    // An unscaled copy: no smoothing runs, but say so rather than rely on it.
    ctx.imageSmoothingEnabled = false;
    ctx.globalCompositeOperation = 'copy';
    for (let y = 0; y < height; y += strip) {
      const rows = Math.min(strip, height - y);
      ctx.drawImage(bitmap, 0, y, width, rows, 0, 0, width, rows);
      rgbaIntoRgb(ctx.getImageData(0, 0, width, rows).data, width * rows, out, y * width * 3, fill);
    }
    return { width, height, data: out };
  } finally {
    bitmap.close();
  }
}

function allocateRgb(width: number, height: number): Uint8Array {
  try {
    return new Uint8Array(width * height * 3);
  } catch (cause) {
    throw new LensError(
      'image-too-large',
      `Not enough memory to decode this ${width}x${height} image (${Math.round((width * height * 3) / 2 ** 20)} MB of pixels).`,
      { cause },
    );
  }
}

/** A camera frame's pixels (frames carry no EXIF and no colour profile to ignore). */
export function decodeFrame(frame: ImageBitmap): Promise<RgbImage> {
  const { width, height } = frame;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx)
    throw new LensError('internal', 'OffscreenCanvas 2D context unavailable in this browser.');
  ctx.drawImage(frame, 0, 0);
  return Promise.resolve(rgbaToRgb(ctx.getImageData(0, 0, width, height).data, width, height));
}
