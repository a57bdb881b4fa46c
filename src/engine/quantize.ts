/**
 * The engine's `quantize`: the float model's bytes (from the request, or fetched through the same
 * cache as `load`), the calibration images preprocessed with the request's preset, then
 * core/quantize on the engine's own sessions. The page's photos are decoded here and held (602 KB
 * each at 224x224: tens of photos, not thousands); the CLI's files stream from the platform's
 * calibration source (Node: decoded ahead in worker threads), so thousands of images fit.
 */
import { sha256Hex } from '../core/bytes/digest';
import { ownedBuffer } from '../core/bytes/owned';
import { LensError } from '../core/errors';
import { preprocess, PRESETS } from '../core/preprocess/preprocess';
import { quantizeModel, type CalibrationImage } from '../core/quantize';
import type {
  CalibrationSource,
  CallOptions,
  EngineDeps,
  ExternalData,
  QuantizedModel,
  QuantizeRequest,
} from './types';

type Deps = Pick<EngineDeps, 'decode' | 'fetchModel' | 'createSession' | 'calibrationFiles'>;

export async function quantizeRequest(
  deps: Deps,
  request: QuantizeRequest & CallOptions,
  now: () => number,
): Promise<QuantizedModel> {
  const t0 = now();
  const signal = request.signal ?? new AbortController().signal;
  const { bytes, externalData } = await sourceBytes(deps, request, signal);
  const calibration = await calibrationOf(deps, request, signal);
  const result = await withCalibration(calibration, async () =>
    quantizeModel(bytes, {
      method: request.method,
      ...(request.percentile !== undefined ? { percentile: request.percentile } : {}),
      keepFloat: request.keepFloat ?? null,
      images: () => calibration.images(),
      imageCount: calibration.count,
      size: PRESETS[request.preset].crop,
      createRunner: calibrationSessions(deps, request, externalData),
      sourceSha256: request.sourceSha256 ?? (await sha256Hex(bytes)),
      signal,
      onProgress: (p) => request.onProgress?.({ phase: p.phase, loaded: p.done, total: p.total }),
    }),
  );
  return {
    onnx: ownedBuffer(result.bytes),
    report: result.report,
    skipped: calibration.skipped(),
    ms: now() - t0,
  };
}

/** The float model's bytes (a URL read through the same cache as `load`) and its external data. */
export async function sourceBytes(
  deps: Pick<EngineDeps, 'fetchModel'>,
  request: Pick<QuantizeRequest, 'source'> & CallOptions,
  signal: AbortSignal,
): Promise<{ bytes: Uint8Array; externalData: readonly ExternalData[] }> {
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
  return { bytes, externalData: source.type === 'bytes' ? (source.externalData ?? []) : [] };
}

/** Calibration runs on the engine's own sessions, on WASM (what int8 runs on), as the file is. */
export function calibrationSessions(
  deps: Pick<EngineDeps, 'createSession'>,
  request: { threads?: number },
  externalData: readonly ExternalData[],
): (model: Uint8Array) => ReturnType<EngineDeps['createSession']> {
  return (model) =>
    deps.createSession(model, {
      backend: 'wasm',
      ...(request.threads !== undefined ? { threads: request.threads } : {}),
      ...(externalData.length > 0 ? { externalData } : {}),
    });
}

/**
 * Runs `job` over a calibration source and closes it; a job that found no usable image says how
 * many were skipped and why the first was.
 */
export async function withCalibration<T>(
  calibration: CalibrationSource,
  job: () => Promise<T>,
): Promise<T> {
  try {
    return await job();
  } catch (e) {
    const skipped = calibration.skipped();
    if (e instanceof LensError && e.code === 'bad-dataset' && skipped.length > 0)
      throw noneDecoded(skipped);
    throw e;
  } finally {
    await calibration.close();
  }
}

export function noneDecoded(skipped: readonly { name: string; error: string }[]): LensError {
  return new LensError(
    'bad-dataset',
    `No calibration image could be decoded (${skipped.length} skipped; first: ${skipped[0]!.name}: ${skipped[0]!.error}).`,
  );
}

/** The request's calibration images as one source, whichever form they came in. */
export async function calibrationOf(
  deps: Deps,
  request: Pick<QuantizeRequest, 'images' | 'preset'>,
  signal: AbortSignal,
): Promise<CalibrationSource> {
  const { images } = request;
  if ('paths' in images) {
    if (!deps.calibrationFiles)
      throw new LensError('internal', 'Calibration from files is not available here.');
    if (images.paths.length === 0) throw noImages();
    return deps.calibrationFiles(images.paths, request.preset, images.exif);
  }
  if (images.length === 0) throw noImages();
  const preset = PRESETS[request.preset];
  const held: CalibrationImage[] = [];
  const skipped: { name: string; error: string }[] = [];
  for (const { name, file } of images) {
    if (signal.aborted) throw new LensError('aborted', 'Quantization cancelled.');
    try {
      held.push({ name, tensor: preprocess((await deps.decode(file)).image, preset).tensor });
    } catch (e) {
      skipped.push({ name, error: (e as Error).message });
    }
  }
  if (held.length === 0) throw noneDecoded(skipped);
  return {
    count: held.length,
    // eslint-disable-next-line @typescript-eslint/require-await
    images: async function* () {
      yield* held;
    },
    skipped: () => skipped,
    close: () => Promise.resolve(),
  };
}

const noImages = () =>
  new LensError('bad-dataset', 'No calibration images: add some photos first.');
