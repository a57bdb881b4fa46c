/**
 * The worker protocol, in one place: a discriminated union per direction. Every request carries
 * an id; every reply names it. Errors cross as `SerializedError` and are rebuilt as `LensError`.
 */
import type { Backend, BackendPreference } from '../core/inference/backend';
import type { Prediction } from '../core/inference/classify';
import type { SerializedError } from '../core/errors';
import type { ModelDetails } from '../core/model/details';
import type { PresetId } from '../core/preprocess/preprocess';

export type ModelSource =
  { type: 'url'; url: string; name: string } | { type: 'bytes'; bytes: ArrayBuffer; name: string };

export type Request =
  | {
      kind: 'load-model';
      id: number;
      source: ModelSource;
      backend: BackendPreference;
      /** WASM threads; honoured only by the first load in a worker (onnxruntime-web's limit). */
      threads?: number;
      /** Test hook (`?simulate=webgpu-failure`): the WebGPU session creation fails. */
      simulateWebGpuFailure?: boolean;
    }
  | { kind: 'classify'; id: number; file: Blob; name: string; preset: PresetId }
  /** A camera frame (transferred); no EXIF, no file. */
  | { kind: 'classify-frame'; id: number; frame: ImageBitmap; preset: PresetId }
  /**
   * A PyTorch checkpoint: read safely, converted to ONNX, then loaded like any model. The reply is
   * `model-ready` with `converted` set (the ONNX, to download or reopen).
   */
  | {
      kind: 'convert';
      id: number;
      bytes: ArrayBuffer;
      name: string;
      fp16: boolean;
      features: boolean;
      backend: BackendPreference;
      threads?: number;
    }
  /** Replaces the class labels (already parsed and checked on the main thread). */
  | { kind: 'set-labels'; id: number; labels: string[] }
  /** Cancels a model load (download or queued); the load answers with an `aborted` error. */
  | { kind: 'cancel'; id: number; target: number }
  /** Test hook: makes the worker throw outside any handler, as a crash would. */
  | { kind: 'crash'; id: number };

/** download: bytes; read: the checkpoint (no counts); convert: blocks fused; session: creation. */
export type LoadPhase = 'download' | 'read' | 'convert' | 'session';

export interface ConvertedModel {
  onnx: ArrayBuffer;
  /** e.g. "RepOpt-VGG-B1 (target mode, blocks [4, 6, 16, 1], widths [2, 2, 2, 4], 1000 classes)". */
  description: string;
  params: number;
  gmacs: number;
  layout: string;
  ms: number;
}

export interface ModelInfo {
  name: string;
  backend: Backend;
  /** Why this backend: "WebGPU: no adapter", ... */
  backendReason: string;
  /** WASM threads actually available (1 when the page is not cross-origin isolated). */
  threads: number;
  inputName: string;
  outputName: string;
  numClasses: number;
  /** Set when the class count does not match the label set. */
  labelWarning: string | null;
  bytes: number;
  loadMs: number;
  warmupMs: number;
  /** What the model panel shows; null when the graph could not be analysed. */
  details: ModelDetails | null;
  /** Whether class-activation maps can be shown, and why (not). */
  cam: { available: boolean; reason: string };
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
  logits: Float32Array;
  /** The 224x224 network input, de-normalised back to RGBA for display. */
  cropRgba: ArrayBuffer;
  cropSize: number;
  /** sha256 of the uint8 HWC crop: compare with `tools/make_references.py` output. */
  cropSha256: string;
  timings: ClassifyTimings;
  modelName: string;
  /** Exact CAMs of the top-5 classes (h x w each), when the model has a `features` output. */
  cams: { height: number; width: number; maps: { index: number; values: Float32Array }[] } | null;
  /** A small JPEG of the photo (browser), so the page shows no full-size decode. */
  thumbnail: Blob | null;
  backend: Backend;
  threads: number;
}

export type Response =
  | {
      kind: 'progress';
      id: number;
      phase: LoadPhase;
      loaded: number;
      total: number | null;
    }
  | { kind: 'model-ready'; id: number; info: ModelInfo; converted?: ConvertedModel }
  | { kind: 'classified'; id: number; result: ClassifyPayload }
  | { kind: 'labels-set'; id: number; count: number }
  | { kind: 'error'; id: number; error: SerializedError };
