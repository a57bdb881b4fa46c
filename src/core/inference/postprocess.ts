/** Softmax and top-k over a model's logits. */

/** Numerically stable softmax, accumulated in float64 (subtracting the max keeps exp() finite). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  const n = logits.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(logits[i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[i]! /= sum;
  return out;
}

export interface Ranked {
  index: number;
  probability: number;
}

/** The k largest values with their indices, largest first; ties keep the lower index first. */
export function topK(values: ArrayLike<number>, k: number): Ranked[] {
  const best: Ranked[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    if (best.length === k && v <= best[k - 1]!.probability) continue;
    let pos = best.length === k ? k - 1 : best.length;
    while (pos > 0 && best[pos - 1]!.probability < v) pos--;
    best.splice(pos, 0, { index: i, probability: v });
    if (best.length > k) best.pop();
  }
  return best;
}

/**
 * Exponential smoothing of probability vectors for a live feed: s = a * previous + (1 - a) * next.
 * a = 0 turns it off (returns `next`).
 */
export function smoothProbabilities(
  previous: Float64Array | null,
  next: Float64Array,
  a: number,
): Float64Array {
  if (!previous || previous.length !== next.length || a <= 0) return next;
  const out = new Float64Array(next.length);
  for (let i = 0; i < next.length; i++) out[i] = a * previous[i]! + (1 - a) * next[i]!;
  return out;
}
