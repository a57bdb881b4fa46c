/**
 * The project's one error type. Every failure a user can cause carries a stable `code` (for tests,
 * automation and the worker protocol) and a message written for the user.
 */
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

  constructor(code: LensErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
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
}

export function serializeError(e: unknown): SerializedError {
  if (isLensError(e)) return { name: e.name, code: e.code, message: e.message };
  if (e instanceof Error) return { name: e.name, code: 'internal', message: e.message || e.name };
  return { name: 'Error', code: 'internal', message: String(e) };
}

export function deserializeError(e: SerializedError): LensError {
  return new LensError(e.code, e.message);
}
