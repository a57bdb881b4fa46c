/** "Check fp16 and int8" in the page: the current model on the photos in the list, in the main worker. */
import { LensError } from '../core/errors';
import type { PrecisionResult, Progress } from '../engine/types';
import { effectivePreset, engineClient, sourceOf } from './controller';
import { useLens } from './store';

export async function checkCurrentPrecision(
  onProgress: (p: Progress) => void,
  signal: AbortSignal,
): Promise<PrecisionResult> {
  const { activeChoice, results } = useLens.getState();
  if (!activeChoice) throw new LensError('no-model', 'Load a model first.');
  const seen = new Set<string>();
  const images = results
    .filter((r) => !seen.has(r.fileName) && seen.add(r.fileName))
    .map((r) => ({ name: r.fileName, file: r.file }));
  return engineClient().precision({
    source: await sourceOf(activeChoice),
    images,
    preset: effectivePreset(),
    onProgress,
    signal,
  });
}
