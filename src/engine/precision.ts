/**
 * The engine's `precision`: the same inputs as `quantize` (the model's bytes, the calibration
 * images in whichever form they came), then core/precision on the engine's own sessions (WASM, as
 * the quantizer calibrates).
 */
import { checkPrecision } from '../core/precision';
import { PRESETS } from '../core/preprocess/preprocess';
import { calibrationOf, calibrationSessions, sourceBytes, withCalibration } from './quantize';
import type { CallOptions, EngineDeps, PrecisionRequest, PrecisionResult } from './types';

export async function precisionRequest(
  deps: Pick<EngineDeps, 'decode' | 'fetchModel' | 'createSession' | 'calibrationFiles'>,
  request: PrecisionRequest & CallOptions,
  now: () => number,
): Promise<PrecisionResult> {
  const t0 = now();
  const signal = request.signal ?? new AbortController().signal;
  const { bytes, externalData } = await sourceBytes(deps, request, signal);
  const calibration = await calibrationOf(deps, request, signal);
  const report = await withCalibration(calibration, () =>
    checkPrecision(bytes, {
      ...(request.method ? { method: request.method } : {}),
      images: () => calibration.images(),
      imageCount: calibration.count,
      size: PRESETS[request.preset].crop,
      createRunner: calibrationSessions(deps, request, externalData),
      batchNorm: request.batchNorm ?? null,
      signal,
      onProgress: (p) => request.onProgress?.({ phase: p.phase, loaded: p.done, total: p.total }),
    }),
  );
  return { report, skipped: calibration.skipped(), ms: now() - t0 };
}
