/** The quantizer's sessions and calibration images in Node: onnxruntime-node and the preprocess pool. */
import type { PresetId } from '../core/preprocess/preprocess';
import type { CalibrationImage, QuantRunnerFactory } from '../core/quantize';
import type { CalibrationSource } from '../engine/types';
import type { ExifMode } from './decode-node';
import { createNodeSession } from './ort-node';
import { PreprocessPool } from './preprocess-pool';

/** The quantizer's sessions in Node: the engine's own onnxruntime-node sessions. */
export function nodeQuantRunner(threads = 2): QuantRunnerFactory {
  return (bytes) => createNodeSession(bytes, threads);
}

/**
 * The calibration images, decoded and preprocessed ahead in worker threads (a bounded window), in
 * file order. A file that fails is skipped and recorded in `skipped` (once, on the first pass;
 * later passes leave it out).
 */
export class CalibrationSet implements CalibrationSource {
  /** The files that failed, with the reason. */
  readonly failed = new Map<string, string>();
  constructor(
    readonly files: readonly string[],
    private readonly preset: PresetId,
    private readonly exif: ExifMode,
    private readonly pool: PreprocessPool = new PreprocessPool(),
  ) {}

  get count(): number {
    return this.files.length;
  }

  skipped(): { name: string; error: string }[] {
    return [...this.failed].map(([name, error]) => ({ name, error }));
  }

  async *images(): AsyncGenerator<CalibrationImage> {
    const files = this.files.filter((f) => !this.failed.has(f));
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
      else this.failed.set(files[i]!, outcome.error);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
