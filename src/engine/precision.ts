/**
 * The engine's `precision`: the same inputs as `quantize` (the model's bytes, the photos decoded
 * with the request's preset), then core/precision with the platform's sessions.
 */
import { checkPrecision } from '../core/precision';
import { LensError } from '../core/errors';
import { calibrationInputs } from './quantize';
import type { CallOptions, EngineDeps, PrecisionRequest, PrecisionResult } from './types';

export async function precisionRequest(
  deps: Pick<EngineDeps, 'decode' | 'fetchModel' | 'createQuantRunner'>,
  request: PrecisionRequest & CallOptions,
  now: () => number,
): Promise<PrecisionResult> {
  const t0 = now();
  const createRunner = deps.createQuantRunner;
  if (!createRunner) throw new LensError('internal', 'The precision check is not available here.');
  const signal = request.signal ?? new AbortController().signal;
  const { bytes, images, skipped, preset } = await calibrationInputs(deps, request, signal);
  const report = await checkPrecision(bytes, {
    ...(request.method ? { method: request.method } : {}),
    // eslint-disable-next-line @typescript-eslint/require-await
    images: async function* () {
      yield* images;
    },
    imageCount: images.length,
    size: preset.crop,
    createRunner,
    signal,
    onProgress: (p) => request.onProgress?.({ phase: p.phase, loaded: p.done, total: p.total }),
  });
  return { report, skipped, ms: now() - t0 };
}
