/**
 * Weights no model can compute with: NaN or ±Inf anywhere, or a negative BatchNorm running
 * variance (its square root is NaN). A converted model with any of them answers NaN for every
 * image, so the converter names them and refuses unless asked to convert anyway.
 */
import { LensError } from '../errors';
import type { BadValues, WeightMap } from './types';

const VARIANCE = /(^|\.)running_var$/;

/** Every floating-point tensor with NaN, Inf or (a BatchNorm variance) negative values, in key order. */
export function findBadValues(sd: WeightMap): BadValues[] {
  const found: BadValues[] = [];
  for (const [key, t] of sd) {
    const data = t.data;
    if (!(data instanceof Float32Array || data instanceof Float64Array)) continue;
    const variance = VARIANCE.test(key);
    let nan = 0;
    let inf = 0;
    let negativeVariance = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (Number.isNaN(v)) nan++;
      else if (!Number.isFinite(v)) inf++;
      if (variance && v < 0) negativeVariance++;
    }
    if (nan + inf + negativeVariance > 0) found.push({ key, nan, inf, negativeVariance });
  }
  return found;
}

/** "stage1.0.bn.running_var: 3 negative variances; linear.weight: 7 NaN, 2 Inf" (5 at most). */
export function describeBadValues(bad: readonly BadValues[], most = 5): string {
  const one = (b: BadValues) =>
    `${b.key}: ${[
      b.nan ? `${b.nan} NaN` : '',
      b.inf ? `${b.inf} Inf` : '',
      b.negativeVariance
        ? `${b.negativeVariance} negative variance${b.negativeVariance > 1 ? 's' : ''}`
        : '',
    ]
      .filter(Boolean)
      .join(', ')}`;
  const shown = bad.slice(0, most).map(one).join('; ');
  const more = bad.length - most;
  return more > 0 ? `${shown}; and ${more} more tensor${more > 1 ? 's' : ''}` : shown;
}

export function badValuesError(bad: readonly BadValues[]): LensError {
  const tensors = `${bad.length} tensor${bad.length > 1 ? 's' : ''}`;
  return new LensError(
    'corrupt-checkpoint',
    `The checkpoint's weights hold values no model can compute with (${tensors}: ${describeBadValues(bad)}). The converted model would answer NaN for every image, so it was not converted.`,
  );
}
