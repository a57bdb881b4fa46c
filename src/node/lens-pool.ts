/**
 * Threads for the lens kernels in Node: worker_threads, each with the threads build on the
 * session's shared memory and a stack carved from it; started once per session.
 */
import { Worker } from 'node:worker_threads';
import type { LensKernels } from '../core/lens/kernels';
import type { KernelCall } from '../core/lens/kernels';
import type { LensPool } from '../core/lens/runner';

/** Bytes of each worker's stack (the kernels keep small arrays there). */
const STACK_BYTES = 256 * 1024;

export async function startNodeLensPool(
  module: WebAssembly.Module,
  kernels: LensKernels,
  workers: number,
): Promise<LensPool> {
  const threads = Array.from({ length: workers }, () => {
    const base = kernels.alloc(STACK_BYTES / 4);
    const stackTop = (base + STACK_BYTES) & ~15;
    return new Worker(new URL('./lens-worker.mjs', import.meta.url), {
      workerData: { module, memory: kernels.memory, stackTop },
    });
  });
  await Promise.all(
    threads.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once('online', resolve);
          w.once('error', reject);
        }),
    ),
  );
  return {
    workers,
    run(calls: readonly KernelCall[]) {
      return Promise.all(
        calls.map(
          (call, i) =>
            new Promise<void>((resolve, reject) => {
              const w = threads[i]!;
              w.once('message', (m: { ok: boolean; message?: string }) =>
                m.ok ? resolve() : reject(new Error(`lens worker: ${m.message}`)),
              );
              w.postMessage(call);
            }),
        ),
      ).then(() => undefined);
    },
    async close() {
      await Promise.all(threads.map((w) => w.terminate()));
    },
  };
}
