/**
 * The classifier engine: plain async methods over injected platform parts. One job runs at a
 * time, in call order: a load waits for the classifications before it, and classifications
 * called after a load use the new model. A newer load or conversion cancels the older ones that
 * have not finished (the last choice wins); a failed load keeps the previous model in use.
 */
import { convertedName } from '../core/checkpoint/names';
import { readCheckpoint } from '../core/checkpoint/torch';
import { convertStateDict } from '../core/convert';
import { siblingDataFilesOf } from '../core/onnx/graph';
import { checkLabelFileSize, parseLabels } from '../core/data/labels';
import { sha256Hex, sha256HexInSlices } from '../core/bytes/digest';
import { ownedBuffer } from '../core/bytes/owned';
import { classifyCrop, classifyImage, labelled, rank } from '../core/inference/classify';
import {
  classCountNote,
  checkModelIo,
  checkWarmupScores,
  type OutputKind,
} from '../core/inference/model-io';
import { smoothProbabilities, topK } from '../core/inference/postprocess';
import { inspectModel, type ModelInspection } from '../core/model/details';
import { denormalizeToRgba, PRESETS, type PresetId } from '../core/preprocess/preprocess';
import { LensError } from '../core/errors';
import { fastPathNote, type FastBackend, type FastPathInfo } from '../core/fast';
import type { Note } from '../core/message';
import { openSession, RUNTIME_NAME } from './backends';
import { camsFor, type FeatureCapture } from './cams';
import { describeModel } from './describe';
import { fastPathAtLoad, planInBackground, prepareInBackground } from './fast-path';
import { JobQueue } from './job-queue';
import { archNote, checkpointLayoutNote, labelWarningNote, orientationNote } from './notes';
import { precisionRequest } from './precision';
import { proveLoaded, refusedByRuntime } from './fast-proof';
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
  PrecisionRequest,
  PrecisionResult,
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
  /** The model's file, the load's options and its external data: what a replacing session takes. */
  bytes: Uint8Array;
  request: OpenRequest;
  externalData: readonly ExternalData[];
  /** The runtime the fast path is still to be prepared for, in the background (else null). */
  fastLater: FastBackend | null;
  /** Settles when the fast path took over, or when it will not. */
  fastSettled?: Promise<void>;
}

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
    ...(request.kernels !== undefined ? { kernels: request.kernels } : {}),
    ...(externalData.length > 0 ? { externalData } : {}),
  };
}

type OpenRequest = Pick<
  LoadRequest,
  'backend' | 'threads' | 'untrained' | 'fast' | 'fastInBackgroundFrom' | 'kernels'
> &
  CallOptions;
const BUNDLED_SUFFIX = ' (bundled)';

interface RunOptions {
  preset: PresetId;
  /** A file to decode, or another engine's crop. */
  input: (() => Promise<DecodedInput>) | PreparedImage;
  /** A display copy of the photo (new photos only). */
  thumbnail?: boolean;
  /** Also answer this run's crop, for a second model. */
  share?: boolean;
}

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
  private readonly jobs: JobQueue;
  /** Loads and conversions not finished yet, queued ones included. */
  private readonly loads = new Set<AbortController>();
  /** The camera's smoothed probabilities, across frames. */
  private smoothed: Float64Array | null = null;

  constructor(private readonly deps: EngineDeps<F>) {
    this.now = deps.now ?? (() => performance.now());
    this.jobs = new JobQueue(this.now);
    this.labels = deps.labels.labels;
    this.labelSource = deps.labels.name + BUNDLED_SUFFIX;
  }

  load(request: LoadRequest & CallOptions): Promise<ModelInfo> {
    this.startRuntime(request);
    return this.loading(request.signal, async (signal) => {
      const { source } = request;
      const fetched =
        source.type === 'bytes'
          ? new Uint8Array(source.bytes)
          : await this.deps.fetchModel(
              source.url,
              (loaded, total) => request.onProgress?.({ phase: 'download', loaded, total }),
              signal,
              { kind: 'model' },
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
    this.startRuntime(request);
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
      const layoutNote = checkpointLayoutNote(checkpoint.layout, checkpoint.stripped);
      const layout = layoutNote?.text ?? checkpoint.layout;
      (checkpoint as unknown) = null;
      const ms = this.now() - t0;
      const name = convertedName(request.name, request.fp16);
      const model = await this.open(name, converted.onnx, request, signal);
      const info = (await this.activate(model, signal)).info;
      return {
        info,
        converted: {
          onnx: ownedBuffer(converted.onnx),
          description: converted.arch.description,
          params: converted.params,
          gmacs: converted.gmacs,
          layout,
          ms,
          messages: {
            description: archNote(converted.arch)?.message ?? null,
            layout: layoutNote?.message ?? null,
          },
        },
      };
    });
  }

  classify(request: ClassifyRequest & CallOptions): Promise<ClassifyPayload> {
    return this.enqueue(() => {
      checkSignal(request.signal, 'classification');
      return this.run({
        preset: request.preset,
        input: () =>
          this.deps.decode(request.file, request.exif ? { exif: request.exif } : undefined),
        thumbnail: true,
        share: request.share === true,
      });
    });
  }

  classifyPrepared(request: PreparedRequest & CallOptions): Promise<ClassifyPayload> {
    return this.enqueue(() => {
      checkSignal(request.signal, 'classification');
      return this.run({ preset: request.preset, input: request.prepared });
    });
  }

  classifyFrame(request: FrameRequest<F> & CallOptions): Promise<ClassifyPayload> {
    return this.enqueue(async () => {
      try {
        checkSignal(request.signal, 'classification');
        if (!this.deps.decodeFrame)
          throw new LensError('internal', 'Camera frames are not supported here.');
        const image = await this.deps.decodeFrame(request.frame);
        const payload = await this.run({
          preset: request.preset,
          input: () => Promise.resolve({ image, orientation: null, rotated: false }),
        });
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
        warning: this.active?.info.labelWarning ?? null,
        warningMessage: this.active?.info.messages.labelWarning ?? null,
      };
    });
  }

  /**
   * The active model's facts once its background fast path has settled, and with its sha256
   * (hashed after that) unless `until: 'fast-path'`.
   */
  async inspect(request: { until?: 'fast-path' } = {}): Promise<ModelInfo | null> {
    const model = this.active;
    await model?.fastSettled;
    if (request.until !== 'fast-path') await model?.hashed;
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

  precision(request: PrecisionRequest & CallOptions): Promise<PrecisionResult> {
    return this.enqueue(() => precisionRequest(this.deps, request, this.now));
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

  /**
   * The runtime starts while the model is read only when it will run it: not when a backend asked
   * before it (the lens kernels) wants this load.
   */
  private startRuntime(request: OpenRequest): void {
    const options = sessionOptions(request, []);
    if ((this.deps.backends ?? []).some((b) => !b.wanted || b.wanted(options))) return;
    this.deps.startRuntime?.(request);
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    return this.jobs.enqueue(job);
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
    if (model.fastLater !== null) model.fastSettled = this.fastInBackground(model, model.fastLater);
    if (model.info.details) this.hashLater(model);
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
    const atLoad = fastPathAtLoad(bytes, {
      enabled: request.fast !== false,
      ...(request.fastInBackgroundFrom !== undefined
        ? { inBackgroundFrom: request.fastInBackgroundFrom }
        : {}),
      now: this.now,
    });
    const options = sessionOptions(request, externalData);
    const create = (b: Uint8Array, o: SessionOptions) => this.deps.createSession(b, o);
    const backends = this.deps.backends ?? [];
    const direct = async () => (await openSession(backends, create, bytes, options)).session;
    let fast: FastPathInfo;
    let opened: Awaited<ReturnType<typeof openSession>>;
    try {
      opened = await openSession(backends, create, bytes, {
        ...options,
        prepare: atLoad.prepare,
        planFast: atLoad.plan,
      });
      fast = atLoad.info;
    } catch (e) {
      // -- fast-path self-check (src/engine/fast-proof.ts): a rewritten model the runtime refuses
      // gives way to the file as it is.
      if (atLoad.info.path !== 'winograd') throw e;
      fast = refusedByRuntime(atLoad.info, e);
      opened = await openSession(backends, create, bytes, options);
    }
    let { session } = opened;
    const { runner } = opened;
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
        request.onProgress?.({ phase: 'fast', loaded: 0, total: null });
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
      request.onProgress?.({ phase: 'warmup', loaded: 0, total: null });
      const t1 = this.now();
      const logits = await warmUp(session);
      const warmupMs = this.now() - t1;
      // What the declared shape could not promise, the first run shows: a model that cannot
      // rank any image is refused here, before it replaces the working one.
      const numClasses = logits.length;
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
      const info = describeModel({
        name,
        session,
        runner,
        io,
        inspection,
        hasClassifier: classifier !== null,
        numClasses,
        classNote: classCountNote(numClasses, io.outputName),
        labelSource: this.labelSource,
        labelWarning: this.labelWarning(numClasses),
        untrained: request.untrained === true,
        bytes: bytes.byteLength,
        loadMs,
        warmupMs,
        fast,
      });
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
        bytes,
        request,
        externalData,
        fastLater: atLoad.background,
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
    const names = siblingDataFilesOf(bytes);
    const files: ExternalData[] = [];
    for (const path of names) {
      const url = new URL(path, source.url).href;
      const fetched = await this.deps.fetchModel(
        url,
        (loaded, total) => request.onProgress?.({ phase: 'download', loaded, total }),
        signal,
        { kind: 'external-data' },
      );
      if (!(fetched instanceof Uint8Array)) fetchedAll.push(fetched);
      const data = fetched instanceof Uint8Array ? fetched : fetched.bytes;
      files.push({ path, bytes: ownedBuffer(data) });
    }
    return { files, fetched: fetchedAll };
  }

  /** The background fast path of the active model (src/engine/fast-path.ts); its facts when settled. */
  private async fastInBackground(model: ActiveModel, runtime: FastBackend): Promise<void> {
    const options = sessionOptions(model.request, model.externalData);
    const swappable = {
      get session() {
        return model.session;
      },
      set session(session) {
        model.session = session;
      },
      numClasses: model.info.numClasses,
      io: model.io,
    };
    if (model.info.runner.name !== RUNTIME_NAME) {
      // Kernels with their own Winograd (the lens kernels): a session that packs the rule's
      // tiles replaces the one that runs every layer as written.
      const fast = await planInBackground({
        model: swappable,
        bytes: model.bytes,
        jobs: this.jobs,
        now: this.now,
        wanted: () => this.active === model,
        warmUp,
        size: WARMUP_SIZE,
        makeSession: async (tiles) =>
          (
            await openSession(
              this.deps.backends ?? [],
              (b, o) => this.deps.createSession(b, o),
              model.bytes,
              { ...options, planFast: () => tiles ?? new Map() },
            )
          ).session,
      });
      if (fast !== null) model.info = { ...model.info, fast };
      return;
    }
    const fast = await prepareInBackground({
      model: swappable,
      bytes: model.bytes,
      runtime,
      jobs: this.jobs,
      now: this.now,
      wanted: () => this.active === model,
      warmUp,
      size: WARMUP_SIZE,
      makeSession: (rewritten) =>
        this.deps.createSession(model.bytes, {
          ...options,
          prepare: (original, again) =>
            Promise.resolve(
              rewritten && again === runtime ? rewritten : { bytes: original, externalData: [] },
            ),
        }),
    });
    if (fast !== null) model.info = { ...model.info, fast };
  }

  /**
   * The file's sha256 for the model panel: once the model answers, its background fast path has
   * settled and the queue is idle, hashed in slices between which every queued job runs first
   * (`crypto.subtle.digest` copies its whole input on this thread first: 1.4 s for B1 in the page,
   * and a photo sent meanwhile waited for it and then for the whole fast path). `inspect()` has it
   * once it is done.
   */
  private hashLater(model: ActiveModel): void {
    const { bytes } = model;
    model.hashed = (async () => {
      await model.fastSettled?.catch(() => undefined);
      await this.jobs.whenIdle();
      if (this.active !== model) return;
      const sha256 = await sha256HexInSlices(bytes, () => this.jobs.yieldTo());
      if (model.info.details)
        model.info = { ...model.info, details: { ...model.info.details, sha256 } };
    })().catch(() => undefined);
  }

  /**
   * Decode -> preprocess -> session -> softmax/top-5, with the crop and CAMs for display; or, from
   * another engine's crop (`PreparedImage`), session -> softmax/top-5 with no decoding at all.
   * `share`: the payload also carries this run's crop, for a second model.
   */
  private async run({
    preset: presetId,
    input,
    thumbnail,
    share,
  }: RunOptions): Promise<ClassifyPayload> {
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
    const options = { preset, runner, labels, now: this.now, kind: model.kind };
    const [result, facts] =
      'decoded' in source
        ? [await classifyImage(source.decoded.image, options), decodedFacts(source.decoded)]
        : [await classifyCrop(source.prepared, options), imageFacts(source.prepared)];
    const cams = camsFor(
      capture.features,
      model.classifier,
      result.top.map((p) => p.index),
    );
    const thumb =
      this.deps.makeThumbnail && thumbnail === true && 'decoded' in source
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
      ...(share === true
        ? { prepared: { ...facts, crop: result.crop, resized: result.resized } }
        : {}),
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
