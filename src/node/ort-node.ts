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
  return {
    choice: { backend: 'wasm', reason: 'onnxruntime-node (native CPU)' },
    threads,
    inputs: session.inputMetadata.map(meta),
    outputs: session.outputMetadata.map(meta),
    bind(input, output) {
      inputName = input;
      outputName = output;
    },
    async run(input, dims) {
      const results = await session.run({ [inputName]: new ort.Tensor('float32', input, dims) }, [
        outputName,
      ]);
      return (results[outputName]!.data as Float32Array).slice();
    },
    dispose: () => session.release(),
  };
}
