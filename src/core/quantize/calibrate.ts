/**
 * The three calibration methods, each turning an activation's statistics into the real range its
 * uint8 parameters cover:
 *
 * - `minmax`: [min, max] as observed.
 * - `percentile` (p, default 99.99): amax = the upper edge of the histogram bin of |x| in which the
 *   cumulative share of values first reaches p %; the range is [max(min, -amax), min(max, amax)].
 * - `kl`: amax from TensorRT's entropy calibration (Migacz, "8-bit Inference with TensorRT", GTC
 *   2017) on the 2048-bin |x| histogram: for each i in [128, 2048), P = the first i bins with the
 *   outliers added to bin i-1, Q = the first i bins merged into 128 levels and expanded back over
 *   the bins that were non-zero; the i with the smallest KL(P || Q) gives amax = (i + 0.5) · width.
 *   The range is then clipped like percentile's.
 *
 * Every range is widened to contain 0 when the uint8 parameters are made (qparams.ts).
 */
import { LensError } from '../errors';
import { AbsHistogram, HISTOGRAM_BINS } from './histogram';

export type CalibrationMethod = 'minmax' | 'percentile' | 'kl';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'kl'];
export const DEFAULT_PERCENTILE = 99.99;
export const KL_LEVELS = 128;
export const KL_START = 128;

export const isCalibrationMethod = (s: string): s is CalibrationMethod =>
  (CALIBRATION_METHODS as readonly string[]).includes(s);

/** The p-th percentile of |x| as the upper edge of the bin where the cumulative share reaches p. */
export function percentileAmax(h: AbsHistogram, percentile: number): number {
  if (!(percentile > 0 && percentile <= 100))
    throw new LensError('bad-dataset', `The percentile must be in (0, 100], not ${percentile}.`);
  if (h.count === 0 || h.width === 0) return 0;
  const target = (percentile / 100) * h.count;
  let cumulative = 0;
  for (let i = 0; i < HISTOGRAM_BINS; i++) {
    cumulative += h.bins[i]!;
    if (cumulative >= target) return (i + 1) * h.width;
  }
  return HISTOGRAM_BINS * h.width;
}

/** KL(P || Q) for P, Q normalised here; Infinity where Q is 0 and P is not. */
function divergence(p: Float64Array, q: Float64Array): number {
  let sp = 0;
  let sq = 0;
  for (let j = 0; j < p.length; j++) {
    sp += p[j]!;
    sq += q[j]!;
  }
  if (sp === 0) return 0;
  if (sq === 0) return Infinity;
  let kl = 0;
  for (let j = 0; j < p.length; j++) {
    const pj = p[j]! / sp;
    if (pj === 0) continue;
    const qj = q[j]! / sq;
    if (qj === 0) return Infinity;
    kl += pj * Math.log(pj / qj);
  }
  return kl;
}

/** TensorRT's entropy calibration threshold (see the header); 0 for an all-zero tensor. */
export function klAmax(h: AbsHistogram, levels = KL_LEVELS, start = KL_START): number {
  if (h.count === 0 || h.width === 0) return 0;
  const bins = h.bins;
  let best = Infinity;
  let bestI = HISTOGRAM_BINS - 1;
  const suffix = new Float64Array(HISTOGRAM_BINS + 1);
  for (let i = HISTOGRAM_BINS - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! + bins[i]!;
  for (let i = start; i < HISTOGRAM_BINS; i++) {
    const p = bins.slice(0, i);
    p[i - 1]! += suffix[i]!;
    const q = new Float64Array(i);
    const per = Math.floor(i / levels);
    for (let l = 0; l < levels; l++) {
      const from = l * per;
      const to = l === levels - 1 ? i : from + per;
      let sum = 0;
      let nonZero = 0;
      for (let j = from; j < to; j++) {
        sum += bins[j]!;
        if (bins[j] !== 0) nonZero++;
      }
      if (nonZero === 0) continue;
      for (let j = from; j < to; j++) if (bins[j] !== 0) q[j] = sum / nonZero;
    }
    const d = divergence(p, q);
    if (d < best) {
      best = d;
      bestI = i;
    }
  }
  return (bestI + 0.5) * h.width;
}

/** The real range [lo, hi] an activation's uint8 parameters cover, by the chosen method. */
export function calibratedRange(
  h: AbsHistogram,
  method: CalibrationMethod,
  percentile = DEFAULT_PERCENTILE,
): { lo: number; hi: number; amax: number | null } {
  if (h.count === 0) return { lo: 0, hi: 0, amax: null };
  if (method === 'minmax') return { lo: h.min, hi: h.max, amax: null };
  const amax = method === 'kl' ? klAmax(h) : percentileAmax(h, percentile);
  return { lo: Math.max(h.min, -amax), hi: Math.min(h.max, amax), amax };
}
