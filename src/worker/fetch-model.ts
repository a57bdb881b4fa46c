/** Model download with progress, as a stream into one preallocated buffer when the size is known. */
import { LensError } from '../core/errors';

export async function fetchWithProgress(
  url: string,
  onProgress: (loaded: number, total: number | null) => void,
): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new LensError(
      'model-fetch-failed',
      `Could not download the model from ${url}: network error or blocked by CORS (${(e as Error).message}).`,
      { cause: e },
    );
  }
  if (!response.ok) {
    throw new LensError(
      'model-fetch-failed',
      `Could not download the model from ${url}: HTTP ${response.status} ${response.statusText}.`,
    );
  }
  const length = Number(response.headers.get('Content-Length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  let buffer = new Uint8Array(total ?? 1 << 20);
  let loaded = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.byteLength > buffer.byteLength) {
      const grown = new Uint8Array(Math.max(buffer.byteLength * 2, loaded + value.byteLength));
      grown.set(buffer.subarray(0, loaded));
      buffer = grown;
    }
    buffer.set(value, loaded);
    loaded += value.byteLength;
    if (loaded - lastReport > 1 << 20 || loaded === total) {
      lastReport = loaded;
      onProgress(loaded, total);
    }
  }
  onProgress(loaded, total);
  return buffer.byteLength === loaded ? buffer : buffer.slice(0, loaded);
}
