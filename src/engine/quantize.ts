/**
 * The engine's `quantize`: the float model's bytes (from the request, or fetched through the same
 * cache as `load`), the calibration images decoded and preprocessed with the request's preset,
 * then core/quantize with the platform's sessions. The images are preprocessed once and held
 * (602 KB each at 224x224): a calibration set from the page is tens of photos, not thousands.
 */
import { sha256Hex } from '../core/inference/classify';
import { LensError } from '../core/errors';
import { preprocess, PRESETS } from '../core/preprocess/preprocess';
import { quantizeModel, type CalibrationImage } from '../core/quantize';
import type { CallOptions, EngineDeps, QuantizedModel, QuantizeRequest } from './types';

export async function quantizeRequest(
  deps: Pick<EngineDeps, 'decode' | 'fetchModel' | 'createQuantRunner'>,
  request: QuantizeRequest & CallOptions,
  now: () => number,
): Promise<QuantizedModel> {
  const t0 = now();
  const createRunner = deps.createQuantRunner;
  if (!createRunner) throw new LensError('internal', 'int8 quantization is not available here.');
  if (request.images.length === 0)
    throw new LensError('bad-dataset', 'No calibration images: add some photos first.');
  const signal = request.signal ?? new AbortController().signal;
  const { source } = request;
  // A URL model's caching is decided by its load, not here: the bytes only.
  const fetched =
    source.type === 'bytes'
      ? new Uint8Array(source.bytes)
      : await deps.fetchModel(
          source.url,
          (loaded, total) => request.onProgress?.({ phase: 'download', loaded, total }),
          signal,
          { kind: 'model' },
        );
  const bytes = fetched instanceof Uint8Array ? fetched : fetched.bytes;
  const preset = PRESETS[request.preset];
  const images: CalibrationImage[] = [];
  const skipped: QuantizedModel['skipped'] = [];
  for (const { name, file } of request.images) {
    if (signal.aborted) throw new LensError('aborted', 'Quantization cancelled.');
    try {
      images.push({ name, tensor: preprocess((await deps.decode(file)).image, preset).tensor });
    } catch (e) {
      skipped.push({ name, error: (e as Error).message });
    }
  }
  if (images.length === 0)
    throw new LensError(
      'bad-dataset',
      `No calibration image could be decoded (${skipped.length} skipped; first: ${skipped[0]!.name}: ${skipped[0]!.error}).`,
    );
  const { bytes: onnx, report } = await quantizeModel(bytes, {
    method: request.method,
    ...(request.percentile !== undefined ? { percentile: request.percentile } : {}),
    keepFloat: request.keepFloat ?? null,
    // eslint-disable-next-line @typescript-eslint/require-await
    images: async function* () {
      yield* images;
    },
    imageCount: images.length,
    size: preset.crop,
    createRunner,
    sourceSha256: await sha256Hex(bytes),
    signal,
    onProgress: (p) => request.onProgress?.({ phase: p.phase, loaded: p.done, total: p.total }),
  });
  const out =
    onnx.byteOffset === 0 && onnx.byteLength === onnx.buffer.byteLength ? onnx : onnx.slice();
  return { onnx: out.buffer as ArrayBuffer, report, skipped, ms: now() - t0 };
}
