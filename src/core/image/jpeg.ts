/**
 * The marker structure of a JPEG, read without decoding any pixels: its size (so a huge image is
 * refused before a decoder allocates for it), its colour components (CMYK needs its own
 * conversion) and whether the file is complete. Pillow, libvips and chromium all refuse a JPEG
 * that ends before its end-of-image marker, each with a different message; this lets both of the
 * app's decoders say the same clear thing. Every read is bounds-checked and every loop advances.
 */

export interface JpegInfo {
  /** From the first SOF segment; 0 when the file ends before it. */
  width: number;
  height: number;
  /** 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK; 0 when unknown. */
  components: number;
  /** The Adobe APP14 colour transform (0 none/CMYK, 1 YCbCr, 2 YCCK), or null without one. */
  adobeTransform: number | null;
  progressive: boolean;
  /** An end-of-image marker was reached by walking the segments and scans. */
  complete: boolean;
}

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP14 = 0xee;

export function readJpegInfo(bytes: Uint8Array): JpegInfo {
  const info: JpegInfo = {
    width: 0,
    height: 0,
    components: 0,
    adobeTransform: null,
    progressive: false,
    complete: false,
  };
  if (bytes[0] !== 0xff || bytes[1] !== SOI) return info;
  let pos = 2;
  while (pos < bytes.length) {
    // Like libjpeg, skip stray bytes (a warning there, not an error) and fill bytes before a marker.
    while (pos < bytes.length && bytes[pos] !== 0xff) pos++;
    while (pos < bytes.length && bytes[pos] === 0xff) pos++;
    if (pos >= bytes.length) break;
    const marker = bytes[pos]!;
    pos++;
    if (marker === EOI) {
      info.complete = true;
      break;
    }
    if (marker === 0x01 || marker === SOI || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (pos + 2 > bytes.length) break;
    const length = (bytes[pos]! << 8) | bytes[pos + 1]!;
    if (length < 2) break; // libjpeg: "bogus marker length"; the decoders will say more
    const start = pos + 2;
    const end = pos + length;
    if (end > bytes.length) break;
    if (isSof(marker) && info.components === 0 && length >= 8) {
      info.height = (bytes[start + 1]! << 8) | bytes[start + 2]!;
      info.width = (bytes[start + 3]! << 8) | bytes[start + 4]!;
      info.components = bytes[start + 5]!;
      info.progressive = marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce;
    } else if (marker === APP14 && length >= 14 && isAdobe(bytes, start)) {
      info.adobeTransform = bytes[start + 11]!;
    }
    pos = end;
    if (marker === SOS) pos = skipEntropyData(bytes, pos);
  }
  return info;
}

/** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
function isSof(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

function isAdobe(bytes: Uint8Array, at: number): boolean {
  return (
    bytes[at] === 0x41 &&
    bytes[at + 1] === 0x64 &&
    bytes[at + 2] === 0x6f &&
    bytes[at + 3] === 0x62 &&
    bytes[at + 4] === 0x65
  );
}

/** The position of the marker that ends a scan: an FF not followed by 00 (stuffing) or RSTn. */
function skipEntropyData(bytes: Uint8Array, pos: number): number {
  for (
    let i = bytes.indexOf(0xff, pos);
    i >= 0 && i + 1 < bytes.length;
    i = bytes.indexOf(0xff, i + 1)
  ) {
    const next = bytes[i + 1]!;
    if (next === 0 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) continue;
    return i;
  }
  return bytes.length;
}
