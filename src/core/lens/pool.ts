/**
 * The lens threads, the caller's side, for Node and the page alike: one mailbox slot per thread
 * in the kernels' shared memory (mailbox.mjs), a stack per thread carved from the same memory,
 * and a `spawn` that starts one thread the host's way (worker_threads, Web Worker).
 */
import { KERNEL_NAMES, type KernelCall, type LensKernels } from './kernels';
import { SLOT_BYTES, join, post, quit, slot } from './mailbox.mjs';
import type { LensPool } from './runner';

/** Bytes of each thread's stack (the kernels keep small arrays there). */
const STACK_BYTES = 256 * 1024;

/** What a thread needs to start: the threads build, its memory, its stack and its slot. */
export interface ThreadInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  stackTop: number;
  /** Byte offset of the thread's mailbox slot. */
  slot: number;
  /** Export names by the index a call carries. */
  names: readonly string[];
}
export interface ThreadHandle {
  /** Resolves when the thread is instantiated and waits on its slot; rejects with its error. */
  ready: Promise<void>;
  terminate(): unknown;
}

export async function startLensPool(
  module: WebAssembly.Module,
  kernels: LensKernels,
  workers: number,
  spawn: (init: ThreadInit) => ThreadHandle,
): Promise<LensPool> {
  const index = new Map<string, number>(KERNEL_NAMES.map((n, i) => [n, i]));
  const threads = Array.from({ length: workers }, () => {
    const base = kernels.alloc(STACK_BYTES / 4);
    const stackTop = (base + STACK_BYTES) & ~15;
    const at = kernels.alloc(SLOT_BYTES / 4);
    return { at, stackTop };
  });
  const slots = threads.map((t) => slot(kernels.memory.buffer, t.at));
  const handles = threads.map((t) =>
    spawn({
      module,
      memory: kernels.memory,
      stackTop: t.stackTop,
      slot: t.at,
      names: KERNEL_NAMES,
    }),
  );
  try {
    await Promise.all(handles.map((h) => h.ready));
  } catch (e) {
    for (const h of handles) h.terminate();
    throw e;
  }
  let seq = 0;
  let running = 0;
  return {
    workers,
    start(calls: readonly KernelCall[]) {
      if (running) throw new Error('lens: threads started twice without a join');
      if (calls.length > workers)
        throw new RangeError(`lens: ${calls.length} calls for ${workers} threads`);
      seq++;
      calls.forEach((c, i) => post(slots[i]!, seq, index.get(c.fn)!, c.args));
      running = calls.length;
    },
    join() {
      const errors = slots.slice(0, running).map((s) => join(s, seq));
      running = 0;
      const error = errors.find((e) => e !== null);
      if (error) throw new Error(`lens thread: ${error}`);
    },
    async close() {
      for (const s of slots) quit(s);
      await Promise.all(handles.map((h) => h.terminate()));
    },
  };
}
