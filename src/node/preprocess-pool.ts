/**
 * A pool of worker threads for decoding and preprocessing, so that inference on the main thread is
 * never starved. Requests are spread round-robin; replies are matched by id.
 */
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { deserializeError, type LensError, type SerializedError } from '../core/errors';
import type { PresetId } from '../core/preprocess/preprocess';
import { fsPath } from './byte-paths';
import type { ExifMode } from './decode-node';

export interface PoolRequest {
  id: number;
  /** Bytes for a name that is not UTF-8 (`fsPath`). */
  path: string | Uint8Array;
  preset: PresetId;
  exif: ExifMode;
}

export type PoolResponse =
  | { id: number; ok: true; tensor: Float32Array; rotated: boolean }
  | { id: number; ok: false; error: SerializedError };

export class PreprocessPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<
    number,
    { resolve: (t: Float32Array) => void; reject: (e: LensError) => void }
  >();
  private nextId = 0;

  constructor(size = Math.max(1, cpus().length - 1)) {
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL('./preprocess-worker.mjs', import.meta.url));
      worker.on('message', (m: PoolResponse) => this.receive(m));
      worker.on('error', (e) => {
        for (const p of this.pending.values())
          p.reject(
            deserializeError({ name: 'LensError', code: 'worker-crashed', message: e.message }),
          );
        this.pending.clear();
      });
      return worker;
    });
  }

  private receive(m: PoolResponse): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.tensor);
    else p.reject(deserializeError(m.error));
  }

  run(path: string, preset: PresetId, exif: ExifMode): Promise<Float32Array> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[id % this.workers.length]!.postMessage({
        id,
        path: fsPath(path),
        preset,
        exif,
      } satisfies PoolRequest);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
