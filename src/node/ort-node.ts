/** onnxruntime-node behind the same `LoadedSession` interface as the browser's onnxruntime-web. */
import * as ort from 'onnxruntime-node';
import { NODE_CHOICE } from '../core/inference/backend';
import { modelLoadError } from '../core/inference/model-io';
import { ioMeta, loadedSession } from '../engine/session';
import type { EngineDeps, ExternalData, LoadedSession } from '../engine/types';

export async function createNodeSession(
  bytes: Uint8Array,
  threads = 2,
  externalData: readonly ExternalData[] = [],
): Promise<LoadedSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      ...(externalData.length > 0
        ? {
            externalData: externalData.map((f) => ({
              path: f.path,
              data: new Uint8Array(f.bytes),
            })),
          }
        : {}),
    });
  } catch (e) {
    throw modelLoadError(bytes, e, 'onnxruntime-node');
  }
  return loadedSession({
    choice: NODE_CHOICE,
    threads,
    inputs: session.inputMetadata.map(ioMeta),
    outputs: session.outputMetadata.map(ioMeta),
    async runOutputs(inputName, input, dims, names) {
      const results = await session.run(
        { [inputName]: new ort.Tensor('float32', input, dims) },
        names,
      );
      return names.map((n) => ({
        data: (results[n]!.data as Float32Array).slice(),
        dims: [...results[n]!.dims],
      }));
    },
    release: () => session.release(),
  });
}

/** The engine's platform parts in Node: onnxruntime-node, sharp/own decoders, files for URLs. */
export function nodeSessionFactory(defaultThreads = 2): EngineDeps['createSession'] {
  return async (bytes, options) => {
    const own = options.externalData ?? [];
    const model = options.prepare
      ? await options.prepare(bytes, 'node')
      : { bytes, externalData: [] as ExternalData[] };
    return createNodeSession(model.bytes, options.threads ?? defaultThreads, [
      ...own,
      ...model.externalData,
    ]);
  };
}
