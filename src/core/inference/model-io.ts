/**
 * Checks that an ONNX model's declared inputs and outputs fit an image classifier fed with one
 * NCHW float32 image, and picks the tensors to use. Pure: it reads the metadata onnxruntime
 * (web or node) reports, so the message a user sees is the same everywhere.
 */
import { message, type Note } from '../message';
import { LensError } from '../errors';
import { nonImageNote } from '../image/format';
import { decodeGraph, externalDataFiles } from '../onnx/graph';
import { readOnnxModel } from '../onnx/reader';

export interface IoMeta {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

/** What the ranked output holds: logits (softmaxed) or probabilities (a final Softmax). */
export type OutputKind = 'logits' | 'probabilities';

/** What the graph says about the outputs (null when the graph could not be analysed). */
export interface GraphFacts {
  /** Outputs computed by a final Softmax. */
  softmaxOutputs: readonly string[];
}

export interface ModelIo {
  inputName: string;
  outputName: string;
  outputKind: OutputKind;
  /** Present when the model declares a fixed class count. */
  numClasses: number | null;
  /** Present when the model also exposes the last stage's feature map. */
  featuresName: string | null;
}

const fmt = (shape: ReadonlyArray<number | string> | undefined) =>
  shape && shape.length > 0
    ? `[${shape.map((d) => (typeof d === 'number' && d >= 0 ? d : typeof d === 'string' ? d : '?')).join(', ')}]`
    : '[unknown]';

export function checkModelIo(
  inputs: readonly IoMeta[],
  outputs: readonly IoMeta[],
  cropSize: number,
  graph: GraphFacts | null = null,
): ModelIo {
  if (inputs.length === 0) throw new LensError('model-incompatible', 'The model has no inputs.');
  if (outputs.length === 0) throw new LensError('model-incompatible', 'The model has no outputs.');
  const input = inputs[0]!;
  if (inputs.length > 1) {
    throw new LensError(
      'model-incompatible',
      `The model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); an image classifier takes one image tensor.`,
    );
  }
  if (!input.isTensor || (input.type !== undefined && input.type !== 'float32')) {
    const what = input.isTensor
      ? `${input.type}${input.shape ? ` ${fmt(input.shape)}` : ''}`
      : 'not a tensor';
    throw new LensError(
      'model-incompatible',
      `Input "${input.name}" is ${what}, not an image: RepOpt Lens feeds float32 images [N, 3, ${cropSize}, ${cropSize}].`,
    );
  }
  const shape = input.shape ?? [];
  if (shape.length !== 0) {
    const fixed = (d: number | string | undefined) => (typeof d === 'number' && d > 0 ? d : null);
    if (shape.length !== 4) {
      throw new LensError(
        'model-incompatible',
        `Input "${input.name}" has shape ${fmt(shape)}; expected an image batch [N, 3, H, W].`,
      );
    }
    const [n, c, h, w] = shape.map(fixed);
    if (c !== 3 && fixed(shape[3]) === 3) {
      throw new LensError(
        'model-incompatible',
        `Input "${input.name}" has shape ${fmt(shape)}, channels last (NHWC); RepOpt Lens feeds NCHW [N, 3, H, W].`,
      );
    }
    if (c !== null && c !== 3) {
      throw new LensError(
        'model-incompatible',
        `Input "${input.name}" has ${c} channels (${fmt(shape)}); expected 3 (RGB).`,
      );
    }
    // Images are run one at a time (and in eval's batches of any size): a fixed batch of 2 or
    // more cannot take them, and the run would fail with the runtime's shape error.
    if (n !== null && n !== 1) {
      throw new LensError(
        'model-incompatible',
        `Input "${input.name}" has a fixed batch of ${n} (${fmt(shape)}); RepOpt Lens runs one image at a time. Export the model with a batch of 1 or a dynamic batch axis (torch.onnx.export(..., dynamic_axes={"${input.name}": {0: "N"}})).`,
      );
    }
    if ((h !== null && h !== cropSize) || (w !== null && w !== cropSize)) {
      throw new LensError(
        'model-incompatible',
        `Input "${input.name}" has a fixed size ${fmt(shape)}, but the preprocessing crops ${cropSize}x${cropSize}.`,
      );
    }
  }
  const { output, kind } = pickOutput(outputs, graph);
  const last = output.shape?.[output.shape.length - 1];
  const numClasses = typeof last === 'number' && last >= 0 ? last : null;
  if (numClasses !== null) checkClassCount(numClasses, output.name);
  const features = outputs.find((o) => o.name === FEATURES && o !== output);
  return {
    inputName: input.name,
    outputName: output.name,
    outputKind: kind,
    numClasses: numClasses && numClasses > 0 ? numClasses : null,
    featuresName: features ? features.name : null,
  };
}

const FEATURES = 'features';

/** Whether an output can hold class scores: a float32 tensor of at most [N, classes]. */
const isScores = (o: IoMeta) =>
  o.isTensor &&
  (o.type === undefined || o.type === 'float32') &&
  (o.shape === undefined || o.shape.length <= 2);

/**
 * The output to rank, and whether it holds logits or probabilities. "logits" by name wins; then
 * the first float32 output of at most [N, classes]. When that one ends in Softmax and another
 * output of the same class count does not, the other holds the logits: it is preferred, because
 * its softmax is exact where probabilities rounded to float32 may not be.
 */
function pickOutput(
  outputs: readonly IoMeta[],
  graph: GraphFacts | null,
): { output: IoMeta; kind: OutputKind } {
  const scores = outputs.filter((o) => o.name !== FEATURES && isScores(o));
  const softmax = (o: IoMeta) => graph?.softmaxOutputs.includes(o.name) === true;
  const kindOf = (o: IoMeta): OutputKind => (softmax(o) ? 'probabilities' : 'logits');
  const named = scores.find((o) => o.name === 'logits');
  if (named) return { output: named, kind: kindOf(named) };
  const first = scores[0];
  if (!first) throw notScores(outputs);
  if (softmax(first)) {
    const classes = (o: IoMeta) => o.shape?.[o.shape.length - 1];
    const logits = scores.find((o) => !softmax(o) && classes(o) === classes(first));
    if (logits) return { output: logits, kind: 'logits' };
  }
  return { output: first, kind: kindOf(first) };
}

/** Why no output holds class scores, naming the output a user would expect to be them. */
function notScores(outputs: readonly IoMeta[]): LensError {
  const others = outputs.filter((o) => o.name !== FEATURES);
  const o = others[0];
  if (!o) {
    const f = outputs[0]!;
    return new LensError(
      'model-incompatible',
      `The model's only output is "${f.name}" ${fmt(f.shape)}: features, not class scores. RepOpt Lens needs an output of class scores [N, classes] (logits or probabilities).`,
    );
  }
  if (!o.isTensor)
    return new LensError(
      'model-incompatible',
      `Output "${o.name}" is not a tensor; RepOpt Lens needs class scores [N, classes].`,
    );
  if (o.type !== undefined && o.type !== 'float32')
    return new LensError(
      'model-incompatible',
      `Output "${o.name}" is ${o.type} ${fmt(o.shape)}, not class scores: RepOpt Lens reads float32 logits or probabilities [N, classes].`,
    );
  return new LensError(
    'model-incompatible',
    `Output "${o.name}" has shape ${fmt(o.shape)}; expected class scores [N, classes].`,
  );
}

/** The fewest classes a result can rank; fewer than `TOP_K` are all shown (see README). */
export const MIN_CLASSES = 2;
export const TOP_K = 5;

/**
 * Refuses an output with fewer than two classes (one score is always 100 %); for 2-4 classes,
 * what a result shows instead of a top 5. Null when there are five or more.
 */
export function checkClassCount(classes: number, outputName: string): string | null {
  return classCountNote(classes, outputName)?.text ?? null;
}

/** `checkClassCount`'s note with its message (src/core/message.ts). */
export function classCountNote(classes: number, outputName: string): Note | null {
  if (classes < MIN_CLASSES) {
    throw new LensError(
      'model-incompatible',
      classes === 0
        ? `Output "${outputName}" has 0 classes: there is nothing to rank.`
        : `Output "${outputName}" has 1 class: a single score is always 100 %, so there is nothing to rank.`,
    );
  }
  return classes < TOP_K
    ? {
        text: `The model has ${classes} classes: every result lists all ${classes} instead of a top ${TOP_K}.`,
        message: message('fewClasses', { classes, k: TOP_K }),
      }
    : null;
}

/**
 * A test run's output at load time (the engine tries a grey image, then a textured one): a model
 * that answers non-finite scores (NaN or Inf weights, an overflow) would fail every image, so it
 * is refused before it replaces the working one.
 */
export function checkWarmupScores(scores: Float32Array, outputName: string): void {
  let bad = 0;
  let first = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]!)) {
      if (bad === 0) first = scores[i]!;
      bad++;
    }
  }
  if (bad > 0) {
    throw new LensError(
      'model-incompatible',
      `The model answers non-finite scores (${bad} of ${scores.length} values in "${outputName}" are ${first}) for test images at load time: its weights hold NaN or Inf values, or it overflows. It could not classify any image.`,
    );
  }
}

// Why onnxruntime refused or failed a model, in words a user can act on (pure, so the page and
// the Node tests agree).

const OUT_OF_MEMORY =
  /bad_alloc|out of memory|failed to allocate|allocation failed|Maximum memory size|Integer overflow|\bOOM\b/i;

/** onnxruntime's messages carry a prefix and a C++ source location; the user needs the rest. */
export function runtimeDetail(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const m = /ERROR_MESSAGE: ([\s\S]*)$/.exec(message);
  return (m ? m[1]! : message)
    .trim()
    .replace(/^\/\S+:\d+ .*\(\) /, '')
    .replace(/\s+/g, ' ');
}

const size = (bytes: number) =>
  bytes >= 1e6 ? `${(bytes / 1e6).toFixed(0)} MB` : `${(bytes / 1e3).toFixed(0)} KB`;

/**
 * The wasm32 limit: every weight and tensor of a session shares one WebAssembly memory of at most
 * 4 GiB (measured: a 4.28 GB tensor still fits beside the runtime, 4.29 GB does not; a tensor of
 * 4 GiB or more overflows the 32-bit sizes).
 */
function outOfMemory(fileBytes: number, when: 'loading' | 'running', detail: string): string {
  return (
    `The model needs more memory than the browser gives WebAssembly (4 GiB at most), ` +
    `shared by its weights and every tensor it computes; it ran out while ${when} ` +
    `(the file is ${size(fileBytes)}). ` +
    `Try an fp16 export (convert --fp16 halves the weights) or a smaller model. (${detail})`
  );
}

/** "com.example:Foo" or "Foo (opset 13)" when the runtime says it lacks an operator. */
function missingOperator(detail: string): string | null {
  const registered = /([\w.]+:)?(\w+)\((-?\d+)\) is not a registered function\/op/.exec(detail);
  if (registered) {
    const [, domain, op, version] = registered;
    return domain ? `${domain}${op}` : `${op} (opset ${version})`;
  }
  const kernel = /Could not find an implementation for (\w+)\((\d+)\)/.exec(detail);
  return kernel ? `${kernel[1]} (opset ${kernel[2]})` : null;
}

/** The external data files the model names; none when it has none or does not parse. */
function externalFiles(bytes: Uint8Array): string[] {
  try {
    return externalDataFiles(decodeGraph(bytes));
  } catch {
    return [];
  }
}

/**
 * The refusal for bytes that cannot start an ONNX model, null for those that can: a ModelProto is
 * protobuf and starts with field 1 (ir_version, varint), tag byte 0x08. The first bytes of a
 * download are enough (`bytes` may be only those).
 */
export function notAnOnnxModel(bytes: Uint8Array, options?: { cause?: unknown }): LensError | null {
  if (bytes.byteLength === 0 || bytes[0] === 0x08) return null;
  const why = nonImageNote(bytes);
  return new LensError('not-a-model', `This file is not an ONNX model (${why.text}).`, {
    ...options,
    why: message('errorWhy.notAModel', { why: why.message }),
  });
}

/**
 * The largest single-file model the page downloads: measured here, single files over about
 * 1.1-1.6 GB do not load in the 4 GiB WebAssembly memory (it holds the weights, the runtime's copy
 * of them and every tensor); none over 1.6 GB did. Larger ones are refused from their
 * Content-Length, before a byte is read.
 */
export const MAX_MODEL_FILE_BYTES = 1.6e9;

/** A refusal of a model file of `bytes` before it is downloaded (too large for the browser). */
export function modelTooLarge(bytes: number): LensError {
  return new LensError(
    'model-load-failed',
    `The model file is ${size(bytes)}: more than the browser can load as one file (WebAssembly has 4 GiB at most, shared by the weights, the runtime's copy of them and every tensor; single files over about 1.6 GB do not fit). It was not downloaded. Save the weights as ONNX external data (models up to about 2.5 GB load that way), use an fp16 export (convert --fp16), or run it with the command line (repopt-lens classify).`,
  );
}

/** A session could not be created from these bytes; `runtime` names the onnxruntime flavour. */
export function modelLoadError(bytes: Uint8Array, e: unknown, runtime: string): LensError {
  if (bytes.byteLength === 0)
    return new LensError('not-a-model', 'The model file is empty (0 bytes).');
  const cause = { cause: e };
  const notOnnx = notAnOnnxModel(bytes, cause);
  if (notOnnx) return notOnnx;
  const external = externalFiles(bytes);
  if (external.length > 0) {
    const names = external.map((f) => `"${f}"`).join(', ');
    return new LensError(
      'model-incompatible',
      `The model keeps its weights in a separate file (ONNX external data: ${names}), which was not given with it: RepOpt Lens loads single-file ONNX models. Save it as one file (onnx.save_model(model, path, save_as_external_data=False); models under 2 GB fit).`,
      cause,
    );
  }
  const detail = runtimeDetail(e);
  const op = missingOperator(detail);
  if (op) {
    return new LensError(
      'model-incompatible',
      `The model uses an operator that ${runtime} does not implement: ${op}. Re-export it with standard ONNX operators. (${detail})`,
      cause,
    );
  }
  if (/protobuf parsing failed/i.test(detail)) {
    try {
      readOnnxModel(bytes);
    } catch (parse) {
      const why = ((parse as Error).cause as Error | undefined)?.message ?? '';
      if (/index out of range/.test(why)) {
        return new LensError(
          'model-load-failed',
          `The ONNX file is truncated: it ends in the middle of its data (${size(bytes.byteLength)} read). Download or copy it again.`,
          cause,
        );
      }
      return new LensError(
        'model-load-failed',
        `The ONNX file is corrupt: its bytes do not parse as an ONNX model (${why || detail}).`,
        cause,
      );
    }
  }
  if (OUT_OF_MEMORY.test(detail) || /memory|allocation|out of range|Aborted/i.test(detail))
    return new LensError(
      'model-load-failed',
      outOfMemory(bytes.byteLength, 'loading', detail),
      cause,
    );
  return new LensError('model-load-failed', `The ONNX model could not be loaded: ${detail}`, cause);
}

/** A run failed; `fileBytes` is the model file's size, for the out-of-memory message. */
export function inferenceError(fileBytes: number, e: unknown): LensError {
  const detail = runtimeDetail(e);
  return new LensError(
    'inference-failed',
    OUT_OF_MEMORY.test(detail)
      ? outOfMemory(fileBytes, 'running', detail)
      : `Inference failed: ${detail}`,
    { cause: e },
  );
}
