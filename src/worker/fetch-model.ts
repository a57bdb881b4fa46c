/**
 * Model download: streamed with progress into one buffer, cancellable, and kept in Cache Storage
 * so every model opened once also loads offline. An entry is written only once the engine has
 * loaded the bytes as a model (`keep`), so a cancelled or failed download, or a URL that answers
 * with something else (the service worker, index.html, an SPA fallback page), leaves nothing;
 * a cached copy that no longer loads is removed (`discard`).
 */
import { LensError } from '../core/errors';
import { MAX_MODEL_FILE_BYTES, modelTooLarge, notAnOnnxModel } from '../core/inference/model-io';
import type { FetchedModel, FetchOptions } from '../engine/types';

export const MODEL_CACHE = 'lens-models-v1';

export type Progress = (loaded: number, total: number | null) => void;

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/**
 * What a download must be, checked before the rest is read: a size limit (from Content-Length,
 * else as bytes arrive) and a test of the first bytes. A refusal stops the download.
 */
export interface DownloadCheck {
  maxBytes: number;
  tooLarge: (bytes: number) => LensError;
  /** The refusal for a file starting with these bytes (at least HEAD_BYTES of them, or all). */
  head?: (bytes: Uint8Array) => LensError | null;
}

/** Enough to tell an ONNX model from an HTML page, an image or an archive. */
const HEAD_BYTES = 64;

/** External data is raw tensor bytes (no header to test); it must still fit 4 GiB. */
const EXTERNAL_DATA_MAX_BYTES = 4 * 2 ** 30;

export function downloadCheck(options: FetchOptions | undefined): DownloadCheck | null {
  if (options?.kind === 'model')
    return { maxBytes: MAX_MODEL_FILE_BYTES, tooLarge: modelTooLarge, head: notAnOnnxModel };
  if (options?.kind === 'external-data')
    return {
      maxBytes: EXTERNAL_DATA_MAX_BYTES,
      tooLarge: (bytes) =>
        new LensError(
          'model-load-failed',
          `The model's external data file is ${(bytes / 1e9).toFixed(1)} GB, more than the 4 GiB WebAssembly memory holds; it was not downloaded.`,
        ),
    };
  return null;
}

function cancelled(): LensError {
  return new LensError('aborted', 'The model download was cancelled.');
}

export async function fetchWithProgress(
  url: string,
  onProgress: Progress,
  signal?: AbortSignal,
  options?: FetchOptions,
): Promise<Uint8Array> {
  return (await download(url, onProgress, signal, downloadCheck(options))).bytes;
}

async function download(
  url: string,
  onProgress: Progress,
  signal: AbortSignal | undefined,
  check: DownloadCheck | null,
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
  if (check && total !== null && total > check.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw check.tooLarge(total);
  }
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    const refused =
      check &&
      (bytes.byteLength > check.maxBytes ? check.tooLarge(bytes.byteLength) : check.head?.(bytes));
    if (refused) throw refused;
    return { bytes, fingerprint: print };
  }
  const reader = response.body.getReader();
  let buffer = new Uint8Array(total ?? 1 << 20);
  let loaded = 0;
  let lastReport = 0;
  let headChecked = !check?.head;
  /** A refusal of what arrived so far: the rest is not read. */
  const refusal = (done: boolean): LensError | null => {
    if (!check) return null;
    if (loaded > check.maxBytes) return check.tooLarge(loaded);
    if (headChecked || (!done && loaded < HEAD_BYTES)) return null;
    headChecked = true;
    return check.head?.(buffer.subarray(0, loaded)) ?? null;
  };
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (e) {
      if (aborted(signal)) throw cancelled();
      throw new LensError(
        'model-fetch-failed',
        `The model download from ${url} broke off after ${loaded} bytes: ${(e as Error).message}`,
        { cause: e },
      );
    }
    const { done, value } = chunk;
    if (!done) {
      if (loaded + value.byteLength > buffer.byteLength) {
        const grown = new Uint8Array(Math.max(buffer.byteLength * 2, loaded + value.byteLength));
        grown.set(buffer.subarray(0, loaded));
        buffer = grown;
      }
      buffer.set(value, loaded);
      loaded += value.byteLength;
    }
    const refused = refusal(done);
    if (refused) {
      await reader.cancel().catch(() => undefined);
      throw refused;
    }
    if (done) break;
    if (loaded - lastReport > 1 << 20) {
      lastReport = loaded;
      onProgress(loaded, total);
    }
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
  open(name: string): Promise<Pick<Cache, 'match' | 'put'> & Partial<Pick<Cache, 'delete'>>>;
}

const defaultStorage = (): ModelCacheStorage | null =>
  typeof caches === 'undefined' ? null : caches;

/** `fetchModel`, cached at once: for callers that do not load the bytes (tests, tools). */
export async function fetchModelCached(
  url: string,
  onProgress: Progress,
  signal?: AbortSignal,
  storage: ModelCacheStorage | null = defaultStorage(),
): Promise<Uint8Array> {
  const fetched = await fetchModel(url, onProgress, signal, storage);
  await fetched.keep();
  return fetched.bytes;
}

/**
 * Cache first when the server's copy is unchanged (a HEAD request says) or unreachable (offline);
 * otherwise download. Nothing is written until the caller says the bytes loaded as a model.
 */
export async function fetchModel(
  url: string,
  onProgress: Progress,
  signal?: AbortSignal,
  storage: ModelCacheStorage | null = defaultStorage(),
  options?: FetchOptions,
): Promise<FetchedModel> {
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
      // Through a Blob: Chromium reads a cached body that way in one piece, where
      // Response.arrayBuffer() takes it through a pipe in chunks (B1's 207 MB: 0.75-1.1 s
      // against 1.8-2.3 s here).
      const bytes = new Uint8Array(await (await cached.blob()).arrayBuffer());
      onProgress(bytes.byteLength, bytes.byteLength);
      return {
        bytes,
        keep: () => Promise.resolve(),
        // A copy cached by an older version without this check, or damaged on disk.
        discard: async () => {
          await cache?.delete?.(url).catch(() => false);
        },
      };
    }
  }
  const { bytes, fingerprint: print } = await download(
    url,
    onProgress,
    signal,
    downloadCheck(options),
  );
  return {
    bytes,
    keep: async () => {
      if (!cache) return;
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
    },
    discard: async () => {
      await cache?.delete?.(url).catch(() => false);
    },
  };
}
