/**
 * The engine's vocabulary: what it needs from its platform (`EngineDeps`), what it is asked
 * (one request object per method) and what it answers. Shared by the worker, the page and the CLI.
 */
import type { Message } from '../core/message';
import type { Backend, BackendChoice, BackendPreference } from '../core/inference/backend';
import type { FastBackend, FastPathInfo } from '../core/fast';
import type { Prediction } from '../core/inference/classify';
import type { KernelsPreference, RunnerInfo, SessionBackend } from './backends';
import type { IoMeta, OutputKind } from '../core/inference/model-io';
import type { RgbImage } from '../core/image/rgb-image';
import type { ModelDetails } from '../core/model/details';
import type { PresetId } from '../core/preprocess/preprocess';
import type {
  CalibrationMethod,
  KeepFloat,
  QuantPhase,
  QuantReport,
  CalibrationImage,
} from '../core/quantize';
import type { BnReport, PrecisionReport } from '../core/precision';

export interface DecodedInput {
  image: RgbImage;
  orientation: number | null;
  /** True when the decoder rotated the pixels per EXIF. */
  rotated: boolean;
  /** Where the decoder knowingly differs from Pillow for this file (e.g. CMYK in a browser). */
  note?: string;
}

/** An ONNX external data file: the name the model gives it, and its bytes. */
export interface ExternalData {
  path: string;
  bytes: ArrayBuffer;
}

/**
 * What the engine asks of a session factory. `prepare` is the load-time rewrite (the Winograd
 * fast path): the factory calls it once it knows which backend runs the model ('node' for
 * onnxruntime-node) and creates the session from what it returns.
 */
export interface SessionOptions {
  backend: BackendPreference;
  threads?: number;
  /** Which kernels run a WASM session: onnxruntime's (default) or the project's own (`?kernels=`). */
  kernels?: KernelsPreference;
  /** The weights of a model saved with ONNX external data. */
  externalData?: readonly ExternalData[];
  prepare?: (bytes: Uint8Array, runtime: FastBackend) => Promise<PreparedModel>;
  /**
   * The fast path's per-layer rule for a backend that runs Winograd itself (the lens kernels):
   * the tile of each Conv node to rewrite, by name; the engine's fast-path facts then say what it
   * runs. Absent: every layer as written (the file as it is, `?fast=0`'s reference).
   */
  planFast?: (bytes: Uint8Array) => ReadonlyMap<string, 'F4' | 'F2'>;
}

/** What `prepare` hands the session factory: the model and any external data it added. */
export interface PreparedModel {
  bytes: Uint8Array;
  externalData: readonly ExternalData[];
}

/** One onnxruntime session, whichever flavour (web or node) made it. */
export interface LoadedSession {
  choice: BackendChoice;
  threads: number;
  inputs: readonly IoMeta[];
  outputs: readonly IoMeta[];
  /** Points the runner at the tensors `checkModelIo` picked. */
  bind(inputName: string, outputName: string, featuresName?: string | null): void;
  /** Runs one NCHW float32 batch and returns the named outputs, in order (calibration). */
  runOutputs(
    input: Float32Array,
    dims: readonly number[],
    names: readonly string[],
  ): Promise<{ data: Float32Array; dims: number[] }[]>;
  /** Runs one NCHW float32 batch and returns the bound output (logits), batch-major. */
  run(input: Float32Array, dims: readonly [number, number, number, number]): Promise<Float32Array>;
  /** Logits and the `features` output (the last stage's activations), for CAMs. */
  runWithFeatures(
    input: Float32Array,
    dims: readonly [number, number, number, number],
  ): Promise<{ logits: Float32Array; features: { data: Float32Array; dims: number[] } }>;
  dispose(): Promise<void>;
}

/**
 * What a download is: a model file (its first bytes must start an ONNX model, and its size must
 * fit the browser; both checked before the rest is read) or a model's external data file.
 */
export interface FetchOptions {
  kind: 'model' | 'external-data';
}

/** A camera frame as the platform holds it (an ImageBitmap in the browser). */
export interface Frame {
  close(): void;
}

export interface EngineDeps<F extends Frame = Frame> {
  /** `exif: 'ignore'` keeps the pixels as stored, as torchvision's loader does. */
  decode(file: Blob, options?: { exif?: ExifMode }): Promise<DecodedInput>;
  /** A small display copy of the photo (browser only). */
  makeThumbnail?(image: RgbImage): Promise<Blob>;
  /** Pixels of a camera frame (browser only). */
  decodeFrame?(frame: F): Promise<RgbImage>;
  /** Calibration images read from paths (Node), preprocessed ahead; the CLI's `quantize`. */
  calibrationFiles?(paths: readonly string[], preset: PresetId, exif: ExifMode): CalibrationSource;
  /** The runtime (onnxruntime, web or node): it takes every graph the `backends` decline. */
  createSession(bytes: Uint8Array, options: SessionOptions): Promise<LoadedSession>;
  /** Backends asked first, in order; each claims a graph or declines it (src/engine/backends.ts). */
  backends?: readonly SessionBackend[];
  /**
   * Starts the runtime for a session to come, without waiting (the page: onnxruntime-web's
   * .wasm and threads start while the model is read). Optional; failures are the session's.
   */
  startRuntime?(options: { backend: BackendPreference; threads?: number }): void;
  fetchModel(
    url: string,
    onProgress: (loaded: number, total: number | null) => void,
    signal: AbortSignal,
    options?: FetchOptions,
  ): Promise<Uint8Array | FetchedModel>;
  /** The bundled labels and their name ("ImageNet-1k"). */
  labels: { name: string; labels: readonly string[] };
  now?: () => number;
}

/**
 * A downloaded model whose keeping (e.g. in Cache Storage) waits for the engine's verdict: `keep`
 * once it loaded and became the active model, `discard` when it was refused.
 */
export interface FetchedModel {
  bytes: Uint8Array;
  keep(): Promise<void>;
  discard(): Promise<void>;
}

/** download: bytes; read: the checkpoint (no counts); convert: blocks fused; session: creation. */
export type LoadPhase =
  | 'download'
  /** A local model file read into memory (the page, before the worker has it). */
  | 'file'
  /** A checkpoint read (conversion). */
  | 'read'
  | 'convert'
  /** The runtime's session made (the fast path's rewrite included when it runs at load). */
  | 'session'
  /** The fast path's self-check: the rewritten model and the file answer the same probe. */
  | 'fast'
  /** One run on a grey image (kernel selection, memory planning). */
  | 'warmup'
  /** Quantization: calibration, ranking layers (--keep-float auto), measuring the report. */
  | QuantPhase;
export interface Progress {
  phase: LoadPhase;
  loaded: number;
  total: number | null;
}

/** What every long call may take; neither crosses the worker boundary (the transport maps them). */
export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/**
 * Where a model comes from. A model saved with ONNX external data needs its data files: given
 * with the bytes, or, for a URL, fetched beside it (the file name the model gives, relative to
 * the model's URL).
 */
export type ModelSource =
  | { type: 'url'; url: string; name: string }
  | { type: 'bytes'; bytes: ArrayBuffer; name: string; externalData?: readonly ExternalData[] };

export interface LoadRequest {
  source: ModelSource;
  backend: BackendPreference;
  /** WASM threads; honoured only by the first load in a worker (onnxruntime-web's limit). */
  threads?: number;
  /** The manifest marks seeded models: every result then says so. */
  untrained?: boolean;
  /** The Winograd fast path (default on; `?fast=0`, `--no-fast`). */
  fast?: boolean;
  /** The page's `?kernels=`: onnxruntime-web's WASM kernels (default) or the lens kernels. */
  kernels?: KernelsPreference;
  /**
   * Models of at least this many bytes answer first with their convolutions as they are while
   * the fast path is prepared in the background, then it takes over (the page: 32 MiB, `?fastbg=`).
   * Unset: the fast path is ready before the first answer (the CLI).
   */
  fastInBackgroundFrom?: number;
}

export interface ConvertRequest {
  bytes: ArrayBuffer;
  name: string;
  fp16: boolean;
  features: boolean;
  backend: BackendPreference;
  threads?: number;
  fast?: boolean;
  kernels?: KernelsPreference;
  fastInBackgroundFrom?: number;
}

/** 'apply' rotates per EXIF orientation (browsers, phones); 'ignore' as torchvision's loader. */
export type ExifMode = 'apply' | 'ignore';

export interface ClassifyRequest {
  file: Blob;
  preset: PresetId;
  /** Default 'apply'. */
  exif?: ExifMode;
  /** Also answer the crop (`ClassifyPayload.prepared`), for a second model to classify it. */
  share?: boolean;
}

/**
 * An image another engine already decoded and cropped (the page's main worker), so a second model
 * classifies it without decoding the file again: the uint8 crop of the preset, and the facts of
 * the decode that a result reports. Every model the app loads takes the preset's crop (a fixed
 * input of another size is refused at load), so the crop serves any model under the same preset.
 */
export interface PreparedImage {
  crop: RgbImage;
  width: number;
  height: number;
  resized: { width: number; height: number };
  orientation: number | null;
  orientationNote: string | null;
  /** `orientationNote` as a catalogue message, for the page's language. */
  orientationMessage: Message | null;
  decodeNote: string | null;
}

export interface PreparedRequest {
  prepared: PreparedImage;
  preset: PresetId;
}

export interface FrameRequest<F extends Frame = Frame> {
  frame: F;
  preset: PresetId;
  /** EMA weight of the previous frames' probabilities (0: none). */
  smoothing?: number;
  /** The first frame of a new stream: forget earlier frames. */
  restart?: boolean;
}

/** Images already preprocessed (NCHW, `count` of them, `size` x `size`): the CLI's batches. */
export interface TensorRequest {
  input: Float32Array;
  count: number;
  size: number;
}

/**
 * Labels as a list (a file name, or null for the bundled list), or as the user's file itself,
 * read and parsed by the engine (in the page: in the worker, off the main thread), with its size
 * checked before it is read.
 */
export type LabelsRequest =
  { labels: readonly string[]; name: string | null } | { file: Blob; name: string };

export interface ConvertedModel {
  onnx: ArrayBuffer;
  /** e.g. "RepOpt-VGG-B1 (target mode, blocks [4, 6, 16, 1], widths [2, 2, 2, 4], 1000 classes)". */
  description: string;
  params: number;
  gmacs: number;
  layout: string;
  ms: number;
  /** `description` and `layout` as messages, for other languages (null: the English stands). */
  messages: { description: Message | null; layout: Message | null };
}

export interface ModelInfo {
  name: string;
  backend: Backend;
  /** Why this backend: "WebGPU: no adapter", ... */
  backendReason: string;
  /** The backend asked for failed to start and WASM answers instead. */
  backendFellBack: boolean;
  /** WASM threads actually available (1 when the page is not cross-origin isolated). */
  threads: number;
  inputName: string;
  outputName: string;
  /** Whether that output holds logits (softmaxed here) or probabilities (a final Softmax). */
  outputKind: OutputKind;
  numClasses: number;
  /** Seeded weights: predictions check the pipeline, not the photo. */
  untrained: boolean;
  /** The label source in use ("ImageNet-1k (bundled)" or the user's file name). */
  labelSource: string;
  /** Set when the class count does not match the label set. */
  labelWarning: string | null;
  bytes: number;
  loadMs: number;
  warmupMs: number;
  /** What the model panel shows; null when the graph could not be analysed. */
  details: ModelDetails | null;
  /** What a user should know about the model's scores (probabilities as given, fewer than 5 classes). */
  notes: string[];
  /**
   * `labelWarning`, `notes` (same order), `backendReason` and `cam.reason` as messages, for a page
   * in another language.
   */
  messages: {
    labelWarning: Message | null;
    notes: Message[];
    backendReason: Message;
    /** `cam.reason`. */
    cam: Message;
  };
  /** Whether class-activation maps can be shown, and why (not). */
  cam: { available: boolean; reason: string };
  /** What the load-time rewrite did: Winograd layers, or direct and why. */
  fast: FastPathInfo;
  /** Which backend runs the model, and why the ones asked before it declined. */
  runner: RunnerInfo;
}

export interface LabelsState {
  count: number;
  source: string;
  /** Set when the active model's class count does not match. */
  warning: string | null;
  /** `warning` as a message, for a page in another language. */
  warningMessage: Message | null;
}

export interface ClassifyTimings {
  decodeMs: number;
  preprocessMs: number;
  inferenceMs: number;
  totalMs: number;
}

export interface ClassifyPayload {
  width: number;
  height: number;
  /** EXIF orientation (1-8) when the file had one. */
  orientation: number | null;
  /** Set when the pixels were rotated per EXIF, which PyTorch's default loader does not do. */
  orientationNote: string | null;
  /** Set when the decoder knowingly differs from Pillow for this file (CMYK JPEG in a browser). */
  decodeNote: string | null;
  preset: PresetId;
  resized: { width: number; height: number };
  top5: Prediction[];
  /** The model's output for this image: logits, or probabilities when `outputKind` says so. */
  logits: Float32Array;
  /** Set when the output was probabilities, shown as given (or, when not confirmed, why not). */
  scoreNote: string | null;
  /** `orientationNote`, `scoreNote` and `fastPath` as messages, for a page in another language. */
  messages: { orientation: Message | null; score: Message | null; fastPath: Message };
  /** The 224x224 network input, de-normalised back to RGBA for display. */
  cropRgba: ArrayBuffer;
  cropSize: number;
  /** sha256 of the uint8 HWC crop: compare with `tools/make_references.py` output. */
  cropSha256: string;
  timings: ClassifyTimings;
  modelName: string;
  /** How the model's convolutions run: "Winograd: 23 of 28 3x3 convolutions (F4 20, F2 3)". */
  fastPath: string;
  untrained: boolean;
  labelSource: string;
  /** Exact CAMs of the top-5 classes (h x w each), when the model has a `features` output. */
  cams: { height: number; width: number; maps: { index: number; values: Float32Array }[] } | null;
  /** A small JPEG of the photo (browser), so the page shows no full-size decode. */
  thumbnail: Blob | null;
  backend: Backend;
  threads: number;
  /** False when the engine classified another engine's crop (`classifyPrepared`): no decode here. */
  decoded: boolean;
  /** The crop and decode facts, when the request asked to `share` them. */
  prepared?: PreparedImage;
}

export interface RankedImage {
  logits: Float32Array;
  probabilities: Float64Array;
  top5: Prediction[];
  /** As `ClassifyPayload.scoreNote`. */
  scoreNote: string | null;
  scoreMessage: Message | null;
}

/** The engine's public face: the `Engine` class, and the page's worker client, implement it. */
export interface QuantizeRequest {
  /** The float model: as for `load` (a URL is read through the same cache). */
  source: ModelSource;
  /**
   * The calibration images (files that fail to decode are skipped and listed): photos, decoded by
   * the engine, or paths the platform reads itself (`EngineDeps.calibrationFiles`: the CLI).
   */
  images: readonly { name: string; file: Blob }[] | { paths: readonly string[]; exif: ExifMode };
  /** WASM threads of the calibration sessions (the platform's default otherwise). */
  threads?: number;
  /** The source file's sha256 for the metadata, when the model was made from it (a checkpoint). */
  sourceSha256?: string;
  method: CalibrationMethod;
  percentile?: number;
  keepFloat?: KeepFloat | null;
  preset: PresetId;
}

/** Calibration images one at a time, and those that could not be read (after a pass). */
export interface CalibrationSource {
  count: number;
  images(): AsyncIterable<CalibrationImage>;
  skipped(): { name: string; error: string }[];
  close(): Promise<void>;
}

export interface QuantizedModel {
  onnx: ArrayBuffer;
  report: QuantReport;
  skipped: { name: string; error: string }[];
  ms: number;
}

/** The precision check (core/precision): the same inputs as `quantize`, a report instead of a model. */
export interface PrecisionRequest {
  source: ModelSource;
  images: QuantizeRequest['images'];
  preset: PresetId;
  threads?: number;
  /** The int8 side's calibration (the quantizer's default, percentile 99.99, when left out). */
  method?: CalibrationMethod;
  /** BatchNorm checks made elsewhere (from a checkpoint); else read from the ONNX when it has them. */
  batchNorm?: BnReport | null;
}

export interface PrecisionResult {
  report: PrecisionReport;
  skipped: { name: string; error: string }[];
  ms: number;
}

export interface LensEngine<F extends Frame = Frame> {
  load(request: LoadRequest & CallOptions): Promise<ModelInfo>;
  convert(
    request: ConvertRequest & CallOptions,
  ): Promise<{ info: ModelInfo; converted: ConvertedModel }>;
  classify(request: ClassifyRequest & CallOptions): Promise<ClassifyPayload>;
  /** Classifies another engine's crop (`classify` with `share`): no decoding, the same result. */
  classifyPrepared(request: PreparedRequest & CallOptions): Promise<ClassifyPayload>;
  classifyFrame(request: FrameRequest<F> & CallOptions): Promise<ClassifyPayload>;
  classifyTensors(request: TensorRequest & CallOptions): Promise<RankedImage[]>;
  setLabels(request: LabelsRequest): Promise<LabelsState>;
  /**
   * The active model's facts once what follows its load has settled: its background fast path
   * and its sha256; with `until: 'fast-path'`, as soon as the fast path has (the sha256 may come
   * later: it is hashed after the fast path).
   */
  inspect(request: { until?: 'fast-path' }): Promise<ModelInfo | null>;
  /** int8 post-training quantization of a model, calibrated on images (see core/quantize). */
  quantize(request: QuantizeRequest & CallOptions): Promise<QuantizedModel>;
  /** What breaks in fp16 and int8, layer by layer, on images (see core/precision). */
  precision(request: PrecisionRequest & CallOptions): Promise<PrecisionResult>;
  /** Cancels every model load that has not finished (each rejects with an `aborted` error). */
  cancel(): Promise<void>;
  dispose(): Promise<void>;
}
