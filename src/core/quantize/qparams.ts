/**
 * Scale and zero-point arithmetic, and QuantizeLinear / DequantizeLinear exactly as the ONNX spec
 * defines them: y = saturate(round(x / scale) + zero_point), round half to even, computed in float32;
 * x = (y - zero_point) * scale.
 *
 * Activations: uint8, asymmetric, over a range that always contains 0 (so zero, the ReLU floor
 * and the padding value, is exact). Weights: int8, symmetric (zero point 0), one scale per output
 * channel over [-127, 127] (never -128, so the range is symmetric).
 */

export interface QParams {
  scale: number;
  zeroPoint: number;
}

export const UINT8 = { min: 0, max: 255 } as const;
export const INT8_SYMMETRIC = { min: -127, max: 127 } as const;

/** Round to nearest, ties to even (the ONNX QuantizeLinear rounding). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds ties up; a tie that landed on an odd number goes back down by one.
  // (+ 0 turns -0 into 0.)
  return (Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0;
}

/** QuantizeLinear of one value (float32 division, round half to even, saturation to [min, max]). */
export function quantizeValue(
  x: number,
  q: QParams,
  range: { min: number; max: number } = UINT8,
): number {
  const v = roundHalfEven(Math.fround(x / q.scale)) + q.zeroPoint;
  return v < range.min ? range.min : v > range.max ? range.max : v;
}

/** DequantizeLinear of one value, in float32. */
export const dequantizeValue = (y: number, q: QParams): number =>
  Math.fround((y - q.zeroPoint) * q.scale);

/**
 * uint8 parameters for the real range [lo, hi], widened to contain 0: scale = (hi - lo) / 255 in
 * float32, zero point = round(-lo / scale) in [0, 255]. An empty range (all zeros) gets scale 1.
 */
export function activationParams(lo: number, hi: number): QParams {
  const a = Math.min(lo, 0);
  const b = Math.max(hi, 0);
  if (!(b > a) || !Number.isFinite(a) || !Number.isFinite(b)) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((b - a) / (UINT8.max - UINT8.min));
  const zp = roundHalfEven(UINT8.min - a / scale);
  return { scale, zeroPoint: Math.min(UINT8.max, Math.max(UINT8.min, zp)) };
}

/** int8 symmetric scale for weights whose largest magnitude is `absMax` (1 when all are zero). */
export const weightScale = (absMax: number): number =>
  absMax > 0 && Number.isFinite(absMax) ? Math.fround(absMax / INT8_SYMMETRIC.max) : 1;

/**
 * Per-channel int8 quantization of a weight tensor along `axis` (0 for Conv [Cout, ...] and for
 * Gemm with transB = 1; 1 for MatMul [K, N] and Gemm with transB = 0).
 */
export function quantizeWeights(
  w: Float32Array,
  dims: readonly number[],
  axis: number,
): { data: Int8Array; scales: Float32Array } {
  const channels = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const absMax = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const v = Math.abs(w[i]!);
    if (v > absMax[c]!) absMax[c] = v;
  }
  const scales = Float32Array.from(absMax, weightScale);
  const data = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    data[i] = quantizeValue(w[i]!, { scale: scales[c]!, zeroPoint: 0 }, INT8_SYMMETRIC);
  }
  return { data, scales };
}

/** int32 bias for a quantized layer: scale = input scale × weight scale per channel, zero point 0. */
export function quantizeBias(
  b: Float32Array,
  inputScale: number,
  weightScales: Float32Array,
): { data: Int32Array; scales: Float32Array } {
  const scales = weightScales.map((s) => Math.fround(inputScale * s));
  const data = new Int32Array(b.length);
  const lim = 2 ** 31 - 1;
  for (let i = 0; i < b.length; i++) {
    const v = roundHalfEven(Math.fround(b[i]! / scales[i]!));
    data[i] = Math.max(-lim, Math.min(lim, v));
  }
  return { data, scales };
}
