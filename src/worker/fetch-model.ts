/**
 * Model download: streamed with progress into one buffer, cancellable, and kept in Cache Storage
 * so every model opened once also loads offline. An entry is written only after a complete
 * download, so a cancelled or failed one leaves nothing half-written.
 */
import { LensError } from '../core/errors';

export const MODEL_CACHE = 'lens-models-v1';

export type Progress = (loaded: number, total: number | null) => void;

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function cancelled(): LensError {
  return new LensError('aborted', 'The model download was cancelled.');
}

export async function fetchWithProgress(
  url: string,
  onProgress: Progress,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  return (await download(url, onProgress, signal)).bytes;
}

async function download(
  url: string,
  onProgress: Progress,
  signal?: AbortSignal,
): Promise<{ bytes: Uint8Array; fingerprint: string }> {
  let response: Response;
  try {
    response = await fetch(url, signal ? { signal } : {});
  } catch (e) {
    if (aborted(signal)) throw cancelled();
    throw new LensError(
      'model-fetch-failed',
      `Could not download the model from ${url}: network error or blocked by CORS (${(e as Error).message}).`,
      { cause: e },
    );
  }
  if (!response.ok) {
    throw new LensError(
      'model-fetch-failed',
      `Could not download the model from ${url}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`,
    );
  }
  const length = Number(response.headers.get('Content-Length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  const print = fingerprint(response.headers);
  if (!response.body)
    return { bytes: new Uint8Array(await response.arrayBuffer()), fingerprint: print };
  const reader = response.body.getReader();
  let buffer = new Uint8Array(total ?? 1 << 20);
  let loaded = 0;
  let lastReport = 0;
  try {
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
      if (loaded - lastReport > 1 << 20) {
        lastReport = loaded;
        onProgress(loaded, total);
      }
    }
  } catch (e) {
    if (aborted(signal)) throw cancelled();
    throw new LensError(
      'model-fetch-failed',
      `The model download from ${url} broke off after ${loaded} bytes: ${(e as Error).message}`,
      { cause: e },
    );
  }
  onProgress(loaded, total);
  return {
    bytes: buffer.byteLength === loaded ? buffer : buffer.slice(0, loaded),
    fingerprint: print,
  };
}

/** What identifies the server's copy: a cached model is reused while these still match. */
function fingerprint(headers: Headers): string {
  return `${headers.get('Content-Length') ?? ''}|${headers.get('Last-Modified') ?? ''}|${headers.get('ETag') ?? ''}`;
}

/** The little of Cache Storage used here: the browser's `caches`, or an in-memory one in tests. */
export interface ModelCacheStorage {
  open(name: string): Promise<Pick<Cache, 'match' | 'put'>>;
}

/**
 * Cache first when the server's copy is unchanged (a HEAD request says) or unreachable (offline);
 * otherwise download and replace the cached copy.
 */
export async function fetchModelCached(
  url: string,
  onProgress: Progress,
  signal?: AbortSignal,
  storage: ModelCacheStorage | null = typeof caches === 'undefined' ? null : caches,
): Promise<Uint8Array> {
  const cache = storage ? await storage.open(MODEL_CACHE).catch(() => null) : null;
  const cached = await cache?.match(url);
  if (cached) {
    let current: string | null = null;
    try {
      const head = await fetch(url, {
        method: 'HEAD',
        cache: 'no-store',
        ...(signal ? { signal } : {}),
      });
      if (head.ok) current = fingerprint(head.headers);
    } catch {
      // Offline or unreachable: the cached copy is what we have.
    }
    if (current === null || current === cached.headers.get('X-Lens-Fingerprint')) {
      const bytes = new Uint8Array(await cached.arrayBuffer());
      onProgress(bytes.byteLength, bytes.byteLength);
      return bytes;
    }
  }
  const { bytes, fingerprint: print } = await download(url, onProgress, signal);
  if (cache && !aborted(signal)) {
    const headers = new Headers({
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(bytes.byteLength),
      'X-Lens-Fingerprint': print,
      'X-Lens-Cached-At': new Date().toISOString(),
    });
    // Storage may be full or denied; the model still loads, it just will not be offline.
    await cache
      .put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers }))
      .catch(() => undefined);
  }
  return bytes;
}
