/// <reference lib="webworker" />
/**
 * One lens kernels thread in the page: the threads build instantiated on the session's shared
 * memory with a stack of its own (its one message), then it serves its mailbox slot
 * (src/core/lens/mailbox.mjs) until the pool quits. Started by src/worker/lens-pool-web.ts.
 */
import { serve, slot } from '../core/lens/mailbox.mjs';
import type { ThreadInit } from '../core/lens/pool';

declare const self: DedicatedWorkerGlobalScope;

export type ThreadReply = { ok: true } | { ok: false; message: string };

self.onmessage = (e: MessageEvent<ThreadInit>) => {
  let fns: ((...args: number[]) => void)[];
  try {
    const { module, memory, stackTop, names } = e.data;
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    (instance.exports['__stack_pointer'] as WebAssembly.Global).value = stackTop;
    fns = names.map((n) => instance.exports[n] as (...args: number[]) => void);
  } catch (err) {
    self.postMessage({
      ok: false,
      message: String((err as Error)?.message ?? err),
    } satisfies ThreadReply);
    return;
  }
  self.postMessage({ ok: true } satisfies ThreadReply);
  serve(slot(e.data.memory.buffer, e.data.slot), fns);
};
