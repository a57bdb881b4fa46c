/** onnxruntime-web sessions with named outputs for int8 calibration (WASM: what int8 runs on). */
import { LensError } from '../core/errors';
import type { QuantRunnerFactory } from '../core/quantize';
import { runtime } from './ort-web';

export const createWebQuantRunner: QuantRunnerFactory = async (bytes) => {
  const ort = await runtime('wasm');
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
  } catch (e) {
    throw new LensError(
      'not-a-model',
      `The ONNX model could not be loaded: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  const input = session.inputNames[0]!;
  return {
    async run(data, dims, names) {
      const out = await session.run({ [input]: new ort.Tensor('float32', data, dims) }, [...names]);
      return names.map((n) => ({ data: out[n]!.data as Float32Array, dims: out[n]!.dims }));
    },
    release: () => session.release(),
  };
};
