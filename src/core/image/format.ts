/**
 * Recognising a file by its first bytes rather than its name or MIME type, which users and
 * operating systems get wrong, and naming what a non-image most likely is for error messages.
 */
import { u16le, u32be, u32le } from '../bytes/endian';
import { message, type Message, type MessageKey, type Note } from '../message';

export type ImageFormat =
  'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'avif' | 'svg' | 'heic' | 'tiff' | 'ico';

/** How far into a text file to look for an <svg> root after an XML prologue or comments. */
const SVG_SCAN_BYTES = 4096;
const BMP_DIB_HEADER_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set([
  'heic',
  'heix',
  'heim',
  'heis',
  'hevc',
  'hevx',
  'hevm',
  'hevs',
  'mif1',
  'msf1',
]);
const FORMAT_NAMES: Readonly<Record<ImageFormat, string>> = {
  png: 'PNG',
  jpeg: 'JPEG',
  gif: 'GIF',
  webp: 'WebP',
  bmp: 'BMP',
  avif: 'AVIF',
  svg: 'SVG',
  heic: 'HEIC/HEIF',
  tiff: 'TIFF',
  ico: 'ICO',
};
const VIDEO_BRANDS = /^(isom|iso\d|mp4\d|avc1|dash|M4V |M4A |qt {2}|3gp\d|3g2\w|f4v )$/;

export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp';
  if (ascii(bytes, 0, 4) === 'II*\0' || ascii(bytes, 0, 4) === 'MM\0*') return 'tiff';
  // "BM" and 00 00 01 00 are short enough to start many other files: check the next fields too.
  if (ascii(bytes, 0, 2) === 'BM' && BMP_DIB_HEADER_SIZES.has(u32le(bytes, 14))) return 'bmp';
  if (
    startsWith(bytes, [0, 0, 1, 0]) &&
    bytes.length >= 22 &&
    u16le(bytes, 4) > 0 &&
    bytes[9] === 0
  )
    return 'ico';
  const brands = ftypBrands(bytes);
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (brands.some((b) => HEIC_BRANDS.has(b))) return 'heic';
  if (isSvg(bytes)) return 'svg';
  return null;
}

/** A short lower-case phrase for a file that is not a supported image, e.g. "looks like text". */
export function describeNonImage(bytes: Uint8Array): string {
  return nonImageNote(bytes).text;
}

/** `describeNonImage` with its message (src/core/message.ts), for readers of other languages. */
export function nonImageNote(bytes: Uint8Array): Note {
  const note = (text: string, key: MessageKey, params: Message['params'] = {}): Note => ({
    text,
    message: message(key, params),
  });
  if (bytes.length === 0) return note('empty file (0 bytes)', 'looks.empty');
  const format = sniffImageFormat(bytes);
  if (format !== null)
    return note(`looks like an image in ${FORMAT_NAMES[format]} format`, 'looks.image', {
      format: FORMAT_NAMES[format],
    });
  if (ascii(bytes, 0, 4) === 'PK\x03\x04' || ascii(bytes, 0, 4) === 'PK\x05\x06')
    return note('looks like a ZIP archive', 'looks.zip');
  if (startsWith(bytes, [0x1f, 0x8b])) return note('looks like a gzip archive', 'looks.gzip');
  if (ascii(bytes, 0, 5) === '%PDF-') return note('looks like a PDF document', 'looks.pdf');
  if (ascii(bytes, 0, 4) === '\x7fELF' || ascii(bytes, 0, 2) === 'MZ')
    return note('looks like a program', 'looks.program');
  if (ascii(bytes, 0, 4) === '8BPS') return note('looks like a Photoshop document', 'looks.psd');
  if (
    startsWith(bytes, [0xff, 0x0a]) ||
    ascii(bytes, 4, 8) === 'jP  \r\n\x87\n' ||
    ascii(bytes, 4, 8) === 'JXL \r\n\x87\n'
  ) {
    return note('looks like a JPEG XL or JPEG 2000 image, which is not supported', 'looks.jxl');
  }
  const brands = ftypBrands(bytes);
  if (brands.some((b) => VIDEO_BRANDS.test(b)))
    return note('looks like a video (MP4/QuickTime)', 'looks.video');
  if (brands.length > 0)
    return note(`looks like an ISO media file (brand "${brands[0]}")`, 'looks.isoMedia', {
      brand: brands[0]!,
    });
  if (looksLikeOnnx(bytes))
    return note('looks like an ONNX model or other protobuf file', 'looks.onnx');
  if (isText(bytes)) {
    const head = textHead(bytes).trimStart().slice(0, 64).toLowerCase();
    if (head.startsWith('<!doctype html') || head.startsWith('<html'))
      return note('looks like an HTML page', 'looks.html');
    if (head.startsWith('<')) return note('looks like an XML document', 'looks.xml');
    if (head.startsWith('{') || head.startsWith('['))
      return note('looks like JSON text', 'looks.json');
    return note('looks like text', 'looks.text');
  }
  const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return note(`unrecognised binary data (starts with ${hex})`, 'looks.binary', { hex });
}

/** Major and compatible brands of an ISO-BMFF `ftyp` box, or [] when there is none. */
function ftypBrands(bytes: Uint8Array): string[] {
  if (ascii(bytes, 4, 4) !== 'ftyp') return [];
  const size = Math.min(u32be(bytes, 0), bytes.length, 4096);
  const brands = [ascii(bytes, 8, 4)];
  // Bytes 12..15 are the minor version; compatible brands follow to the end of the box.
  for (let at = 16; at + 4 <= size; at += 4) brands.push(ascii(bytes, at, 4));
  return brands.filter((b) => b.length === 4);
}

function isSvg(bytes: Uint8Array): boolean {
  const text = textHead(bytes).trimStart();
  if (text.startsWith('<svg')) return true;
  // An XML prologue, comment or doctype may come first; the root element must still be <svg>.
  return (
    (text.startsWith('<?xml') || text.startsWith('<!')) && /<svg[\s>]/.test(text) && isText(bytes)
  );
}

/** The first few KB as text, without a UTF-8 byte order mark. Non-ASCII bytes become U+FFFD. */
function textHead(bytes: Uint8Array): string {
  const start = startsWith(bytes, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  let s = '';
  for (let i = start; i < Math.min(bytes.length, start + SVG_SCAN_BYTES); i++) {
    const b = bytes[i]!;
    s += b < 0x80 ? String.fromCharCode(b) : '\ufffd';
  }
  return s;
}

/** No NUL and few control characters in the first KB: plain text in any ASCII-compatible encoding. */
function isText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 1024);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
  }
  return control * 100 <= n;
}

/**
 * An ONNX ModelProto starts with field 1 (ir_version, a small varint: 08 xx) followed by another
 * field key; exporters write producer_name ("pytorch", ...) right after.
 */
function looksLikeOnnx(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== 0x08 || bytes[1]! >= 0x80) return false;
  // Keys of ModelProto fields 2..8 and 14, the ones that can follow ir_version.
  return [0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72].includes(bytes[2]!);
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/** Bytes as Latin-1 characters; shorter than `n` when the file is. */
function ascii(bytes: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + n));
}
