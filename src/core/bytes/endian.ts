/**
 * Unsigned little- and big-endian reads from a byte array. Out-of-range bytes read as 0 and never
 * throw: header parsers check bounds themselves and must end quickly on any input.
 */

export function u16le(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
}

export function u16be(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

export function u32le(b: Uint8Array, at: number): number {
  return u16le(b, at) + u16le(b, at + 2) * 0x10000;
}

export function u32be(b: Uint8Array, at: number): number {
  return u16be(b, at) * 0x10000 + u16be(b, at + 2);
}

/** 24-bit little-endian (WebP's VP8X canvas size). */
export function u24le(b: Uint8Array, at: number): number {
  return u16le(b, at) + (b[at + 2] ?? 0) * 0x10000;
}

export const u16 = (b: Uint8Array, at: number, little: boolean): number =>
  little ? u16le(b, at) : u16be(b, at);

export const u32 = (b: Uint8Array, at: number, little: boolean): number =>
  little ? u32le(b, at) : u32be(b, at);
