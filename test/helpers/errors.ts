/** The error a call fails with, for tests that assert refusals: a LensError's code and message. */
import { isLensError, type LensErrorCode } from '../../src/core/errors';

export interface Refusal {
  code: LensErrorCode;
  message: string;
}

/** What `f()` throws; fails the test when it throws something else or nothing. */
export function lensError(f: () => unknown): Refusal {
  try {
    f();
  } catch (e) {
    if (isLensError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a LensError, but the call succeeded');
}

/** What `p` rejects with; fails the test when it rejects with something else or resolves. */
export async function lensRejection(p: Promise<unknown>): Promise<Refusal> {
  try {
    await p;
  } catch (e) {
    if (isLensError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a LensError, but the call succeeded');
}
