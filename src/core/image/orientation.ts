/** EXIF orientation (1-8) applied to RGB pixels, as browsers and `ImageOps.exif_transpose` do. */
import type { RgbImage } from './rgb-image';

/**
 * Where source pixel (x, y) of a `width` x `height` image lands once oriented: at pixel index
 * `origin + x * stepX + y * stepY` of the `outWidth` x `outHeight` result. Every orientation is
 * such an affine map, which lets a decoder write rows straight to their oriented place.
 */
export interface OrientationMap {
  outWidth: number;
  outHeight: number;
  origin: number;
  stepX: number;
  stepY: number;
}

export function orientationMap(orientation: number, width: number, height: number): OrientationMap {
  const swap = orientation >= 5 && orientation <= 8;
  const ow = swap ? height : width;
  const oh = swap ? width : height;
  // dx = ax*x + bx*y + cx, dy = ay*x + by*y + cy for each orientation.
  const [ax, bx, cx, ay, by, cy] = ((): number[] => {
    switch (orientation) {
      case 2:
        return [-1, 0, width - 1, 0, 1, 0];
      case 3:
        return [-1, 0, width - 1, 0, -1, height - 1];
      case 4:
        return [1, 0, 0, 0, -1, height - 1];
      case 5:
        return [0, 1, 0, 1, 0, 0];
      case 6:
        return [0, -1, height - 1, 1, 0, 0];
      case 7:
        return [0, -1, height - 1, -1, 0, width - 1];
      case 8:
        return [0, 1, 0, -1, 0, width - 1];
      default:
        return [1, 0, 0, 0, 1, 0];
    }
  })() as [number, number, number, number, number, number];
  return {
    outWidth: ow,
    outHeight: oh,
    origin: cy * ow + cx,
    stepX: ay * ow + ax,
    stepY: by * ow + bx,
  };
}

export function applyOrientation(img: RgbImage, orientation: number): RgbImage {
  if (orientation < 2 || orientation > 8) return img;
  const { width: w, height: h } = img;
  const m = orientationMap(orientation, w, h);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    let d = (m.origin + y * m.stepY) * 3;
    for (let x = 0, s = y * w * 3; x < w; x++, s += 3, d += m.stepX * 3) {
      out[d] = img.data[s]!;
      out[d + 1] = img.data[s + 1]!;
      out[d + 2] = img.data[s + 2]!;
    }
  }
  return { width: m.outWidth, height: m.outHeight, data: out };
}
