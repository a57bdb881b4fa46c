/**
 * Threads for the lens kernels in the page: Web Workers, each with the threads build on the
 * session's shared memory and a stack carved from it; started once per session (the page is
 * cross-origin isolated, so the memory can be shared). The Node twin is src/node/lens-pool.ts.
 */
import type { KernelCall, LensKernels } from '../core/lens/kernels';
import type { LensPool } from '../core/lens/runner';
import type { ThreadReply } from './lens-thread';

/** Bytes of each thread's stack (the kernels keep small arrays there). */
const STACK_BYTES = 256 * 1024;

export async function startWebLensPool(
  module: WebAssembly.Module,
  kernels: LensKernels,
  workers: number,
): Promise<LensPool> {
  const threads = Array.from({ length: workers }, () => {
    const base = kernels.alloc(STACK_BYTES / 4);
    const stackTop = (base + STACK_BYTES) & ~15;
    const worker = new Worker(new URL('./lens-thread.ts', import.meta.url), {
      type: 'module',
      name: 'lens-thread',
    });
    return { worker, stackTop };
  });
  const reply = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<ThreadReply>) =>
        e.data.ok ? resolve() : reject(new Error(`lens thread: ${e.data.message}`));
      worker.onerror = (e) => reject(new Error(`lens thread: ${e.message}`));
    });
  try {
    await Promise.all(
      threads.map(({ worker, stackTop }) => {
        const ready = reply(worker);
        worker.postMessage({ init: { module, memory: kernels.memory, stackTop } });
        return ready;
      }),
    );
  } catch (e) {
    for (const t of threads) t.worker.terminate();
    throw e;
  }
  return {
    workers,
    async run(calls: readonly KernelCall[]) {
      await Promise.all(
        calls.map((call, i) => {
          const worker = threads[i]!.worker;
          const done = reply(worker);
          worker.postMessage({ call });
          return done;
        }),
      );
    },
    close() {
      for (const t of threads) t.worker.terminate();
      return Promise.resolve();
    },
  };
}
