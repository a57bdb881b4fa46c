/**
 * Decoding in the browser worker. PNG goes through the project's own decoder, because a 2D
 * canvas stores premultiplied alpha and would alter the RGB of translucent pixels that Pillow's
 * convert('RGB') keeps; BMP and ICO too (core/image's decoders equal Pillow 9.4 and allocate only
 * the RGB result). Everything else goes through createImageBitmap + OffscreenCanvas, which
 * in Debian's chromium uses the same libjpeg-turbo as Pillow: identical JPEG pixels, provided no
 * colour-space conversion runs (Pillow ignores ICC profiles).
 */
import {
  checkImageHeader,
  checkPixelCount,
  CMYK_BROWSER_NOTE,
  MAX_PIXELS,
  requireSupportedImage,
} from '../core/image/decode-check';
import { LensError } from '../core/errors';
import { readExifOrientation } from '../core/image/exif';
import { rgbaRowInto, rgbaToRgb, type RgbImage } from '../core/image/rgb-image';
import type { ImageFormat } from '../core/image/format';
import { applyOrientation, orientationMap } from '../core/image/orientation';
import { decodeBmp } from '../core/image/bmp';
import { decodeIco } from '../core/image/ico';
import { decodePng } from '../core/image/png';
import type { DecodedInput, ExifMode } from '../engine/types';

/** The orientation that undoes `o` (6 and 8 rotate opposite ways; the others are their own). */
const inverseOrientation = (o: number) => (o === 6 ? 8 : o === 8 ? 6 : o);

export async function decodeInWorker(
  file: Blob,
  options: { exif?: ExifMode } = {},
): Promise<DecodedInput> {
  const ignore = options.exif === 'ignore';
  const bytes = new Uint8Array(await file.arrayBuffer());
  const format = requireSupportedImage(bytes);
  const header = checkImageHeader(bytes, format);
  const exif = readExifOrientation(bytes);
  if (format === 'png' || format === 'bmp' || format === 'ico') {
    // The project's decoders: Pillow's pixels, and memory bounded by the RGB result (a bitmap of
    // a 1 KB RLE BMP costs the browser 4 bytes per declared pixel, twice, before any check).
    const image =
      format === 'png'
        ? (await decodePng(bytes, { maxPixels: MAX_PIXELS })).image
        : format === 'bmp'
          ? decodeBmp(bytes)
          : await decodeIco(bytes);
    const rotated = !ignore && exif !== null && exif !== 1;
    return { image: rotated ? applyOrientation(image, exif) : image, orientation: exif, rotated };
  }
  // Chromium applies EXIF orientation whatever `imageOrientation` says, so report it.
  const { image, orientation } = await decodeWithBitmap(file, format, header.gif?.fill ?? null);
  const cmyk = header.jpeg !== null && header.jpeg.components === 4;
  // Ignoring EXIF: the browser's rotation undone (a permutation of pixels, so exact).
  const stored =
    ignore && orientation !== 1 ? applyOrientation(image, inverseOrientation(orientation)) : image;
  return {
    image: stored,
    orientation: exif ?? (orientation === 1 ? null : orientation),
    rotated: !ignore && orientation !== 1,
    ...(cmyk ? { note: CMYK_BROWSER_NOTE } : {}),
  };
}

/** RGBA bytes copied out of the bitmap at a time. */
const STRIP_BYTES = 4 << 20;

/**
 * The bitmap's pixels as RGB, with the orientation the browser applied (1 when none). A 50 MP
 * photo costs its bitmap and its RGB copy, not also a 200 MB canvas and a 200 MB `ImageData`:
 * rows are copied a strip at a time, through a VideoFrame where the browser has WebCodecs
 * (it reads the bitmap's pixels without a canvas), else through a canvas one strip high.
 */
async function decodeWithBitmap(
  file: Blob,
  format: ImageFormat,
  fill: readonly [number, number, number] | null,
): Promise<{ image: RgbImage; orientation: number }> {
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
    checkPixelCount(bitmap.width, bitmap.height);
    return (
      (await copyWithVideoFrame(bitmap, fill)) ?? {
        image: copyWithCanvas(bitmap, fill),
        orientation: 1,
      }
    );
  } finally {
    bitmap.close();
  }
}

/** WebCodecs' rotation and flip of an EXIF-oriented bitmap's frame, as the EXIF orientation. */
const FRAME_ORIENTATION: Readonly<Record<string, number>> = {
  '0,false': 1,
  '0,true': 2,
  '180,false': 3,
  '180,true': 4,
  '90,true': 5,
  '90,false': 6,
  '270,true': 7,
  '270,false': 8,
};

/**
 * The frame holds the pixels as stored, with the browser's EXIF orientation as rotation + flip;
 * each strip is written straight to its oriented place. Null where WebCodecs cannot do it.
 */
async function copyWithVideoFrame(
  bitmap: ImageBitmap,
  fill: readonly [number, number, number] | null,
): Promise<{ image: RgbImage; orientation: number } | null> {
  if (typeof VideoFrame === 'undefined') return null;
  let frame: VideoFrame;
  try {
    frame = new VideoFrame(bitmap, { timestamp: 0 });
  } catch {
    return null;
  }
  try {
    // Without `rotation` (older WebCodecs) the stored orientation of the pixels is unknown.
    const oriented = frame as VideoFrame & { rotation?: number; flip?: boolean };
    if (oriented.rotation === undefined) return null;
    const orientation = FRAME_ORIENTATION[`${oriented.rotation},${oriented.flip ?? false}`];
    const { codedWidth: width, codedHeight: height } = frame;
    if (orientation === undefined) return null;
    const map = orientationMap(orientation, width, height);
    if (map.outWidth !== bitmap.width || map.outHeight !== bitmap.height) return null;
    const out = allocateRgb(width, height);
    const strip = Math.max(2, Math.min(height, Math.floor(STRIP_BYTES / (width * 4)) & ~1));
    const buffer = new Uint8Array(width * strip * 4);
    for (let y = 0; y < height; y += strip) {
      const rows = Math.min(strip, height - y);
      try {
        await frame.copyTo(buffer, { rect: { x: 0, y, width, height: rows }, format: 'RGBA' });
      } catch {
        return null; // e.g. no RGBA conversion in this browser's WebCodecs
      }
      for (let r = 0; r < rows; r++) {
        const dest = map.origin + (y + r) * map.stepY;
        rgbaRowInto(buffer, r * width * 4, width, out, dest, map.stepX, fill);
      }
    }
    return { image: { width: map.outWidth, height: map.outHeight, data: out }, orientation };
  } finally {
    frame.close();
  }
}

/** Through a canvas one strip high; the browser has applied any EXIF orientation already. */
function copyWithCanvas(
  bitmap: ImageBitmap,
  fill: readonly [number, number, number] | null,
): RgbImage {
  const { width, height } = bitmap;
  const out = allocateRgb(width, height);
  const strip = Math.max(1, Math.min(height, Math.floor(STRIP_BYTES / (width * 4))));
  const canvas = new OffscreenCanvas(width, strip);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx)
    throw new LensError('internal', 'OffscreenCanvas 2D context unavailable in this browser.');
  // An unscaled copy that replaces the strip's previous pixels rather than blending over them.
  ctx.imageSmoothingEnabled = false;
  ctx.globalCompositeOperation = 'copy';
  for (let y = 0; y < height; y += strip) {
    const rows = Math.min(strip, height - y);
    ctx.drawImage(bitmap, 0, y, width, rows, 0, 0, width, rows);
    const rgba = ctx.getImageData(0, 0, width, rows).data;
    rgbaRowInto(rgba, 0, width * rows, out, y * width, 1, fill);
  }
  return { width, height, data: out };
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
