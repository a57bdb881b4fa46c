/**
 * Decoding in Node, to the same pixels as Pillow: PNG, BMP and ICO with the project's decoders
 * (sharp has no BMP or ICO; core/image's are Pillow 9.4 bit for bit), everything else with sharp (libvips + libjpeg-turbo/mozjpeg), with ICC conversion and
 * auto-rotation off. Measured on the JPEG fixtures: bit-identical to Pillow (0 of 2.3 M values
 * differ; without `ignoreIcc` the Adobe RGB rocket.jpg differs by up to 55).
 */
import sharp from 'sharp';
import { decodeBmp } from '../core/image/bmp';
import {
  checkImageHeader,
  checkPixelCount,
  MAX_PIXELS,
  requireSupportedImage,
} from '../core/image/decode-check';
import { decodeIco } from '../core/image/ico';
import { LensError } from '../core/errors';
import { readExifOrientation } from '../core/image/exif';
import { cmykToRgb, type RgbImage } from '../core/image/rgb-image';
import type { ImageFormat } from '../core/image/format';
import { applyOrientation } from '../core/image/orientation';
import { decodePng } from '../core/image/png';
import type { DecodedInput } from '../engine/types';

/** `apply`: rotate per EXIF as the browser does; `ignore`: keep stored pixels as PyTorch's loader does. */
export type ExifMode = 'apply' | 'ignore';

export async function decodeBytes(
  bytes: Uint8Array,
  exif: ExifMode = 'apply',
): Promise<DecodedInput> {
  const format = requireSupportedImage(bytes);
  const header = checkImageHeader(bytes, format);
  const image =
    format === 'png'
      ? (await decodePng(bytes, { maxPixels: MAX_PIXELS })).image
      : format === 'bmp'
        ? decodeBmp(bytes)
        : format === 'ico'
          ? await decodeIco(bytes)
          : await decodeWithSharp(bytes, format, header.gif?.fill ?? null);
  const orientation = readExifOrientation(bytes);
  const rotate = exif === 'apply' && orientation !== null && orientation !== 1;
  return {
    image: rotate ? applyOrientation(image, orientation) : image,
    orientation,
    rotated: rotate,
  };
}

async function decodeWithSharp(
  bytes: Uint8Array,
  format: ImageFormat,
  fill: readonly [number, number, number] | null,
): Promise<RgbImage> {
  try {
    const open = () =>
      sharp(bytes, {
        autoOrient: false,
        ignoreIcc: true,
        limitInputPixels: MAX_PIXELS,
        pages: 1,
        // Pillow and browsers decode through libjpeg warnings (stray bytes, ...); so does this.
        // Truncation has been refused already, by checkImageHeader.
        failOn: 'error',
      });
    const meta = await open().metadata();
    // Formats without a header reader here (TIFF): "too large", before libvips says "limit".
    if (meta.width !== undefined && meta.height !== undefined)
      checkPixelCount(meta.width, meta.height);
    if (meta.space === 'cmyk') {
      // libvips un-inverts Adobe CMYK as Pillow does; converting to RGB is left to Pillow's
      // formula (libvips would go through an ICC profile).
      const { data, info } = await open()
        .pipelineColourspace('cmyk')
        .toColourspace('cmyk')
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 4) throw new Error(`CMYK decoded to ${info.channels} channels`);
      return cmykToRgb(bytesOf(data), info.width, info.height);
    }
    const { data, info } = await open().raw().toBuffer({ resolveWithObject: true });
    return toRgb(bytesOf(data), info.width, info.height, info.channels, fill);
  } catch (e) {
    if (e instanceof LensError) throw e;
    throw new LensError(
      'corrupt-image',
      `The ${format.toUpperCase()} file could not be decoded: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

const bytesOf = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/**
 * Grey, grey+alpha, RGB or RGBA to RGB, as Pillow's convert('RGB') does (alpha dropped); for a
 * GIF, pixels with alpha 0 take `fill` (see core/gif.ts).
 */
function toRgb(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
  fill: readonly [number, number, number] | null,
): RgbImage {
  if (channels === 3) return { width, height, data };
  const n = width * height;
  const out = new Uint8Array(n * 3);
  const alpha = channels === 2 || channels === 4 ? channels - 1 : -1;
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    const o = i * 3;
    if (fill !== null && alpha >= 0 && data[s + alpha] === 0) {
      out[o] = fill[0];
      out[o + 1] = fill[1];
      out[o + 2] = fill[2];
    } else if (channels <= 2) {
      out[o] = out[o + 1] = out[o + 2] = data[s]!;
    } else {
      out[o] = data[s]!;
      out[o + 1] = data[s + 1]!;
      out[o + 2] = data[s + 2]!;
    }
  }
  return { width, height, data: out };
}
