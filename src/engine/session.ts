/**
 * The `LoadedSession` both onnxruntime flavours share: which tensors to feed and read, and the
 * features output for CAMs. An adapter supplies only how to run named outputs.
 */
import { LensError } from '../core/errors';
import type { IoMeta } from '../core/inference/model-io';
import type { BackendChoice } from '../core/inference/backend';
import type { LoadedSession } from './types';

export interface Output {
  data: Float32Array;
  dims: number[];
}

/** onnxruntime's value metadata (web and node share the type) as the project's `IoMeta`. */
export function ioMeta(m: {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}): IoMeta {
  if (!m.isTensor) return { name: m.name, isTensor: false };
  return {
    name: m.name,
    isTensor: true,
    ...(m.type !== undefined ? { type: m.type } : {}),
    ...(m.shape !== undefined ? { shape: m.shape } : {}),
  };
}

/** The declared type can be missing: what the runtime returned is checked too. */
function scores(output: Output, name: string): Float32Array {
  const data: unknown = output.data;
  if (data instanceof Float32Array) return data;
  const type = (data as object | null)?.constructor?.name ?? typeof data;
  throw new LensError(
    'model-incompatible',
    `Output "${name}" returned ${type} values, not float32 class scores.`,
  );
}

export function loadedSession(options: {
  choice: BackendChoice;
  threads: number;
  inputs: IoMeta[];
  outputs: IoMeta[];
  runOutputs: (
    inputName: string,
    input: Float32Array,
    dims: readonly number[],
    names: readonly string[],
  ) => Promise<Output[]>;
  release: () => Promise<void>;
}): LoadedSession {
  let inputName = options.inputs[0]?.name ?? 'input';
  let outputName = options.outputs[0]?.name ?? 'output';
  let featuresName: string | null = null;
  return {
    choice: options.choice,
    threads: options.threads,
    inputs: options.inputs,
    outputs: options.outputs,
    bind(input, output, features) {
      inputName = input;
      outputName = output;
      featuresName = features ?? null;
    },
    runOutputs: (input, dims, names) => options.runOutputs(inputName, input, dims, names),
    async run(input, dims) {
      return scores(
        (await options.runOutputs(inputName, input, dims, [outputName]))[0]!,
        outputName,
      );
    },
    async runWithFeatures(input, dims) {
      if (!featuresName) throw new LensError('internal', 'The model has no features output.');
      const [logits, features] = await options.runOutputs(inputName, input, dims, [
        outputName,
        featuresName,
      ]);
      return { logits: scores(logits!, outputName), features: features! };
    },
    dispose: options.release,
  };
}
