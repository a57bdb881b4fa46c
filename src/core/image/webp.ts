/**
 * A WebP's canvas size from its first chunk, before any decoder runs: lossy (`VP8 `: the key
 * frame header's 14-bit sizes), lossless (`VP8L`: 14-bit sizes minus one, packed after the 0x2f
 * signature) and extended (`VP8X`: 24-bit canvas sizes minus one, up to 16777216 x 16777216).
 * Null when the chunk is missing or too short to say; every read is bounds-checked.
 */
import { u16le, u24le, u32le } from '../bytes/endian';
import type { ImageSize } from './bmp';

export function readWebpSize(bytes: Uint8Array): ImageSize | null {
  if (ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 4) !== 'WEBP') return null;
  const chunk = ascii(bytes, 12, 4);
  const d = 20;
  if (chunk === 'VP8 ' && bytes.length >= d + 10) {
    if (bytes[d + 3] !== 0x9d || bytes[d + 4] !== 0x01 || bytes[d + 5] !== 0x2a) return null;
    return { width: u16le(bytes, d + 6) & 0x3fff, height: u16le(bytes, d + 8) & 0x3fff };
  }
  if (chunk === 'VP8L' && bytes.length >= d + 5) {
    if (bytes[d] !== 0x2f) return null;
    const bits = u32le(bytes, d + 1);
    return { width: (bits & 0x3fff) + 1, height: (Math.floor(bits / 0x4000) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X' && bytes.length >= d + 10)
    return { width: u24le(bytes, d + 4) + 1, height: u24le(bytes, d + 7) + 1 };
  return null;
}

function ascii(bytes: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + n));
}
