/**
 * The EXIF orientation tag (0x0112) of a JPEG or PNG, read without trusting a single length field:
 * every read is bounds-checked and every loop advances, so any input ends quickly, in null at worst.
 *
 * Like Pillow, only the first APP1 "Exif" segment of a JPEG counts. For PNG, the eXIf chunk is used
 * wherever it sits (Pillow also reads one after the image data); the legacy ImageMagick text chunk
 * "Raw profile type exif" is not read, since it usually needs inflating.
 */
import { u16, u32 } from '../bytes/endian';

const ORIENTATION_TAG = 0x0112;
const TIFF_SHORT = 3;
const TIFF_LONG = 4;
const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
/** Pillow (and so this) recognises the JPEG segment by "Exif\0" alone. */
const EXIF_ID = EXIF_HEADER.slice(0, 5);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The orientation 1..8, or null when the file has none, or none that is valid. */
export function readExifOrientation(bytes: Uint8Array): number | null {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpegOrientation(bytes);
  if (startsWith(bytes, 0, PNG_SIGNATURE)) return pngOrientation(bytes);
  return null;
}

/** The displayed size once the orientation is applied: 5 to 8 turn the image by 90°. */
export function orientedSize(
  width: number,
  height: number,
  orientation: number | null,
): { width: number; height: number } {
  return orientation !== null && orientation >= 5 && orientation <= 8
    ? { width: height, height: width }
    : { width, height };
}

function jpegOrientation(bytes: Uint8Array): number | null {
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return null;
    const marker = bytes[pos + 1]!;
    if (marker === 0xff) {
      pos += 1; // fill byte before a marker
      continue;
    }
    // Standalone markers carry no length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    // Metadata precedes the scan; past SOS or EOI there is nothing more to find.
    if (marker === 0xda || marker === 0xd9) return null;
    const length = u16(bytes, pos + 2, false);
    if (length < 2) return null;
    const start = pos + 4;
    const end = Math.min(pos + 2 + length, bytes.length);
    if (marker === 0xe1 && startsWith(bytes, start, EXIF_ID)) {
      return tiffOrientation(bytes.subarray(start + EXIF_HEADER.length, end));
    }
    pos += 2 + length;
  }
  return null;
}

function pngOrientation(bytes: Uint8Array): number | null {
  let pos = 8;
  while (pos + 8 <= bytes.length) {
    const length = u32(bytes, pos, false);
    const type = String.fromCharCode(
      bytes[pos + 4]!,
      bytes[pos + 5]!,
      bytes[pos + 6]!,
      bytes[pos + 7]!,
    );
    if (type === 'IEND') return null;
    if (type === 'eXIf') {
      let data = bytes.subarray(pos + 8, Math.min(pos + 8 + length, bytes.length));
      // Some writers put JPEG's "Exif\0\0" prefix in the chunk too.
      if (startsWith(data, 0, EXIF_HEADER)) data = data.subarray(EXIF_HEADER.length);
      return tiffOrientation(data);
    }
    pos += 12 + length;
  }
  return null;
}

/** Reads tag 0x0112 from IFD0 of a TIFF structure ("II*\0" or "MM\0*" header). */
function tiffOrientation(tiff: Uint8Array): number | null {
  if (tiff.length < 8) return null;
  let little: boolean;
  if (tiff[0] === 0x49 && tiff[1] === 0x49) little = true;
  else if (tiff[0] === 0x4d && tiff[1] === 0x4d) little = false;
  else return null;
  if (u16(tiff, 2, little) !== 42) return null;
  const ifd = u32(tiff, 4, little);
  if (ifd + 2 > tiff.length) return null;
  const count = u16(tiff, ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return null;
    if (u16(tiff, entry, little) !== ORIENTATION_TAG) continue;
    const type = u16(tiff, entry + 2, little);
    if (u32(tiff, entry + 4, little) !== 1) return null;
    // A single value sits in the entry itself, at the start of its 4-byte value field.
    const value =
      type === TIFF_SHORT
        ? u16(tiff, entry + 8, little)
        : type === TIFF_LONG
          ? u32(tiff, entry + 8, little)
          : 0;
    return value >= 1 && value <= 8 ? value : null;
  }
  return null;
}

function startsWith(bytes: Uint8Array, at: number, prefix: readonly number[]): boolean {
  if (at + prefix.length > bytes.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}
