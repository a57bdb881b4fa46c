/** What every decoder checks first, so the browser and Node say the same about a bad file. */
import { LensError } from '../errors';
import { readAvifSize } from './avif';
import { readBmpSize, type ImageSize } from './bmp';
import { readGifInfo, type GifInfo } from './gif';
import { message } from '../message';
import { nonImageNote, sniffImageFormat, type ImageFormat } from './format';
import { largestIcoImage, readIcoInfo } from './ico';
import { readJpegInfo, type JpegInfo } from './jpeg';
import { checkPixelCount, MAX_PIXELS } from './pixel-limit';
import { readWebpSize } from './webp';

export { checkPixelCount, MAX_PIXELS };

export function requireSupportedImage(bytes: Uint8Array): ImageFormat {
  const format = sniffImageFormat(bytes);
  if (format === null) {
    const why = nonImageNote(bytes);
    throw new LensError('not-an-image', `This file is not an image: ${why.text}.`, {
      why: message('errorWhy.notAnImage', { why: why.message }),
    });
  }
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
  /**
   * The size the headers declare (for ICO, the largest entry's; for AVIF, the largest `ispe`);
   * null where the headers do not say (PNG's is checked by its own decoder, TIFF by the decoders).
   */
  size: ImageSize | null;
}

/**
 * Reads what the headers say before any decoder allocates pixels: refuses truncated JPEGs (every
 * decoder refuses them, with messages of its own) and images over the pixel limit, for every
 * format whose size sits in a header (a 1 KB RLE BMP can claim 23000 x 23000: a browser would
 * allocate 2 GB for it before saying anything).
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
    return { jpeg, gif: null, size: { width: jpeg.width, height: jpeg.height } };
  }
  if (format === 'gif') {
    const gif = readGifInfo(bytes);
    if (!gif.hasFrame)
      throw new LensError(
        'corrupt-image',
        'The GIF file is truncated or damaged: it has no image.',
      );
    checkPixelCount(gif.width, gif.height);
    return { jpeg: null, gif, size: { width: gif.width, height: gif.height } };
  }
  const size = headerSize(bytes, format);
  if (size !== null) checkPixelCount(size.width, size.height);
  return { jpeg: null, gif: null, size };
}

function headerSize(bytes: Uint8Array, format: ImageFormat): ImageSize | null {
  switch (format) {
    case 'bmp':
      return readBmpSize(bytes);
    case 'webp':
      return readWebpSize(bytes);
    case 'ico':
      return largestIcoImage(readIcoInfo(bytes));
    case 'avif':
      return readAvifSize(bytes);
    default:
      return null;
  }
}

/** Said with every CMYK JPEG classified in the browser (Node's decoder matches Pillow exactly). */
export const CMYK_BROWSER_NOTE =
  "CMYK JPEG: the browser converts CMYK to RGB rounding down where Pillow rounds to nearest, so pixels may differ from PyTorch's by 1 level (the CLI matches Pillow exactly).";
