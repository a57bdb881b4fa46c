/**
 * One run of an ONNX model in onnxruntime-node, the tests' independent reference: a session made,
 * run on float32 inputs, and released (also when the run fails).
 */
import * as ort from 'onnxruntime-node';

export interface Output {
  data: Float32Array;
  dims: number[];
}

export async function runOnnx(
  model: Uint8Array,
  feeds: Record<string, { data: Float32Array; dims: readonly number[] }>,
  options: { outputs?: string[]; threads?: number } = {},
): Promise<Record<string, Output>> {
  const session = await ort.InferenceSession.create(model, {
    ...(options.threads !== undefined ? { intraOpNumThreads: options.threads } : {}),
  });
  try {
    const tensors = Object.fromEntries(
      Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, [...v.dims])]),
    );
    const out = options.outputs
      ? await session.run(tensors, options.outputs)
      : await session.run(tensors);
    return Object.fromEntries(
      Object.entries(out).map(([k, t]) => [
        k,
        { data: t.data as Float32Array, dims: [...t.dims].map(Number) },
      ]),
    );
  } finally {
    await session.release();
  }
}
