/**
 * The quantizer's arithmetic against plain implementations of the definitions, written here:
 * QuantizeLinear/DequantizeLinear as the ONNX spec says (checked against onnxruntime-node running a
 * one-node model), histograms, and the scales and zero points that minmax, percentile and
 * TensorRT's entropy (KL) calibration give on fixed histograms.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel, type EditModel } from '../src/core/onnx/edit';
import { DataType } from '../src/core/onnx/proto';
import {
  AbsHistogram,
  activationParams,
  calibratedRange,
  dequantizeValue,
  HISTOGRAM_BINS,
  klAmax,
  percentileAmax,
  quantizeValue,
  quantizeWeights,
  roundHalfEven,
} from '../src/core/quantize';

/** Round half to even, from the definition: the nearest integer; on a tie, the even one. */
function rint(x: number): number {
  const lo = Math.floor(x);
  const frac = x - lo;
  if (frac < 0.5) return lo;
  if (frac > 0.5) return lo + 1;
  return lo % 2 === 0 ? lo : lo + 1;
}

/** A model: x (float [n]) -> QuantizeLinear(scale, zp) -> y, and y -> DequantizeLinear -> z. */
function qdqModel(scale: number, zp: number, type: 'UINT8' | 'INT8'): Uint8Array {
  const f32 = new Uint8Array(new Float32Array([scale]).buffer);
  const zpBytes = new Uint8Array(type === 'UINT8' ? [zp] : new Int8Array([zp]).buffer);
  const vi = (name: string, t: string) => ({
    name,
    type: { tensorType: { elemType: DataType[t]!, shape: { dim: [{ dimParam: 'n' }] } } },
  });
  const model = {
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'qdq',
      node: [
        { opType: 'QuantizeLinear', input: ['x', 's', 'z'], output: ['y'], attribute: [] },
        { opType: 'DequantizeLinear', input: ['y', 's', 'z'], output: ['d'], attribute: [] },
      ],
      initializer: [
        { name: 's', dims: [], dataType: DataType['FLOAT']!, rawData: f32 },
        { name: 'z', dims: [], dataType: DataType[type]!, rawData: zpBytes },
      ],
      input: [vi('x', 'FLOAT')],
      output: [vi('y', type), vi('d', 'FLOAT')],
      valueInfo: [],
    },
  } as unknown as EditModel;
  return encodeModel(model).bytes;
}

describe('QuantizeLinear / DequantizeLinear as the ONNX spec defines them', () => {
  it('round half to even', () => {
    for (const x of [-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.4999, 2.5001, -7.25, 1e6 + 0.5])
      expect(roundHalfEven(x)).toBe(rint(x));
  });

  it.each([
    { type: 'UINT8' as const, scale: 0.5, zp: 7, range: { min: 0, max: 255 } },
    { type: 'INT8' as const, scale: 0.25, zp: -3, range: { min: -128, max: 127 } },
    { type: 'UINT8' as const, scale: 0.0173, zp: 0, range: { min: 0, max: 255 } },
  ])('match onnxruntime-node on ties and saturation ($type, scale $scale, zp $zp)', async (c) => {
    const s = Math.fround(c.scale);
    // Ties at every half step, values past both ends of the range, and ordinary values.
    const xs: number[] = [];
    for (let k = -300; k <= 300; k++) xs.push((k + 0.5) * s, k * s, k * s * 1.37);
    xs.push(1e9, -1e9, 0, -0);
    const input = Float32Array.from(xs);
    const session = await ort.InferenceSession.create(qdqModel(c.scale, c.zp, c.type));
    const out = await session.run({ x: new ort.Tensor('float32', input, [input.length]) });
    const y = Array.from(out['y']!.data as Int8Array | Uint8Array);
    const d = Array.from(out['d']!.data as Float32Array);
    await session.release();
    const q = { scale: s, zeroPoint: c.zp };
    const plain = Array.from(input, (x) =>
      Math.min(c.range.max, Math.max(c.range.min, rint(Math.fround(x / s)) + c.zp)),
    );
    expect(Array.from(input, (x) => quantizeValue(x, q, c.range))).toEqual(plain);
    expect(y).toEqual(plain);
    expect(d).toEqual(plain.map((v) => dequantizeValue(v, q)));
    expect(d).toEqual(plain.map((v) => Math.fround((v - c.zp) * s)));
  });

  it('int8 symmetric per-channel weights: scale = max|w| / 127 per channel, zero point 0', () => {
    const dims = [3, 2, 2];
    const w = Float32Array.from([1, -2, 0.5, 0.25, 0, 0, 0, 0, -0.3, 0.2, 0.1, 0.05]);
    const { data, scales } = quantizeWeights(w, dims, 0);
    const expectScales = [2 / 127, 1, 0.3 / 127].map(Math.fround);
    expect(Array.from(scales)).toEqual(expectScales);
    expect(Array.from(data)).toEqual(
      Array.from(w, (v, i) => rint(Math.fround(v / expectScales[Math.floor(i / 4)]!))),
    );
    // Axis 1 (MatMul [K, N]): one scale per column.
    const m = quantizeWeights(Float32Array.from([1, 4, -2, 8]), [2, 2], 1);
    expect(Array.from(m.scales)).toEqual([2 / 127, 8 / 127].map(Math.fround));
  });
});

/** A plain histogram of |x| with a given bin width (the last bin takes the top edge). */
function plainHistogram(values: number[], width: number): number[] {
  const bins = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const v of values) bins[Math.min(HISTOGRAM_BINS - 1, Math.floor(Math.abs(v) / width))]!++;
  return bins;
}

/** Deterministic pseudo-random values (a fixed LCG), for fixed histograms. */
function values(n: number, seed: number, f: (u: number) => number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return f(s / 2 ** 31);
  });
}

describe('histograms of |x| with bounded memory', () => {
  it('merge batches exactly when the range grows (bin width doubles)', () => {
    const h = new AbsHistogram();
    // Batch 1 sets the width to 1 (max |x| 2047 = 2047 bins); batch 2 reaches 5000: width 4.
    const a = [2047, ...values(500, 1, (u) => (u - 0.5) * 3000).map((v) => Math.trunc(v) + 0.5)];
    const b = [-5000, ...values(500, 2, (u) => u * 4000).map((v) => Math.trunc(v) + 0.25)];
    h.add(Float32Array.from(a));
    expect(h.width).toBe(1);
    h.add(Float32Array.from(b));
    expect(h.width).toBe(4);
    expect(Array.from(h.bins)).toEqual(plainHistogram([...a, ...b], 4));
    expect(h.count).toBe(a.length + b.length);
    expect(h.min).toBe(-5000);
    expect(h.max).toBe(Math.max(...a, ...b));
  });
});

/** TensorRT's entropy calibration, written out as the GTC 2017 slides give it. */
function tensorRtThreshold(bins: readonly number[], width: number): number {
  let bestDivergence = Infinity;
  let bestI = -1;
  for (let i = 128; i < 2048; i++) {
    // reference_distribution_P: the first i bins, the outliers added to the last of them
    const P = bins.slice(0, i);
    let outliers = 0;
    for (let j = i; j < 2048; j++) outliers += bins[j]!;
    P[i - 1] = P[i - 1]! + outliers;
    // candidate_distribution_Q: the first i bins quantized into 128 levels (the last level takes
    // the remainder), then expanded back over the bins that were not empty
    const Q = new Array<number>(i).fill(0);
    const merged = Math.floor(i / 128);
    for (let level = 0; level < 128; level++) {
      const start = level * merged;
      const stop = level === 127 ? i : start + merged;
      let total = 0;
      let nonEmpty = 0;
      for (let j = start; j < stop; j++) {
        total += bins[j]!;
        if (bins[j]! > 0) nonEmpty++;
      }
      for (let j = start; j < stop; j++) if (bins[j]! > 0) Q[j] = total / nonEmpty;
    }
    const sumP = P.reduce((a, b) => a + b, 0);
    const sumQ = Q.reduce((a, b) => a + b, 0);
    let divergence = 0;
    for (let j = 0; j < i; j++) {
      const p = P[j]! / sumP;
      const q = Q[j]! / sumQ;
      if (p > 0) divergence += q > 0 ? p * Math.log(p / q) : Infinity;
    }
    if (divergence < bestDivergence) {
      bestDivergence = divergence;
      bestI = i;
    }
  }
  return (bestI + 0.5) * width;
}

/** uint8 parameters from their definition: scale = (hi − lo) / 255, zero point = round(−lo / scale). */
function plainParams(lo: number, hi: number): { scale: number; zeroPoint: number } {
  const a = Math.min(lo, 0);
  const b = Math.max(hi, 0);
  const scale = Math.fround((b - a) / 255);
  return { scale, zeroPoint: rint((0 - a) / scale) };
}

describe('calibration methods on fixed histograms', () => {
  // Post-ReLU-like (many exact zeros, a long tail) and signed (an input image's range).
  const relu = values(20000, 7, (u) => (u < 0.45 ? 0 : -Math.log(1 - u) * 1.3));
  const signed = values(20000, 11, (u) => Math.tan((u - 0.5) * 2.9) * 0.4);
  const cases = [
    { name: 'post-ReLU', xs: relu },
    { name: 'signed', xs: signed },
  ];

  it.each(cases)('minmax: [min, max] widened to contain 0 ($name)', ({ xs }) => {
    const h = new AbsHistogram();
    h.add(Float32Array.from(xs));
    const f32 = Float32Array.from(xs);
    const lo = Math.min(...f32);
    const hi = Math.max(...f32);
    const r = calibratedRange(h, 'minmax');
    expect([r.lo, r.hi]).toEqual([lo, hi]);
    expect(activationParams(r.lo, r.hi)).toEqual(plainParams(lo, hi));
  });

  it.each(cases)(
    'percentile: upper edge of the bin holding the p-quantile of |x| ($name)',
    ({ xs }) => {
      const f32 = Float32Array.from(xs);
      const h = new AbsHistogram();
      h.add(f32);
      const sorted = Array.from(f32, Math.abs).sort((a, b) => a - b);
      for (const p of [99.99, 99.9, 99, 90]) {
        // The p-quantile: the smallest |x| with at least p % of the values at or below it.
        const v = sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
        const amax = (Math.min(HISTOGRAM_BINS - 1, Math.floor(v / h.width)) + 1) * h.width;
        expect(percentileAmax(h, p)).toBeCloseTo(amax, 12);
        const r = calibratedRange(h, 'percentile', p);
        const lo = Math.max(Math.min(...f32), -amax);
        const hi = Math.min(Math.max(...f32), amax);
        expect(r.lo).toBeCloseTo(lo, 12);
        expect(r.hi).toBeCloseTo(hi, 12);
        const got = activationParams(r.lo, r.hi);
        const want = plainParams(lo, hi);
        expect(got.zeroPoint).toBe(want.zeroPoint);
        expect(got.scale).toBeCloseTo(want.scale, 9);
      }
    },
  );

  it.each(cases)('kl: TensorRT entropy calibration, as published ($name)', ({ xs }) => {
    const h = new AbsHistogram();
    h.add(Float32Array.from(xs));
    const amax = tensorRtThreshold(Array.from(h.bins), h.width);
    expect(klAmax(h)).toBe(amax);
    const r = calibratedRange(h, 'kl');
    expect(r.hi).toBe(Math.min(h.max, amax));
    expect(activationParams(r.lo, r.hi)).toEqual(
      plainParams(Math.max(h.min, -amax), Math.min(h.max, amax)),
    );
  });

  it('kl keeps everything when nothing is lost (uniform over the first 1000 bins)', () => {
    const u = new AbsHistogram();
    u.add(Float32Array.from([2047]));
    u.bins.fill(0);
    for (let j = 0; j < 1000; j++) u.bins[j] = 10;
    expect(klAmax(u)).toBe(tensorRtThreshold(Array.from(u.bins), u.width));
    expect(klAmax(u)).toBe(1000.5 * u.width);
  });
});
