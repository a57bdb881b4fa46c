/**
 * Class activation maps. RepOpt-VGG ends in global average pooling and one Linear layer, so the
 * CAM of class c is exact: cam_c(y, x) = sum_k W[c, k] * F[k, y, x], and mean(cam_c) + b_c is
 * the logit of c.
 */

export interface FeatureMap {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** `weights` is the classifier's [classes, channels] matrix, row-major. */
export function classActivationMap(
  features: FeatureMap,
  weights: Float32Array,
  classIndex: number,
): Float32Array {
  const { data, channels, height, width } = features;
  const plane = height * width;
  const out = new Float32Array(plane);
  const row = classIndex * channels;
  for (let k = 0; k < channels; k++) {
    const w = weights[row + k]!;
    const base = k * plane;
    for (let i = 0; i < plane; i++) out[i]! += w * data[base + i]!;
  }
  return out;
}

/** Bilinear upsampling (align_corners=false, as torch's interpolate) of an h x w map to size x size. */
export function upsampleBilinear(
  map: Float32Array,
  height: number,
  width: number,
  size: number,
): Float32Array {
  const out = new Float32Array(size * size);
  const sy = height / size;
  const sx = width / size;
  for (let y = 0; y < size; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, height - 1);
    const wy = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, width - 1);
      const wx = fx - x0;
      const top = map[y0 * width + x0]! * (1 - wx) + map[y0 * width + x1]! * wx;
      const bottom = map[y1 * width + x0]! * (1 - wx) + map[y1 * width + x1]! * wx;
      out[y * size + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

/** RGBA heat overlay (blue -> red, alpha rising with the value) of a map scaled to [0, 1]. */
export function heatmapRgba(map: Float32Array): Uint8ClampedArray<ArrayBuffer> {
  let min = Infinity;
  let max = -Infinity;
  for (const v of map) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min || 1;
  const out = new Uint8ClampedArray(map.length * 4);
  for (let i = 0; i < map.length; i++) {
    const t = (map[i]! - min) / range;
    out[i * 4] = 255 * Math.min(1, 2 * t);
    out[i * 4 + 1] = 255 * (1 - Math.abs(2 * t - 1));
    out[i * 4 + 2] = 255 * Math.min(1, 2 * (1 - t));
    out[i * 4 + 3] = 60 + 140 * t;
  }
  return out;
}
