/** Softmax and top-k over a model's logits. */
import { message, type Message, type Note } from '../message';
import type { OutputKind } from './model-io';

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

/** How far a probability vector's sum may be from 1 (float32 sums of 1000 values, fp16 models). */
const SUM_TOLERANCE = 1e-3;

export const PROBABILITIES_NOTE =
  'The model outputs probabilities (its graph ends in Softmax): they are shown as the model gives them, not softmaxed again.';

/** What a result says about its scores, with its message (src/core/message.ts). */
export const probabilitiesNote: Note = {
  text: PROBABILITIES_NOTE,
  message: message('probabilities'),
};

function notProbabilitiesNote(sum: number, min: number): Note {
  const params = { sum: sum.toPrecision(4), min: min.toPrecision(4) };
  return {
    text: `The model's graph ends in Softmax, but this output is not a probability vector (sum ${params.sum}, smallest value ${params.min}): it was ranked by softmax like logits.`,
    message: message('notProbabilities', params),
  };
}

/**
 * A model output as probabilities: logits are softmaxed; an output the graph computes with Softmax
 * is used as it is when it is one (every value in [0, 1], sum within 1e-3 of 1), and said so. One
 * that is not is softmaxed like logits, and the note says that instead.
 */
export function toProbabilities(
  output: ArrayLike<number>,
  kind: OutputKind,
): { probabilities: Float64Array; note: string | null; noteMessage: Message | null } {
  if (kind === 'logits') return { probabilities: softmax(output), note: null, noteMessage: null };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < output.length; i++) {
    sum += output[i]!;
    min = Math.min(min, output[i]!);
    max = Math.max(max, output[i]!);
  }
  if (min >= 0 && max <= 1 + SUM_TOLERANCE && Math.abs(sum - 1) <= SUM_TOLERANCE)
    return {
      probabilities: Float64Array.from(output),
      note: probabilitiesNote.text,
      noteMessage: probabilitiesNote.message,
    };
  const note = notProbabilitiesNote(sum, min);
  return { probabilities: softmax(output), note: note.text, noteMessage: note.message };
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
