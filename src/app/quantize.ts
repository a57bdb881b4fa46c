/**
 * "Quantize to int8" in the page: the current model, calibrated on the photos in the list, in the
 * main worker; then the int8 model as the comparison model, compared on the same cards.
 */
import { LensError } from '../core/errors';
import type { CalibrationMethod } from '../core/quantize';
import type { Progress, QuantizedModel } from '../engine/types';
import { compareListInPlace } from './compare-in-place';
import {
  choiceName,
  effectivePreset,
  engineClient,
  loadCompareModel,
  sourceOf,
} from './controller';
import { useLens } from './store';

export interface QuantizeOutcome extends QuantizedModel {
  file: File;
  url: string;
}

export async function quantizeCurrent(
  options: { method: CalibrationMethod; percentile?: number; keepFloat?: number },
  onProgress: (p: Progress) => void,
  signal: AbortSignal,
): Promise<QuantizeOutcome> {
  const { activeChoice, results } = useLens.getState();
  if (!activeChoice) throw new LensError('no-model', 'Load a model first.');
  const source = await sourceOf(activeChoice);
  // Each photo once (the same file may have been added twice).
  const seen = new Set<string>();
  const images = results
    .filter((r) => !seen.has(r.fileName) && seen.add(r.fileName))
    .map((r) => ({ name: r.fileName, file: r.file }));
  const out = await engineClient().quantize({
    source,
    images,
    method: options.method,
    ...(options.percentile !== undefined ? { percentile: options.percentile } : {}),
    keepFloat: options.keepFloat ? { auto: options.keepFloat } : null,
    preset: effectivePreset(),
    onProgress,
    signal,
  });
  const name = `${choiceName(activeChoice).replace(/\.onnx$/i, '')}.int8-${options.method}.onnx`;
  const file = new File([out.onnx], name, { type: 'application/octet-stream' });
  return { ...out, file, url: URL.createObjectURL(file) };
}

/** The int8 model becomes the comparison model; the photos in the list are compared in place. */
export async function compareWithInt8(file: File): Promise<void> {
  await loadCompareModel({ type: 'file', file });
  if (useLens.getState().compareStatus.kind !== 'ready') return;
  await compareListInPlace();
}
