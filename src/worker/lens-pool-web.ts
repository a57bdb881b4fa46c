/**
 * Threads for the lens kernels in the page: Web Workers on the session's shared memory (the page
 * is cross-origin isolated), started once per session (src/core/lens/pool.ts; each runs
 * src/worker/lens-thread.ts). The Node twin is src/node/lens-pool.ts.
 */
import type { LensKernels } from '../core/lens/kernels';
import { startLensPool } from '../core/lens/pool';
import type { LensPool } from '../core/lens/runner';
import type { ThreadReply } from './lens-thread';

export function startWebLensPool(
  module: WebAssembly.Module,
  kernels: LensKernels,
  workers: number,
): Promise<LensPool> {
  return startLensPool(module, kernels, workers, (init) => {
    const worker = new Worker(new URL('./lens-thread.ts', import.meta.url), {
      type: 'module',
      name: 'lens-thread',
    });
    const ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<ThreadReply>) =>
        e.data.ok ? resolve() : reject(new Error(`lens thread: ${e.data.message}`));
      worker.onerror = (e) => reject(new Error(`lens thread: ${e.message}`));
    });
    worker.postMessage(init);
    return { ready, terminate: () => worker.terminate() };
  });
}
