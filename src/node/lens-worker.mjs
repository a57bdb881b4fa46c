// A lens kernels thread (worker_threads): the threads build instantiated on the session's shared
// memory with a stack of its own; runs the calls it is sent and answers when each is done.
// Plain JavaScript: nothing here needs types, and workers do not inherit tsx's loader.
import { parentPort, workerData } from 'node:worker_threads';

const { module, memory, stackTop } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
instance.exports.__stack_pointer.value = stackTop;
parentPort.on('message', (call) => {
  try {
    instance.exports[call.fn](...call.args);
    parentPort.postMessage({ ok: true });
  } catch (e) {
    parentPort.postMessage({ ok: false, message: String(e?.message ?? e) });
  }
});
