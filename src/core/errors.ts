/**
 * The project's one error type. Every failure a user can cause carries a stable `code` (for tests,
 * automation and the worker protocol) and a message written for the user.
 */
import type { Message } from './message';

export type LensErrorCode =
  | 'not-an-image'
  | 'unsupported-image'
  | 'corrupt-image'
  | 'image-too-large'
  | 'not-a-model'
  | 'model-load-failed'
  | 'model-incompatible'
  | 'model-fetch-failed'
  | 'inference-failed'
  | 'label-count-mismatch'
  | 'bad-labels'
  | 'bad-manifest'
  | 'bad-dataset'
  /** A command line that cannot run as typed (a missing or malformed option). */
  | 'usage'
  | 'bad-reference'
  | 'no-model'
  | 'not-a-checkpoint'
  | 'corrupt-checkpoint'
  | 'unsafe-checkpoint'
  | 'unsupported-checkpoint'
  | 'unknown-architecture'
  | 'aborted'
  | 'worker-crashed'
  | 'internal';

export class LensError extends Error {
  override readonly name = 'LensError';
  readonly code: LensErrorCode;
  /** The message as data (a known cause), for readers of other languages; absent: English only. */
  readonly why?: Message;

  constructor(
    code: LensErrorCode,
    message: string,
    options?: { cause?: unknown; why?: Message | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.why) this.why = options.why;
  }
}

export function isLensError(e: unknown): e is LensError {
  return e instanceof LensError;
}

/** The plain-data form that crosses the worker boundary. */
export interface SerializedError {
  name: string;
  code: LensErrorCode;
  message: string;
  /** LensError.why, when the error has one. */
  why?: Message;
}

export function serializeError(e: unknown): SerializedError {
  if (isLensError(e))
    return { name: e.name, code: e.code, message: e.message, ...(e.why ? { why: e.why } : {}) };
  if (e instanceof Error) return { name: e.name, code: 'internal', message: e.message || e.name };
  return { name: 'Error', code: 'internal', message: String(e) };
}

export function deserializeError(e: SerializedError): LensError {
  return new LensError(e.code, e.message, e.why ? { why: e.why } : undefined);
}
