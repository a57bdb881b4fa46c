/**
 * The model worker's side of u-worker.ts: one extra thread, started on the first load that needs
 * it (never at module load: onnxruntime's thread workers load this chunk too) and kept for the
 * next. A failed or vanished thread rejects its calls, and the engine computes those files itself.
 */
import type { UPlan } from '../core/fast/rewrite';

type Reply = { id: number; bytes: ArrayBuffer } | { id: number; error: string };

let thread: Worker | null = null;
let nextId = 0;
const pending = new Map<
  number,
  { resolve: (b: ArrayBuffer) => void; reject: (e: Error) => void }
>();

function failAll(message: string): void {
  for (const p of pending.values()) p.reject(new Error(message));
  pending.clear();
  thread?.terminate();
  thread = null;
}

function start(): Worker {
  const w = new Worker(new URL('./u-worker.ts', import.meta.url), {
    type: 'module',
    name: 'lens-fast-path',
  });
  w.addEventListener('message', (e: MessageEvent<Reply>) => {
    const p = pending.get(e.data.id);
    if (!p) return;
    pending.delete(e.data.id);
    if ('bytes' in e.data) p.resolve(e.data.bytes);
    else p.reject(new Error(e.data.error));
  });
  w.addEventListener('error', (e) => {
    e.preventDefault();
    failAll(`fast-path thread failed: ${e.message || 'could not start'}`);
  });
  w.addEventListener('messageerror', () => failAll('fast-path thread: message could not be read'));
  return w;
}

/** Computes one file of U on the extra thread. The plan is copied to it (not transferred). */
export function computeUOnThread(plan: UPlan): Promise<ArrayBuffer> {
  thread ??= start();
  const id = nextId++;
  const w = thread;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, plan });
  });
}
