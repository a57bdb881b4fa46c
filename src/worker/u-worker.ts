/// <reference lib="webworker" />
/**
 * A second thread for the fast path's load-time work: computes one file of the Winograd
 * transformed weights (U) while the model's worker computes the other (onnxruntime's own threads
 * are idle until the session exists). Pure computation on a copy of the plan; nothing else.
 */
import { computeU, type UPlan } from '../core/fast/rewrite';

declare const self: DedicatedWorkerGlobalScope;

self.addEventListener('message', (e: MessageEvent<{ id: number; plan: UPlan }>) => {
  const { id, plan } = e.data;
  try {
    const bytes = computeU(plan);
    self.postMessage({ id, bytes }, [bytes]);
  } catch (err) {
    self.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
