/**
 * The sentence a result card leads with, before the bars: the answer in words ("Most likely:
 * tabby cat (62 %)"), a hedge when the model is unsure, or, for an untrained model, that its
 * answer means nothing. Data only: the page words it in its language.
 */
import type { Prediction } from '../core/inference/classify';

/** Below this top-1 probability the card says "not sure" rather than "most likely". */
export const UNSURE_BELOW = 0.3;

export type Lead =
  | { kind: 'none' }
  | { kind: 'likely' | 'unsure' | 'untrained'; label: string; percent: string; index: number };

/** A probability as a short percentage: whole numbers from 10 %, one decimal below ("0.7"). */
export function percentText(probability: number): string {
  const p = probability * 100;
  return p >= 10 ? p.toFixed(0) : p.toFixed(1);
}

/** The first name of a label ("tabby, tabby cat" -> "tabby"), or the class number without one. */
export function shortLabel(p: Prediction): string {
  const first = p.label.split(',')[0]?.trim() ?? '';
  return first === '' ? `#${p.index}` : first;
}

export function leadOf(top5: readonly Prediction[], untrained: boolean): Lead {
  const top = top5[0];
  if (!top) return { kind: 'none' };
  const kind = untrained ? 'untrained' : top.probability < UNSURE_BELOW ? 'unsure' : 'likely';
  return { kind, label: shortLabel(top), percent: percentText(top.probability), index: top.index };
}
