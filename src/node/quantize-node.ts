/** The quantizer's sessions and calibration images in Node: onnxruntime-node and the preprocess pool. */
import * as ort from 'onnxruntime-node';
import { LensError } from '../core/errors';
import type { PresetId } from '../core/preprocess/preprocess';
import type { CalibrationImage, QuantRunnerFactory } from '../core/quantize';
import type { ExifMode } from './decode-node';
import { PreprocessPool } from './preprocess-pool';

export function nodeQuantRunner(threads = 2): QuantRunnerFactory {
  return async (bytes) => {
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
    const input = session.inputNames[0]!;
    return {
      async run(data, dims, names) {
        const out = await session.run({ [input]: new ort.Tensor('float32', data, dims) }, [
          ...names,
        ]);
        return names.map((n) => ({ data: out[n]!.data as Float32Array, dims: out[n]!.dims }));
      },
      release: () => session.release(),
    };
  };
}

/**
 * The calibration images, decoded and preprocessed ahead in worker threads (a bounded window), in
 * file order. A file that fails is skipped and recorded in `skipped` (once, on the first pass;
 * later passes leave it out).
 */
export class CalibrationSet {
  readonly skipped = new Map<string, string>();
  constructor(
    readonly files: readonly string[],
    private readonly preset: PresetId,
    private readonly exif: ExifMode,
    private readonly pool: PreprocessPool = new PreprocessPool(),
  ) {}

  async *images(): AsyncGenerator<CalibrationImage> {
    const files = this.files.filter((f) => !this.skipped.has(f));
    type Outcome = { tensor: Float32Array } | { error: string };
    const pending: (Promise<Outcome> | undefined)[] = [];
    const start = (i: number) => {
      if (i < files.length)
        pending[i] = this.pool.run(files[i]!, this.preset, this.exif).then(
          (tensor) => ({ tensor }),
          (e: unknown) => ({ error: (e as Error).message }),
        );
    };
    const window = 4;
    for (let i = 0; i < window; i++) start(i);
    for (let i = 0; i < files.length; i++) {
      const outcome = await pending[i]!;
      pending[i] = undefined;
      start(i + window);
      if ('tensor' in outcome) yield { name: files[i]!, tensor: outcome.tensor };
      else this.skipped.set(files[i]!, outcome.error);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
