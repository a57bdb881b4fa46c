/**
 * The classifier engine: plain async methods over injected platform parts. One job runs at a
 * time, in call order: a load waits for the classifications before it, and classifications
 * called after a load use the new model. A newer load or conversion cancels the older ones that
 * have not finished (the last choice wins); a failed load keeps the previous model in use.
 */
import { convertedName } from '../core/checkpoint/names';
import { readCheckpoint } from '../core/checkpoint/torch';
import { convertStateDict } from '../core/convert';
import { decodeGraph, externalDataFiles, isSiblingDataFile } from '../core/onnx/graph';
import { checkLabelFileSize, parseLabels } from '../core/data/labels';
import { classifyCrop, classifyImage, labelled, rank, sha256Hex } from '../core/inference/classify';
import {
  classCountNote,
  checkModelIo,
  checkWarmupScores,
  type OutputKind,
} from '../core/inference/model-io';
import { probabilitiesNote, smoothProbabilities, topK } from '../core/inference/postprocess';
import { inspectModel, type ModelInspection } from '../core/model/details';
import { denormalizeToRgba, PRESETS, type PresetId } from '../core/preprocess/preprocess';
import { LensError } from '../core/errors';
import {
  applyFastPath,
  computePlans,
  computePlansStepwise,
  directPath,
  FAST_REASONS,
  fastPathNote,
  pendingPath,
  type FastBackend,
  type FastPathInfo,
} from '../core/fast';
import type { Note } from '../core/message';
import { camsFor, type FeatureCapture } from './cams';
import {
  backgroundFailure,
  checkAgainst,
  probeReference,
  proveLoaded,
  refusedByRuntime,
  type Reference,
} from './fast-proof';
import { camNote, labelWarningNote, orientationNote } from './notes';
import { quantizeRequest } from './quantize';
import type {
  CallOptions,
  ClassifyPayload,
  ClassifyRequest,
  ConvertedModel,
  ConvertRequest,
  DecodedInput,
  EngineDeps,
  ExternalData,
  SessionOptions,
  FetchedModel,
  Frame,
  FrameRequest,
  LabelsRequest,
  LabelsState,
  LensEngine,
  LoadedSession,
  LoadRequest,
  ModelInfo,
  QuantizedModel,
  QuantizeRequest,
  ModelSource,
  PreparedImage,
  PreparedRequest,
  RankedImage,
  TensorRequest,
} from './types';

interface ActiveModel {
  session: LoadedSession;
  info: ModelInfo;
  classifier: ModelInspection['classifier'];
  /** Whether the bound output holds logits or (a final Softmax) probabilities. */
  kind: OutputKind;
  /** Settles when the file's sha256 is in `info.details`. */
  hashed?: Promise<void>;
  /** The session's input, output and features names (a replacing session is bound the same). */
  io: { input: string; output: string; features: string | null };
  /** Starts preparing the fast path in the background, once the model is the active one. */
  startFastPath?: () => void;
  /** Settles when the fast path took over, or when it will not. */
  fastSettled?: Promise<void>;
}

/**
 * The background fast path starts once no job was queued for `BACKGROUND_IDLE_MS` (the first
 * photo, usually on its way as the model answers, goes first), or after `BACKGROUND_WAIT_MS` at
 * the latest (a camera keeps the queue busy; each step then waits for the frame in the queue).
 */
const BACKGROUND_IDLE_MS = 200;
const BACKGROUND_WAIT_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Thrown between the steps of the background fast path when its model is no longer active. */
class Stopped extends Error {}

const WARMUP_SIZE = 224;

/** One run on a grey image: the first inference pays for kernel selection and memory planning. */
function warmUp(session: LoadedSession): Promise<Float32Array> {
  const size = WARMUP_SIZE;
  return session.run(new Float32Array(3 * size * size), [1, 3, size, size]);
}

/** Backend, threads and the model's own external data, as every session of a model takes them. */
function sessionOptions(
  request: OpenRequest,
  externalData: readonly ExternalData[],
): Omit<SessionOptions, 'prepare'> {
  return {
    backend: request.backend,
    ...(request.threads !== undefined ? { threads: request.threads } : {}),
    ...(externalData.length > 0 ? { externalData } : {}),
  };
}

type OpenRequest = Pick<
  LoadRequest,
  'backend' | 'threads' | 'untrained' | 'fast' | 'fastInBackgroundFrom'
> &
  CallOptions;
const BUNDLED_SUFFIX = ' (bundled)';

function aborted(what: string): LensError {
  return new LensError('aborted', `The ${what} was cancelled.`);
}

function checkSignal(signal: AbortSignal | undefined, what = 'model load'): void {
  if (signal?.aborted) throw aborted(what);
}

/** A deterministic textured image in normalised units (about -2..2), for a second probe. */
function textureImage(size: number): Float32Array {
  const out = new Float32Array(3 * size * size);
  let seed = 12345;
  for (let i = 0; i < out.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    out[i] = (seed / 2 ** 32) * 4 - 2;
  }
  return out;
}

/** A model's .onnx of this size or less is read for external data files it names. */
const EXTERNAL_DATA_PROBE_BYTES = 16 * 2 ** 20;

/** The external data files the model names (none when it names none or does not parse). */
function externalDataOf(bytes: Uint8Array): string[] {
  try {
    return externalDataFiles(decodeGraph(bytes)).filter(isSiblingDataFile);
  } catch {
    return [];
  }
}

/** A label file's names; its size is checked before it is read, so a huge file costs nothing. */
async function readLabelFile(file: Blob): Promise<string[]> {
  checkLabelFileSize(file.size);
  return parseLabels(await file.text()).labels;
}

/** The model panel's facts; a model whose graph cannot be analysed still classifies. */
function inspectOrNull(bytes: Uint8Array): ModelInspection | null {
  try {
    return inspectModel(bytes);
  } catch {
    return null;
  }
}

/** What a result reports of the decode, whoever decoded. */
type ImageFacts = Omit<PreparedImage, 'crop' | 'resized'>;

function imageFacts(p: PreparedImage): ImageFacts {
  const { width, height, orientation, orientationNote, orientationMessage, decodeNote } = p;
  return { width, height, orientation, orientationNote, orientationMessage, decodeNote };
}

function decodedFacts(decoded: DecodedInput): ImageFacts {
  const { image, orientation, rotated } = decoded;
  const note = orientationNote(orientation, rotated);
  return {
    width: image.width,
    height: image.height,
    orientation,
    orientationNote: note?.text ?? null,
    orientationMessage: note?.message ?? null,
    decodeNote: decoded.note ?? null,
  };
}

export class Engine<F extends Frame = Frame> implements LensEngine<F> {
  private readonly now: () => number;
  private labels: readonly string[];
  private labelSource: string;
  private active: ActiveModel | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Loads and conversions not finished yet, queued ones included. */
  private readonly loads = new Set<AbortController>();
  /** The camera's smoothed probabilities, across frames. */
  private smoothed: Float64Array | null = null;

  constructor(private readonly deps: EngineDeps<F>) {
    this.now = deps.now ?? (() => performance.now());
    this.labels = deps.labels.labels;
    this.labelSource = deps.labels.name + BUNDLED_SUFFIX;
  }

  load(request: LoadRequest & CallOptions): Promise<ModelInfo> {
    this.deps.startRuntime?.(request);
    return this.loading(request.signal, async (signal) => {
      const { source } = request;
      const fetched =
        source.type === 'bytes'
          ? new Uint8Array(source.bytes)
          : await this.deps.fetchModel(
              source.url,
              (loaded, total) => request.onProgress?.({ phase: 'download', loaded, total }),
              signal,
            );
      const bytes = fetched instanceof Uint8Array ? fetched : fetched.bytes;
      const kept = fetched instanceof Uint8Array ? [] : [fetched];
      let info: ModelInfo;
      try {
        const external = await this.externalDataFor(source, bytes, request, signal);
        kept.push(...external.fetched);
        const model = await this.open(source.name, bytes, request, signal, external.files);
        info = (await this.activate(model, signal)).info;
      } catch (e) {
        // Only what loaded as a model is kept (offline); a refused download is dropped.
        if (!signal.aborted) await Promise.all(kept.map((k) => k.discard().catch(() => undefined)));
        throw e;
      }
      await Promise.all(kept.map((k) => k.keep().catch(() => undefined)));
      return info;
    });
  }

  /**
   * Checkpoint -> state dict -> fused ONNX -> session. At most about two copies of the weights
   * live at once: the file and its tensors, then the tensors and the ONNX, then the ONNX and the
   * runtime's own copy.
   */
  convert(
    request: ConvertRequest & CallOptions,
  ): Promise<{ info: ModelInfo; converted: ConvertedModel }> {
    this.deps.startRuntime?.(request);
    return this.loading(request.signal, async (signal) => {
      const t0 = this.now();
      request.onProgress?.({ phase: 'read', loaded: 0, total: null });
      let fileBytes: Uint8Array | null = new Uint8Array(request.bytes);
      const sourceSha256 = await sha256Hex(fileBytes);
      let checkpoint = await readCheckpoint(fileBytes, { signal });
      fileBytes = null;
      const converted = convertStateDict(checkpoint.stateDict, {
        fp16: request.fp16,
        features: request.features,
        sourceSha256,
        onProgress: (p) =>
          request.onProgress?.({ phase: 'convert', loaded: p.done, total: p.total }),
      });
      const layout =
        checkpoint.layout +
        (checkpoint.stripped ? `, "${checkpoint.stripped}" prefix removed` : '');
      (checkpoint as unknown) = null;
      const ms = this.now() - t0;
      const name = convertedName(request.name, request.fp16);
      const model = await this.open(name, converted.onnx, request, signal);
      const info = (await this.activate(model, signal)).info;
      const onnx =
        converted.onnx.buffer.byteLength === converted.onnx.byteLength
          ? (converted.onnx.buffer as ArrayBuffer)
          : converted.onnx.slice().buffer;
      return {
        info,
        converted: {
          onnx,
          description: converted.arch.description,
          params: converted.params,
          gmacs: converted.gmacs,
          layout,
          ms,
        },
      };
    });
  }

  classify(request: ClassifyRequest & CallOptions): Promise<ClassifyPayload> {
    return this.enqueue(() => {
      checkSignal(request.signal, 'classification');
      return this.run(
        request.preset,
        () => this.deps.decode(request.file, request.exif ? { exif: request.exif } : undefined),
        true,
        request.share === true,
      );
    });
  }

  classifyPrepared(request: PreparedRequest & CallOptions): Promise<ClassifyPayload> {
    return this.enqueue(() => {
      checkSignal(request.signal, 'classification');
      return this.run(request.preset, request.prepared, false, false);
    });
  }

  classifyFrame(request: FrameRequest<F> & CallOptions): Promise<ClassifyPayload> {
    return this.enqueue(async () => {
      try {
        checkSignal(request.signal, 'classification');
        if (!this.deps.decodeFrame)
          throw new LensError('internal', 'Camera frames are not supported here.');
        const image = await this.deps.decodeFrame(request.frame);
        const payload = await this.run(
          request.preset,
          () => Promise.resolve({ image, orientation: null, rotated: false }),
          false,
          false,
        );
        return this.smooth(payload, request);
      } finally {
        request.frame.close();
      }
    });
  }

  classifyTensors(request: TensorRequest & CallOptions): Promise<RankedImage[]> {
    return this.enqueue(async () => {
      checkSignal(request.signal, 'classification');
      const model = this.requireModel();
      const { count, size } = request;
      const logits = await model.session.run(request.input, [count, 3, size, size]);
      const classes = logits.length / count;
      return Array.from({ length: count }, (_, k) => {
        const own = logits.slice(k * classes, (k + 1) * classes);
        const ranked = rank(own, this.labelsFor(model), 5, model.kind);
        const { probabilities, top, note, noteMessage } = ranked;
        return {
          logits: own,
          probabilities,
          top5: top,
          scoreNote: note,
          scoreMessage: noteMessage,
        };
      });
    });
  }

  setLabels(request: LabelsRequest): Promise<LabelsState> {
    // A file is read and parsed before its turn (a refused one changes nothing).
    const parsed =
      'file' in request
        ? readLabelFile(request.file).then((labels) => ({
            labels,
            name: request.name,
          }))
        : Promise.resolve(request);
    parsed.catch(() => undefined); // its failure is the caller's, through the job below
    return this.enqueue(async () => {
      const set = await parsed;
      if (set.name === null) {
        this.labels = this.deps.labels.labels;
        this.labelSource = this.deps.labels.name + BUNDLED_SUFFIX;
      } else {
        this.labels = [...set.labels];
        this.labelSource = set.name;
      }
      if (this.active) {
        const warning = this.labelWarning(this.active.info.numClasses);
        this.active.info = {
          ...this.active.info,
          labelSource: this.labelSource,
          labelWarning: warning?.text ?? null,
          messages: { ...this.active.info.messages, labelWarning: warning?.message ?? null },
        };
      }
      return {
        count: this.labels.length,
        source: this.labelSource,
        warning: this.active ? this.active.info.labelWarning : null,
      };
    });
  }

  /** The active model's facts, its sha256 included (computed after the load answered). */
  async inspect(): Promise<ModelInfo | null> {
    const model = this.active;
    await model?.hashed;
    await model?.fastSettled;
    return model?.info ?? null;
  }

  cancel(): Promise<void> {
    for (const controller of this.loads) controller.abort();
    return Promise.resolve();
  }

  /** int8 quantization of a model (not necessarily the active one); queued like any job. */
  quantize(request: QuantizeRequest & CallOptions): Promise<QuantizedModel> {
    return this.enqueue(() => quantizeRequest(this.deps, request, this.now));
  }

  async dispose(): Promise<void> {
    await this.cancel();
    await this.enqueue(async () => {
      const model = this.active;
      this.active = null;
      await model?.session.dispose();
    });
  }

  // -- internals -------------------------------------------------------------------------

  /** Runs `job` in the queue, in call order; its failure is the caller's, not the queue's. */
  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A load or conversion: cancellable by its caller, by `cancel()` and by a newer load. */
  private loading<T>(
    outer: AbortSignal | undefined,
    job: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    for (const older of this.loads) older.abort();
    const controller = new AbortController();
    const signal = outer ? AbortSignal.any([outer, controller.signal]) : controller.signal;
    this.loads.add(controller);
    return this.enqueue(async () => {
      checkSignal(signal);
      return job(signal);
    }).finally(() => this.loads.delete(controller));
  }

  private requireModel(): ActiveModel {
    if (this.active === null)
      throw new LensError(
        'no-model',
        'No model is loaded: pick one from the list or open an .onnx file.',
      );
    return this.active;
  }

  /** A model becomes the active one only if its load was not cancelled meanwhile. */
  private async activate(model: ActiveModel, signal: AbortSignal): Promise<ActiveModel> {
    if (signal.aborted) {
      await model.session.dispose().catch(() => undefined);
      throw aborted('model load');
    }
    const previous = this.active;
    this.active = model;
    this.smoothed = null;
    if (previous) await previous.session.dispose().catch(() => undefined);
    model.startFastPath?.();
    return model;
  }

  private labelWarning(numClasses: number): Note | null {
    const bundled = this.labelSource.endsWith(BUNDLED_SUFFIX);
    return labelWarningNote(numClasses, this.labels.length, bundled ? null : this.labelSource);
  }

  /** Labels apply only when their count matches the model's classes; otherwise "class N". */
  private labelsFor(model: ActiveModel): readonly string[] {
    return model.info.numClasses === this.labels.length ? this.labels : [];
  }

  private async open(
    name: string,
    bytes: Uint8Array,
    request: OpenRequest,
    signal: AbortSignal,
    externalData: readonly ExternalData[] = [],
  ): Promise<ActiveModel> {
    checkSignal(signal);
    request.onProgress?.({ phase: 'session', loaded: 0, total: null });
    const t0 = this.now();
    // The session runs the rewritten graph; inspection and the sha256 stay on the user's file.
    let fast: FastPathInfo = directPath(FAST_REASONS.runtime);
    const fastOn = request.fast !== false;
    const background =
      fastOn &&
      request.fastInBackgroundFrom !== undefined &&
      bytes.byteLength >= request.fastInBackgroundFrom;
    let later: FastBackend | null = null;
    const direct = () => this.deps.createSession(bytes, sessionOptions(request, externalData));
    const created = this.deps.createSession(bytes, {
      ...sessionOptions(request, externalData),
      prepare: (original, runtime) => {
        if (background && runtime !== 'webgpu') {
          // The file as it is answers first; the fast path follows (`prepareFastPath`).
          later = runtime;
          fast = pendingPath();
          return Promise.resolve({ bytes: original, externalData: [] });
        }
        const out = applyFastPath(original, { enabled: fastOn, backend: runtime });
        const t = this.now();
        const externalData = computePlans(out.external);
        fast = { ...out.info, rewriteMs: out.info.rewriteMs + (this.now() - t) };
        return Promise.resolve({ bytes: out.bytes, externalData });
      },
    });
    // -- fast-path self-check (src/engine/fast-proof.ts): a rewritten model the runtime refuses
    // gives way to the file as it is.
    let session = await created.catch((e: unknown) => {
      if (fast.path !== 'winograd') throw e;
      fast = refusedByRuntime(fast, e);
      return direct();
    });
    try {
      checkSignal(signal);
      const inspection = inspectOrNull(bytes);
      const io = checkModelIo(session.inputs, session.outputs, WARMUP_SIZE, inspection);
      const classifier = io.featuresName && inspection?.classifier ? inspection.classifier : null;
      session.bind(io.inputName, io.outputName, classifier ? io.featuresName : null);
      const loadMs = this.now() - t0;
      // -- fast-path self-check (src/engine/fast-proof.ts): the file as it is answers the same
      // probe; on any difference it is kept instead of the rewritten model.
      if (fast.path === 'winograd') {
        const features = classifier ? io.featuresName : null;
        ({ session, fast } = await proveLoaded({
          fast: session,
          info: fast,
          makeDirect: async () => {
            const made = await direct();
            made.bind(io.inputName, io.outputName, features);
            return made;
          },
          inputName: io.inputName,
          size: WARMUP_SIZE,
          features: features !== null,
          now: this.now,
        }));
      }
      // -- end of the self-check
      // One warm-up run: the first inference pays for kernel selection and memory planning.
      const t1 = this.now();
      const logits = await warmUp(session);
      const warmupMs = this.now() - t1;
      // What the declared shape could not promise, the first run shows: a model that cannot
      // rank any image is refused here, before it replaces the working one.
      const numClasses = logits.length;
      const classNote = classCountNote(numClasses, io.outputName);
      const labelWarning = this.labelWarning(numClasses);
      const notes = [
        ...(io.outputKind === 'probabilities' ? [probabilitiesNote] : []),
        ...(classNote ? [classNote] : []),
      ];
      if (!logits.every(Number.isFinite)) {
        // A plain grey image can be a legitimate model's blind spot (a norm of zero features):
        // a textured one decides. Refused only when that is non-finite too.
        const probe = await session.run(textureImage(WARMUP_SIZE), [
          1,
          3,
          WARMUP_SIZE,
          WARMUP_SIZE,
        ]);
        checkWarmupScores(probe, io.outputName);
      }
      const cam = camNote(classifier !== null, io.featuresName);
      const info: ModelInfo = {
        name,
        backend: session.choice.backend,
        backendReason: session.choice.reason,
        threads: session.threads,
        inputName: io.inputName,
        outputName: io.outputName,
        outputKind: io.outputKind,
        numClasses,
        untrained: request.untrained === true,
        labelSource: this.labelSource,
        labelWarning: labelWarning?.text ?? null,
        bytes: bytes.byteLength,
        loadMs,
        warmupMs,
        details: inspection?.details ?? null,
        notes: notes.map((n) => n.text),
        messages: {
          labelWarning: labelWarning?.message ?? null,
          notes: notes.map((n) => n.message),
          backendReason: session.choice.message,
          cam: cam.message,
        },
        cam: { available: cam.available, reason: cam.text },
        fast,
      };
      const model: ActiveModel = {
        session,
        info,
        classifier,
        kind: io.outputKind,
        io: {
          input: io.inputName,
          output: io.outputName,
          features: classifier ? io.featuresName : null,
        },
      };
      if (info.details) this.hashLater(model, bytes);
      const runtime: FastBackend | null = later;
      if (runtime !== null)
        model.startFastPath = () => {
          model.fastSettled = this.prepareFastPath(model, bytes, runtime, request, externalData);
        };
      return model;
    } catch (e) {
      await session.dispose().catch(() => undefined);
      throw e;
    }
  }

  /**
   * The external data files a model needs: those given with its bytes, or for a URL the files it
   * names, fetched beside it. Only small models are parsed for them (a model with external data
   * keeps its weights outside, so its .onnx is small); none named, none fetched.
   */
  private async externalDataFor(
    source: ModelSource,
    bytes: Uint8Array,
    request: CallOptions,
    signal: AbortSignal,
  ): Promise<{ files: readonly ExternalData[]; fetched: FetchedModel[] }> {
    const fetchedAll: FetchedModel[] = [];
    if (source.type === 'bytes') return { files: source.externalData ?? [], fetched: fetchedAll };
    if (bytes.byteLength > EXTERNAL_DATA_PROBE_BYTES) return { files: [], fetched: fetchedAll };
    const names = externalDataOf(bytes);
    const files: ExternalData[] = [];
    for (const path of names) {
      const url = new URL(path, source.url).href;
      const fetched = await this.deps.fetchModel(
        url,
        (loaded, total) => request.onProgress?.({ phase: 'download', loaded, total }),
        signal,
      );
      if (!(fetched instanceof Uint8Array)) fetchedAll.push(fetched);
      const data = fetched instanceof Uint8Array ? fetched : fetched.bytes;
      const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
      files.push({ path, bytes: whole ? (data.buffer as ArrayBuffer) : data.slice().buffer });
    }
    return { files, fetched: fetchedAll };
  }

  /**
   * The fast path for a model that already answers with its convolutions as they are (the page's
   * big models: the first result comes without waiting for the rewrite). The rewrite and U run a
   * layer at a time between queued jobs; then, in one queued job (no run straddles the change),
   * the direct session is released, the fast one made and warmed up. A model no longer active
   * stops it; if the fast session fails, the direct one is made again and the facts say why.
   */
  private async prepareFastPath(
    model: ActiveModel,
    bytes: Uint8Array,
    runtime: FastBackend,
    request: OpenRequest,
    ownData: readonly ExternalData[],
  ): Promise<void> {
    const wanted = () => this.active === model;
    let paused = 0;
    // Between two steps, the jobs queued meanwhile run first.
    const pause = async () => {
      const t = this.now();
      await this.queue;
      await sleep(0);
      paused += this.now() - t;
      if (!wanted()) throw new Stopped('model no longer active');
    };
    try {
      await this.whenIdle();
      if (!wanted()) return;
      const t0 = this.now();
      const out = applyFastPath(bytes, { enabled: true, backend: runtime });
      if (out.info.path !== 'winograd') {
        model.info = { ...model.info, fast: out.info };
        return;
      }
      await pause();
      const files = await computePlansStepwise(out.external, pause);
      let fast: FastPathInfo = { ...out.info, rewriteMs: this.now() - t0 - paused };
      // -- fast-path self-check (src/engine/fast-proof.ts): the file as it is answers the probe
      // as one queued job, like a photo.
      const reference: Reference = await this.enqueue(() => {
        if (!wanted()) throw new Stopped('model no longer active');
        return probeReference(model.session, {
          inputName: model.io.input,
          size: WARMUP_SIZE,
          features: model.io.features !== null,
          now: this.now,
        });
      });
      await this.enqueue(async () => {
        if (!wanted()) return;
        // The queue is held: the direct session goes first, so the two never hold memory at once.
        const backend = model.session.choice.backend;
        await model.session.dispose().catch(() => undefined);
        const make = (fastBytes: boolean) =>
          this.deps.createSession(bytes, {
            ...sessionOptions(request, ownData),
            prepare: (original, again) =>
              Promise.resolve(
                fastBytes && again === runtime
                  ? { bytes: out.bytes, externalData: files }
                  : { bytes: original, externalData: [] },
              ),
          });
        const { input, output, features } = model.io;
        let session: LoadedSession | null = null;
        try {
          session = await make(true);
          session.bind(input, output, features);
          if (session.choice.backend !== backend)
            throw new Error(`the runtime chose ${session.choice.backend}, not ${backend}`);
          const scores = await warmUp(session);
          if (scores.length !== model.info.numClasses)
            throw new Error(`it answered ${scores.length} scores, not ${model.info.numClasses}`);
          fast = { ...fast, check: await checkAgainst(session, reference, this.now) }; // self-check
        } catch (e) {
          await session?.dispose().catch(() => undefined);
          // The model answers as before: the file as it is, made again.
          const direct = await make(false);
          direct.bind(input, output, features);
          model.session = direct;
          throw e;
        }
        model.session = session;
        model.info = { ...model.info, fast };
      });
    } catch (e) {
      if (e instanceof Stopped || !wanted()) return;
      model.info = { ...model.info, fast: backgroundFailure(directPath(''), e) }; // self-check
    }
  }

  /**
   * The file's sha256 for the model panel, computed once the model answers and the queue is idle
   * (2.7 s for a 207 MB B1 here, more than the session; beside the first result it slowed that
   * down): `inspect()` has it once it is done.
   */
  private hashLater(model: ActiveModel, bytes: Uint8Array): void {
    model.hashed = (async () => {
      // Not beside the first result, which wants every core. WebCrypto hashes on a thread of
      // its own, so a background fast path and the hash overlap and the panel's facts come sooner.
      await this.whenIdle();
      if (this.active !== model) return;
      const sha256 = await sha256Hex(bytes);
      if (model.info.details)
        model.info = { ...model.info, details: { ...model.info.details, sha256 } };
    })().catch(() => undefined);
  }

  /** Once no job was queued for `BACKGROUND_IDLE_MS`, or `BACKGROUND_WAIT_MS` at the latest. */
  private async whenIdle(): Promise<void> {
    const start = this.now();
    for (;;) {
      const tail = this.queue;
      await tail;
      await sleep(BACKGROUND_IDLE_MS);
      if (tail === this.queue || this.now() - start >= BACKGROUND_WAIT_MS) break;
    }
    await this.queue;
  }

  /**
   * Decode -> preprocess -> session -> softmax/top-5, with the crop and CAMs for display; or, from
   * another engine's crop (`PreparedImage`), session -> softmax/top-5 with no decoding at all.
   * `share`: the payload also carries this run's crop, for a second model.
   */
  private async run(
    presetId: PresetId,
    input: (() => Promise<DecodedInput>) | PreparedImage,
    thumbnail: boolean,
    share: boolean,
  ): Promise<ClassifyPayload> {
    const model = this.requireModel();
    const t0 = this.now();
    const source = typeof input === 'function' ? { decoded: await input() } : { prepared: input };
    const decodeMs = 'decoded' in source ? this.now() - t0 : 0;
    const preset = PRESETS[presetId];
    const capture: FeatureCapture = { features: null };
    const runner = model.classifier
      ? {
          run: async (tensor: Float32Array, dims: readonly [number, number, number, number]) => {
            const r = await model.session.runWithFeatures(tensor, dims);
            capture.features = r.features;
            return r.logits;
          },
        }
      : model.session;
    const labels = this.labelsFor(model);
    const { kind } = model;
    const [result, facts] =
      'decoded' in source
        ? [
            await classifyImage(source.decoded.image, preset, runner, labels, 5, this.now, kind),
            decodedFacts(source.decoded),
          ]
        : [
            await classifyCrop(
              source.prepared.crop,
              source.prepared.resized,
              preset,
              runner,
              labels,
              5,
              this.now,
              kind,
            ),
            imageFacts(source.prepared),
          ];
    const cams = camsFor(
      capture.features,
      model.classifier,
      result.top.map((p) => p.index),
    );
    const thumb =
      this.deps.makeThumbnail && thumbnail && 'decoded' in source
        ? await this.deps.makeThumbnail(source.decoded.image).catch(() => null)
        : null;
    const cropRgba = denormalizeToRgba(result.tensor, preset.crop, preset.crop);
    const fastPath = fastPathNote(model.info.fast);
    const { orientationMessage, ...shown } = facts;
    return {
      ...shown,
      preset: preset.id,
      resized: result.resized,
      top5: result.top,
      logits: result.logits,
      scoreNote: result.note,
      messages: {
        orientation: orientationMessage,
        score: result.noteMessage,
        fastPath: fastPath.message,
      },
      cropRgba: cropRgba.buffer,
      cropSize: preset.crop,
      cropSha256: await sha256Hex(result.crop.data),
      timings: {
        decodeMs,
        preprocessMs: result.timings.preprocessMs,
        inferenceMs: result.timings.inferenceMs,
        totalMs: this.now() - t0,
      },
      modelName: model.info.name,
      fastPath: fastPath.text,
      untrained: model.info.untrained,
      labelSource: model.info.labelSource,
      cams,
      thumbnail: thumb,
      backend: model.info.backend,
      threads: model.info.threads,
      decoded: 'decoded' in source,
      ...(share ? { prepared: { ...facts, crop: result.crop, resized: result.resized } } : {}),
    };
  }

  /** The camera's top-5 from probabilities averaged over frames (EMA), when asked for. */
  private smooth(payload: ClassifyPayload, request: FrameRequest<F>): ClassifyPayload {
    const weight = request.smoothing ?? 0;
    if (request.restart || weight <= 0) this.smoothed = null;
    if (weight <= 0) return payload;
    const model = this.requireModel();
    const current = rank(payload.logits, this.labelsFor(model), 5, model.kind).probabilities;
    this.smoothed = smoothProbabilities(this.smoothed, current, weight);
    return {
      ...payload,
      top5: labelled(topK(this.smoothed, 5), this.labelsFor(model)),
    };
  }
}
