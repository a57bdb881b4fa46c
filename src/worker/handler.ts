/**
 * The worker's logic, not bound to `self`: it takes its dependencies (decoder, runtime, fetch)
 * and a `post` function, so Node tests drive it with onnxruntime-node and a mocked transport.
 */
import type { BackendChoice, BackendPreference } from '../core/inference/backend';
import { classActivationMap } from '../core/inference/cam';
import { readCheckpoint } from '../core/checkpoint/torch';
import type { Checkpoint } from '../core/checkpoint/types';
import { classifyImage, sha256Hex, type InferenceRunner } from '../core/inference/classify';
import { convertStateDict } from '../core/convert';
import { inspectModel, type ModelInspection } from '../core/model/details';
import { LensError, serializeError } from '../core/errors';
import type { RgbImage } from '../core/image/rgb-image';
import { checkModelIo, type IoMeta } from '../core/inference/model-io';
import { denormalizeToRgba, PRESETS, type PresetId } from '../core/preprocess/preprocess';
import type { ClassifyPayload, ModelInfo, ModelSource, Request, Response } from './protocol';

export interface DecodedInput {
  image: RgbImage;
  orientation: number | null;
  /** True when the decoder rotated the pixels per EXIF. */
  rotated: boolean;
  /** Where the decoder knowingly differs from Pillow for this file (e.g. CMYK in a browser). */
  note?: string;
}

export interface LoadedSession extends InferenceRunner {
  choice: BackendChoice;
  threads: number;
  inputs: readonly IoMeta[];
  outputs: readonly IoMeta[];
  /** Points the runner at the tensors `checkModelIo` picked. */
  bind(inputName: string, outputName: string, featuresName?: string | null): void;
  /** Logits and the `features` output (the last stage's activations), for CAMs. */
  runWithFeatures(
    input: Float32Array,
    dims: readonly [number, number, number, number],
  ): Promise<{ logits: Float32Array; features: { data: Float32Array; dims: number[] } }>;
  dispose(): Promise<void>;
}

export interface WorkerDeps {
  decode(file: Blob): Promise<DecodedInput>;
  /** A small display copy of the photo (browser only). */
  makeThumbnail?(image: RgbImage): Promise<Blob>;
  /** Pixels of a camera frame (browser only). */
  decodeFrame?(frame: ImageBitmap): Promise<RgbImage>;
  createSession(
    bytes: Uint8Array,
    backend: BackendPreference,
    threads?: number,
    simulateWebGpuFailure?: boolean,
  ): Promise<LoadedSession>;
  fetchModel(
    url: string,
    onProgress: (loaded: number, total: number | null) => void,
    signal: AbortSignal,
  ): Promise<Uint8Array>;
  labels: readonly string[];
  now?: () => number;
}

export type Post = (message: Response, transfer?: Transferable[]) => void;

interface ActiveModel {
  session: LoadedSession;
  info: ModelInfo;
  classifier: ModelInspection['classifier'];
}

/** The model panel's facts; a model whose graph cannot be analysed still classifies. */
function inspectOrNull(bytes: Uint8Array, sha256: string): ModelInspection | null {
  try {
    return inspectModel(bytes, sha256);
  } catch {
    return null;
  }
}

const WARMUP_SIZE = 224;

/** CAMs of the given classes, each h x w, from the captured feature map. */
function camsFor(
  features: { data: Float32Array; dims: number[] } | null,
  classifier: ActiveModel['classifier'],
  classes: number[],
): ClassifyPayload['cams'] {
  if (!features || !classifier) return null;
  const [, channels = 0, height = 0, width = 0] = features.dims;
  if (channels !== classifier.channels) return null;
  const map = { data: features.data, channels, height, width };
  return {
    height,
    width,
    maps: classes.map((index) => ({
      index,
      values: classActivationMap(map, classifier.weights, index),
    })),
  };
}

export function createHandler(deps: WorkerDeps, post: Post): (request: Request) => Promise<void> {
  const now = deps.now ?? (() => performance.now());
  let labels = deps.labels;
  // A failed load keeps the previous model: the app goes on classifying with it.
  let active: ActiveModel | null = null;
  // One job at a time, in arrival order: a load waits for the classifications before it, and
  // classifications queued after a load use the new model. No request is ever dropped.
  let queue: Promise<unknown> = Promise.resolve();

  // Loads that may still be cancelled, by request id (queued ones included).
  const cancels = new Map<number, AbortController>();

  async function readSource(
    id: number,
    source: ModelSource,
    signal: AbortSignal,
  ): Promise<Uint8Array> {
    if (source.type === 'bytes') return new Uint8Array(source.bytes);
    return deps.fetchModel(
      source.url,
      (loaded, total) => post({ kind: 'progress', id, phase: 'download', loaded, total }),
      signal,
    );
  }

  async function loadModel(
    id: number,
    source: ModelSource,
    backend: BackendPreference,
    threads: number | undefined,
    signal: AbortSignal,
    simulateWebGpuFailure = false,
  ): Promise<ActiveModel> {
    if (signal.aborted) throw new LensError('aborted', 'The model load was cancelled.');
    const bytes = await readSource(id, source, signal);
    return openModel(id, source.name, bytes, backend, threads, signal, simulateWebGpuFailure);
  }

  async function openModel(
    id: number,
    name: string,
    bytes: Uint8Array,
    backend: BackendPreference,
    threads: number | undefined,
    signal: AbortSignal,
    simulateWebGpuFailure = false,
  ): Promise<ActiveModel> {
    if (signal.aborted) throw new LensError('aborted', 'The model load was cancelled.');
    post({ kind: 'progress', id, phase: 'session', loaded: 0, total: null });
    const t0 = now();
    // Hashing runs natively while the session is created.
    const hashing = sha256Hex(bytes);
    const session = await deps.createSession(bytes, backend, threads, simulateWebGpuFailure);
    try {
      const io = checkModelIo(session.inputs, session.outputs, WARMUP_SIZE);
      const inspection = inspectOrNull(bytes, await hashing);
      const classifier = io.featuresName && inspection?.classifier ? inspection.classifier : null;
      session.bind(io.inputName, io.outputName, classifier ? io.featuresName : null);
      const loadMs = now() - t0;
      // One warm-up run: the first inference pays for kernel selection and memory planning.
      const t1 = now();
      const logits = await session.run(new Float32Array(3 * WARMUP_SIZE * WARMUP_SIZE), [
        1,
        3,
        WARMUP_SIZE,
        WARMUP_SIZE,
      ]);
      const warmupMs = now() - t1;
      const numClasses = logits.length;
      const labelWarning =
        numClasses === labels.length
          ? null
          : `The model has ${numClasses} classes but the labels list ${labels.length}; classes without a label are shown as "class N".`;
      const info: ModelInfo = {
        name,
        backend: session.choice.backend,
        backendReason: session.choice.reason,
        threads: session.threads,
        inputName: io.inputName,
        outputName: io.outputName,
        numClasses,
        labelWarning,
        bytes: bytes.byteLength,
        loadMs,
        warmupMs,
        details: inspection?.details ?? null,
        cam: classifier
          ? {
              available: true,
              reason: `exact CAM from the "${io.featuresName}" output and the final Linear layer`,
            }
          : {
              available: false,
              reason: io.featuresName
                ? 'the graph does not end in one Linear layer whose weights can be read'
                : 'the model has no "features" output (convert with --features to get one)',
            },
      };
      return { session, info, classifier };
    } catch (e) {
      await session.dispose();
      throw e;
    }
  }

  async function classify(
    id: number,
    presetId: PresetId,
    decode: () => Promise<DecodedInput>,
    frame = false,
  ): Promise<void> {
    const model = active;
    if (model === null)
      throw new LensError(
        'no-model',
        'No model is loaded: pick one from the list or open an .onnx file.',
      );
    const t0 = now();
    const decoded = await decode();
    const decodeMs = now() - t0;
    const preset = PRESETS[presetId];
    let features: { data: Float32Array; dims: number[] } | null = null;
    const runner: InferenceRunner = model.classifier
      ? {
          run: async (input, dims) => {
            const r = await model.session.runWithFeatures(input, dims);
            features = r.features;
            return r.logits;
          },
        }
      : model.session;
    const result = await classifyImage(decoded.image, preset, runner, labels);
    const cams = camsFor(
      features,
      model.classifier,
      result.top.map((p) => p.index),
    );
    const thumbnail =
      deps.makeThumbnail && !frame
        ? await deps.makeThumbnail(decoded.image).catch(() => null)
        : null;
    const cropRgba = denormalizeToRgba(result.tensor, preset.crop, preset.crop);
    const payload: ClassifyPayload = {
      width: decoded.image.width,
      height: decoded.image.height,
      orientation: decoded.orientation,
      orientationNote: decoded.rotated
        ? `Rotated per EXIF orientation ${decoded.orientation}; PyTorch's default loader does not rotate.`
        : null,
      decodeNote: decoded.note ?? null,
      preset: preset.id,
      resized: result.resized,
      top5: result.top,
      logits: result.logits,
      cropRgba: cropRgba.buffer,
      cropSize: preset.crop,
      cropSha256: await sha256Hex(result.crop.data),
      timings: {
        decodeMs,
        preprocessMs: result.timings.preprocessMs,
        inferenceMs: result.timings.inferenceMs,
        totalMs: now() - t0,
      },
      modelName: model.info.name,
      cams,
      thumbnail,
      backend: model.info.backend,
      threads: model.info.threads,
    };
    post({ kind: 'classified', id, result: payload }, [payload.cropRgba]);
  }

  /**
   * Checkpoint -> state dict -> fused ONNX -> session. At most about two copies of the weights
   * live at once: the file and its tensors, then the tensors and the ONNX, then the ONNX and the
   * runtime's own copy.
   */
  async function convertAndOpen(
    request: Extract<Request, { kind: 'convert' }>,
    signal: AbortSignal,
  ): Promise<void> {
    const t0 = now();
    post({ kind: 'progress', id: request.id, phase: 'read', loaded: 0, total: null });
    let fileBytes: Uint8Array | null = new Uint8Array(request.bytes);
    const sourceSha256 = await sha256Hex(fileBytes);
    let checkpoint: Checkpoint | null = await readCheckpoint(fileBytes, { signal });
    fileBytes = null;
    const converted = convertStateDict(checkpoint.stateDict, {
      fp16: request.fp16,
      features: request.features,
      sourceSha256,
      onProgress: (p) =>
        post({
          kind: 'progress',
          id: request.id,
          phase: 'convert',
          loaded: p.done,
          total: p.total,
        }),
    });
    const layout =
      checkpoint.layout + (checkpoint.stripped ? `, "${checkpoint.stripped}" prefix removed` : '');
    checkpoint = null;
    const ms = now() - t0;
    const name =
      request.name.replace(/\.(pth|pt|ckpt|pkl|bin|tar)$/i, '') +
      (request.fp16 ? '-fp16' : '') +
      '.onnx';
    const model = await openModel(
      request.id,
      name,
      converted.onnx,
      request.backend,
      request.threads,
      signal,
    );
    const previous = active;
    active = model;
    if (previous) await previous.session.dispose().catch(() => undefined);
    const onnx =
      converted.onnx.buffer.byteLength === converted.onnx.byteLength
        ? (converted.onnx.buffer as ArrayBuffer)
        : converted.onnx.slice().buffer;
    post(
      {
        kind: 'model-ready',
        id: request.id,
        info: model.info,
        converted: {
          onnx,
          description: converted.arch.description,
          params: converted.params,
          gmacs: converted.gmacs,
          layout,
          ms,
        },
      },
      [onnx],
    );
  }

  function enqueue(id: number, job: () => Promise<void>): Promise<void> {
    const run = queue
      .then(job)
      .catch((e: unknown) => post({ kind: 'error', id, error: serializeError(e) }));
    queue = run;
    return run;
  }

  return (request) => {
    switch (request.kind) {
      case 'load-model': {
        const controller = new AbortController();
        cancels.set(request.id, controller);
        return enqueue(request.id, async () => {
          const model = await loadModel(
            request.id,
            request.source,
            request.backend,
            request.threads,
            controller.signal,
            request.simulateWebGpuFailure,
          ).finally(() => cancels.delete(request.id));
          const previous = active;
          active = model;
          if (previous) await previous.session.dispose().catch(() => undefined);
          post({ kind: 'model-ready', id: request.id, info: model.info });
        });
      }
      case 'convert': {
        const controller = new AbortController();
        cancels.set(request.id, controller);
        return enqueue(request.id, () =>
          convertAndOpen(request, controller.signal).finally(() => cancels.delete(request.id)),
        );
      }
      case 'set-labels':
        return enqueue(request.id, () => {
          labels = request.labels;
          post({ kind: 'labels-set', id: request.id, count: labels.length });
          return Promise.resolve();
        });
      case 'cancel':
        cancels.get(request.target)?.abort();
        return Promise.resolve();
      case 'classify':
        return enqueue(request.id, () =>
          classify(request.id, request.preset, () => deps.decode(request.file)),
        );
      case 'classify-frame':
        return enqueue(request.id, () =>
          classify(
            request.id,
            request.preset,
            async () => {
              if (!deps.decodeFrame)
                throw new LensError('internal', 'Camera frames are not supported here.');
              try {
                return {
                  image: await deps.decodeFrame(request.frame),
                  orientation: null,
                  rotated: false,
                };
              } finally {
                request.frame.close();
              }
            },
            true,
          ),
        );
      case 'crash':
        // Outside the queue and any try: the error reaches the worker's global error handler.
        setTimeout(() => {
          throw new Error('worker crash requested by a test');
        });
        return Promise.resolve();
    }
  };
}
