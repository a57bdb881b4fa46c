/**
 * Threads for the lens kernels in Node: worker_threads on the session's shared memory, started
 * once per session (src/core/lens/pool.ts; each runs src/node/lens-worker.mjs).
 */
import { Worker } from 'node:worker_threads';
import type { LensKernels } from '../core/lens/kernels';
import { startLensPool } from '../core/lens/pool';
import type { LensPool } from '../core/lens/runner';

export function startNodeLensPool(
  module: WebAssembly.Module,
  kernels: LensKernels,
  workers: number,
): Promise<LensPool> {
  return startLensPool(module, kernels, workers, (init) => {
    const worker = new Worker(new URL('./lens-worker.mjs', import.meta.url), { workerData: init });
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', (m: { ok: boolean; message?: string }) =>
        m.ok ? resolve() : reject(new Error(`lens worker: ${m.message}`)),
      );
      worker.once('error', reject);
    });
    return { ready, terminate: () => worker.terminate() };
  });
}
