/**
 * The worker's wire format, derived from the engine's interface so the two cannot drift: a call
 * names an engine method and carries its request object minus what cannot cross (the signal and
 * the progress callback, which the transport maps to `cancel` and `progress` messages).
 */
import type { SerializedError } from '../core/errors';
import type { CallOptions, LensEngine, Progress } from '../engine/types';

export type Api = LensEngine<ImageBitmap>;
export type Method = keyof Api;
/** A method's request object as it crosses the boundary. */
export type WireArgs<M extends Method> =
  Parameters<Api[M]> extends [infer A, ...unknown[]]
    ? Omit<A, keyof CallOptions>
    : Record<string, never>;
export type Result<M extends Method> = Awaited<ReturnType<Api[M]>>;

/**
 * A call on the wire. Its `args` are typed where calls are made (the client's `send<M>` takes
 * `WireArgs<M>`), so the message itself carries them as a plain object.
 */
export interface Call {
  kind: 'call';
  id: number;
  method: Method;
  args: object;
}

/** Debug hooks (tests and `?simulate=`): injected faults, never used by the app itself. */
export interface Faults {
  /** WebGPU session creation fails, to prove the fallback to WASM. */
  webgpuFailure?: boolean;
  /** The worker dies inside the next inference, as a crash in the runtime would. */
  crashInInference?: boolean;
}

export type Request =
  | Call
  /** Aborts the call `target` (a load: it rejects with an `aborted` error). */
  | { kind: 'cancel'; id: number; target: number }
  | { kind: 'faults'; id: number; faults: Faults }
  /** Makes the worker throw outside any handler, as a crash would. */
  | { kind: 'crash'; id: number };

export type Response =
  | { kind: 'progress'; id: number; progress: Progress }
  | { kind: 'result'; id: number; value: Result<Method> }
  | { kind: 'error'; id: number; error: SerializedError };

/**
 * Buffers a result can hand over instead of copying: crops (the display one, and the one shared
 * with a second model), converted and quantized models.
 */
export function transferablesOf(value: unknown): Transferable[] {
  if (typeof value !== 'object' || value === null) return [];
  const out: Transferable[] = [];
  if ('cropRgba' in value && value.cropRgba instanceof ArrayBuffer) out.push(value.cropRgba);
  if ('prepared' in value && typeof value.prepared === 'object' && value.prepared !== null) {
    const { crop } = value.prepared as { crop?: { data?: unknown } };
    if (crop?.data instanceof Uint8Array && crop.data.buffer instanceof ArrayBuffer)
      out.push(crop.data.buffer);
  }
  if ('onnx' in value && value.onnx instanceof ArrayBuffer) out.push(value.onnx);
  if ('converted' in value && typeof value.converted === 'object' && value.converted !== null) {
    const { onnx } = value.converted as { onnx?: unknown };
    if (onnx instanceof ArrayBuffer) out.push(onnx);
  }
  return out;
}
