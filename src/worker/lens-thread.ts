/// <reference lib="webworker" />
/**
 * One lens kernels thread in the page: the threads build instantiated on the session's shared
 * memory with a stack of its own (first message), then runs each call it is sent and answers
 * when it is done. Started by src/worker/lens-pool-web.ts.
 */
import type { KernelCall } from '../core/lens/kernels';

declare const self: DedicatedWorkerGlobalScope;

export type ThreadReply = { ok: true } | { ok: false; message: string };
type ThreadMessage =
  | { init: { module: WebAssembly.Module; memory: WebAssembly.Memory; stackTop: number } }
  | { call: KernelCall };

let exports: Record<string, unknown> | null = null;

self.onmessage = (e: MessageEvent<ThreadMessage>) => {
  try {
    if ('init' in e.data) {
      const { module, memory, stackTop } = e.data.init;
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      exports = instance.exports;
      (exports['__stack_pointer'] as WebAssembly.Global).value = stackTop;
    } else {
      if (!exports) throw new Error('not started');
      const fn = exports[e.data.call.fn] as (...args: number[]) => void;
      fn(...e.data.call.args);
    }
    self.postMessage({ ok: true } satisfies ThreadReply);
  } catch (err) {
    self.postMessage({
      ok: false,
      message: String((err as Error)?.message ?? err),
    } satisfies ThreadReply);
  }
};
