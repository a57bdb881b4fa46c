/** What every decoder checks first, so the browser and Node say the same about a bad file. */
import { LensError } from '../errors';
import { readGifInfo, type GifInfo } from './gif';
import { describeNonImage, sniffImageFormat, type ImageFormat } from './format';
import { readJpegInfo, type JpegInfo } from './jpeg';

export const MAX_PIXELS = 100_000_000;

export function requireSupportedImage(bytes: Uint8Array): ImageFormat {
  const format = sniffImageFormat(bytes);
  if (format === null)
    throw new LensError('not-an-image', `This file is not an image: ${describeNonImage(bytes)}.`);
  if (format === 'svg') {
    throw new LensError(
      'unsupported-image',
      'SVG images are not supported: a drawing has no fixed pixels to classify. Export it as PNG or JPEG.',
    );
  }
  if (format === 'heic') {
    throw new LensError(
      'unsupported-image',
      'HEIC/HEIF images (iPhone photos) are not supported: browsers cannot decode them. Export it as JPEG or PNG.',
    );
  }
  return format;
}

export interface HeaderInfo {
  jpeg: JpegInfo | null;
  gif: GifInfo | null;
}

/**
 * Reads what the headers say before any decoder allocates pixels: refuses truncated JPEGs (every
 * decoder refuses them, with messages of its own) and images over the pixel limit.
 */
export function checkImageHeader(bytes: Uint8Array, format: ImageFormat): HeaderInfo {
  if (format === 'jpeg') {
    const jpeg = readJpegInfo(bytes);
    if (!jpeg.complete) {
      throw new LensError(
        'corrupt-image',
        'The JPEG file is truncated: it ends before its end-of-image marker (an interrupted download or copy?).',
      );
    }
    checkPixelCount(jpeg.width, jpeg.height);
    return { jpeg, gif: null };
  }
  if (format === 'gif') {
    const gif = readGifInfo(bytes);
    if (!gif.hasFrame)
      throw new LensError(
        'corrupt-image',
        'The GIF file is truncated or damaged: it has no image.',
      );
    checkPixelCount(gif.width, gif.height);
    return { jpeg: null, gif };
  }
  return { jpeg: null, gif: null };
}

export function checkPixelCount(width: number, height: number): void {
  if (width * height > MAX_PIXELS) {
    throw new LensError(
      'image-too-large',
      `The image is ${width}x${height} (${((width * height) / 1e6).toFixed(0)} MP); the limit is ${MAX_PIXELS / 1e6} MP.`,
    );
  }
}

/** Said with every CMYK JPEG classified in the browser (Node's decoder matches Pillow exactly). */
export const CMYK_BROWSER_NOTE =
  "CMYK JPEG: the browser converts CMYK to RGB rounding down where Pillow rounds to nearest, so pixels may differ from PyTorch's by 1 level (the CLI matches Pillow exactly).";
