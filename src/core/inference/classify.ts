/**
 * The one pipeline: RGB pixels -> preprocess -> model -> softmax -> labelled top-k.
 * The browser worker and Node call this same function; only decoding and the onnxruntime
 * flavour behind `InferenceRunner` differ.
 */
import type { Message } from '../message';
import { LensError } from '../errors';
import type { RgbImage } from '../image/rgb-image';
import { labelFor } from '../data/labels';
import type { OutputKind } from './model-io';
import { toProbabilities, topK } from './postprocess';
import {
  preprocess,
  toNormalizedTensor,
  type Preprocessed,
  type Preset,
  type PresetId,
} from '../preprocess/preprocess';

export interface InferenceRunner {
  /** Runs one NCHW float32 input and returns the logits of the single image. */
  run(input: Float32Array, dims: readonly [number, number, number, number]): Promise<Float32Array>;
}

export interface Prediction {
  index: number;
  label: string;
  probability: number;
}

export interface Classification {
  preset: PresetId;
  resized: { width: number; height: number };
  /** The uint8 crop the network saw (before ToTensor). */
  crop: RgbImage;
  tensor: Float32Array;
  logits: Float32Array;
  top: Prediction[];
  /** Set when the output was probabilities, used as they are (or not, and why). */
  note: string | null;
  /** `note` as a message (src/core/message.ts). */
  noteMessage: Message | null;
  timings: { preprocessMs: number; inferenceMs: number };
}

/** What every classification takes besides its pixels. */
export interface ClassifyOptions {
  preset: Preset;
  runner: InferenceRunner;
  labels: readonly string[];
  /** How many classes to rank (default 5). */
  k?: number;
  now?: () => number;
  /** Whether the runner answers logits (softmaxed here, the default) or probabilities. */
  kind?: OutputKind;
}

export async function classifyImage(
  image: RgbImage,
  options: ClassifyOptions,
): Promise<Classification> {
  const now = options.now ?? (() => performance.now());
  const t0 = now();
  const pre = preprocess(image, options.preset);
  return classifyPreprocessed(pre, options, t0);
}

/**
 * The same pipeline from the uint8 crop another run already made (the page's comparison model,
 * given the main model's crop): ToTensor + Normalize are deterministic, so the tensor, and with it
 * the result, is the one `classifyImage` computes from the image. The crop must be the preset's.
 */
export async function classifyCrop(
  prepared: { crop: RgbImage; resized: { width: number; height: number } },
  options: ClassifyOptions,
): Promise<Classification> {
  const { crop, resized } = prepared;
  const { preset } = options;
  if (
    crop.width !== preset.crop ||
    crop.height !== preset.crop ||
    crop.data.length !== crop.width * crop.height * 3
  )
    throw new LensError(
      'internal',
      `A ${crop.width}x${crop.height} crop cannot stand for the ${preset.crop}x${preset.crop} crop of ${preset.id}.`,
    );
  const now = options.now ?? (() => performance.now());
  const t0 = now();
  const pre: Preprocessed = {
    resized,
    crop,
    tensor: toNormalizedTensor(crop),
    dims: [1, 3, preset.crop, preset.crop],
  };
  return classifyPreprocessed(pre, options, t0);
}

async function classifyPreprocessed(
  pre: Preprocessed,
  options: ClassifyOptions,
  t0: number,
): Promise<Classification> {
  const now = options.now ?? (() => performance.now());
  const t1 = now();
  const logits = await options.runner.run(pre.tensor, pre.dims);
  const t2 = now();
  const { top, note, noteMessage } = rank(logits, options.labels, options.k ?? 5, options.kind);
  return {
    preset: options.preset.id,
    resized: pre.resized,
    crop: pre.crop,
    tensor: pre.tensor,
    logits,
    top,
    note,
    noteMessage,
    timings: { preprocessMs: t1 - t0, inferenceMs: t2 - t1 },
  };
}

export function rank(
  logits: Float32Array,
  labels: readonly string[],
  k = 5,
  kind: OutputKind = 'logits',
): {
  probabilities: Float64Array;
  top: Prediction[];
  note: string | null;
  noteMessage: Message | null;
} {
  if (logits.length === 0)
    throw new LensError('inference-failed', 'The model returned no outputs.');
  for (let i = 0; i < logits.length; i++) {
    if (!Number.isFinite(logits[i]!)) {
      throw new LensError(
        'inference-failed',
        `The model returned a non-finite logit (${logits[i]}) at class ${i}.`,
      );
    }
  }
  const { probabilities, note, noteMessage } = toProbabilities(logits, kind);
  return { probabilities, top: labelled(topK(probabilities, k), labels), note, noteMessage };
}

/** Top-k entries with their labels ("class N" where the list has none). */
export function labelled(
  ranked: readonly { index: number; probability: number }[],
  labels: readonly string[],
): Prediction[] {
  return ranked.map((r) => ({ ...r, label: labelFor(labels, r.index) }));
}
