/**
 * A zeroed buffer, or the caller's user-facing error where the platform cannot allocate one that
 * large (a RangeError in V8 for lengths past its limit or when memory is exhausted).
 */
export function allocate(
  bytes: number,
  fail: (bytes: number, cause: unknown) => Error,
): Uint8Array {
  try {
    return new Uint8Array(bytes);
  } catch (cause) {
    throw fail(bytes, cause);
  }
}
