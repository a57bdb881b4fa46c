/**
 * The session seam: which inference backend runs a model. Backends are asked in order; each either
 * claims the graph (and makes its session) or declines with the reason, and the runtime the engine
 * was given (onnxruntime, web or node) takes any graph the others declined. The engine records
 * which one runs and why the others did not, for the model panel and `info --json`.
 */
import type { LoadedSession, SessionOptions } from './types';

export type Claim = { session: LoadedSession } | { declined: string };

export interface SessionBackend {
  /** As the model panel and JSON show it. */
  readonly name: string;
  /** A session for the graph, or why this backend does not take it (e.g. its first unsupported node). */
  open(bytes: Uint8Array, options: SessionOptions): Promise<Claim>;
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
    const claim = await backend.open(bytes, options);
    if ('session' in claim)
      return { session: claim.session, runner: { name: backend.name, declined } };
    declined.push({ backend: backend.name, reason: claim.declined });
  }
  return { session: await runtime(bytes, options), runner: { name: RUNTIME_NAME, declined } };
}
