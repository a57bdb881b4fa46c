/**
 * The session seam: which inference backend runs a model. Backends are asked in order; each either
 * claims the graph (and makes its session) or declines with the reason, and the runtime the engine
 * was given (onnxruntime, web or node) takes any graph the others declined. The engine records
 * which one runs and why the others did not, for the model panel and `info --json`.
 */
import type { LoadedSession, SessionOptions } from './types';

/**
 * Whose kernels run a WASM session in the page: the project's own (`lens`, the default: the best
 * build this browser validates; `lens-simd128`: the plain SIMD128 build) where they run the graph,
 * or onnxruntime-web's for every model (`onnxruntime`).
 */
export type KernelsPreference = 'onnxruntime' | 'lens' | 'lens-simd128';
export const KERNELS_PREFERENCES: readonly KernelsPreference[] = [
  'onnxruntime',
  'lens',
  'lens-simd128',
];
export function isKernelsPreference(s: string): s is KernelsPreference {
  return (KERNELS_PREFERENCES as readonly string[]).includes(s);
}

export type Claim = { session: LoadedSession } | { declined: string };

export interface SessionBackend {
  /** As the model panel and JSON show it. */
  readonly name: string;
  /** A session for the graph, or why this backend does not take it (e.g. its first unsupported node). */
  open(bytes: Uint8Array, options: SessionOptions): Promise<Claim>;
  /** Whether the options ask for this backend at all (default: yes); one not asked is not listed. */
  wanted?(options: SessionOptions): boolean;
}

/** Which backend runs a model, and why the ones asked before it declined. */
export interface RunnerInfo {
  name: string;
  declined: { backend: string; reason: string }[];
}

/** The name of the runtime the engine was given, which takes every graph. */
export const RUNTIME_NAME = 'onnxruntime';

export async function openSession(
  backends: readonly SessionBackend[],
  runtime: (bytes: Uint8Array, options: SessionOptions) => Promise<LoadedSession>,
  bytes: Uint8Array,
  options: SessionOptions,
): Promise<{ session: LoadedSession; runner: RunnerInfo }> {
  const declined: RunnerInfo['declined'] = [];
  for (const backend of backends) {
    if (backend.wanted && !backend.wanted(options)) continue;
    const claim = await backend.open(bytes, options);
    if ('session' in claim)
      return { session: claim.session, runner: { name: backend.name, declined } };
    declined.push({ backend: backend.name, reason: claim.declined });
  }
  return { session: await runtime(bytes, options), runner: { name: RUNTIME_NAME, declined } };
}
