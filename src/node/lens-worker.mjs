// A lens kernels thread (worker_threads): the threads build instantiated on the session's shared
// memory with a stack of its own, then it serves its mailbox slot (src/core/lens/mailbox.mjs)
// until the pool quits. Plain JavaScript: workers do not inherit tsx's loader.
import { parentPort, workerData } from 'node:worker_threads';
import { serve, slot } from '../core/lens/mailbox.mjs';

const { module, memory, stackTop, slot: at, names } = workerData;
let fns;
try {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  instance.exports.__stack_pointer.value = stackTop;
  fns = names.map((n) => instance.exports[n]);
  parentPort.postMessage({ ok: true });
} catch (e) {
  parentPort.postMessage({ ok: false, message: String(e?.message ?? e) });
}
if (fns) serve(slot(memory.buffer, at), fns);
