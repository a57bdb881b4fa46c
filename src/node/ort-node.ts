/** onnxruntime-node behind the same `LoadedSession` interface as the browser's onnxruntime-web. */
import * as ort from 'onnxruntime-node';
import { LensError } from '../core/errors';
import type { IoMeta } from '../core/model-io';
import type { LoadedSession } from '../worker/handler';

const meta = (m: ort.InferenceSession.ValueMetadata): IoMeta =>
  m.isTensor
    ? { name: m.name, isTensor: true, type: m.type, shape: m.shape }
    : { name: m.name, isTensor: false };

export async function createNodeSession(bytes: Uint8Array, threads = 2): Promise<LoadedSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
    });
  } catch (e) {
    throw new LensError(
      'not-a-model',
      `The ONNX model could not be loaded: ${(e as Error).message}`,
      { cause: e },
    );
  }
  let inputName = session.inputNames[0] ?? 'input';
  let outputName = session.outputNames[0] ?? 'output';
  let featuresName: string | null = null;
  const runOutputs = async (input: Float32Array, dims: readonly number[], names: string[]) => {
    const results = await session.run(
      { [inputName]: new ort.Tensor('float32', input, dims) },
      names,
    );
    return names.map((n) => ({
      data: (results[n]!.data as Float32Array).slice(),
      dims: [...results[n]!.dims],
    }));
  };
  return {
    choice: { backend: 'wasm', reason: 'onnxruntime-node (native CPU)' },
    threads,
    inputs: session.inputMetadata.map(meta),
    outputs: session.outputMetadata.map(meta),
    bind(input, output, features) {
      inputName = input;
      outputName = output;
      featuresName = features ?? null;
    },
    async run(input, dims) {
      return (await runOutputs(input, dims, [outputName]))[0]!.data;
    },
    async runWithFeatures(input, dims) {
      if (!featuresName) throw new LensError('internal', 'The model has no features output.');
      const [logits, features] = await runOutputs(input, dims, [outputName, featuresName]);
      return { logits: logits!.data, features: features! };
    },
    dispose: () => session.release(),
  };
}
