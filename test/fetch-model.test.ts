/**
 * Model downloads against a real HTTP server (127.0.0.1, ephemeral port) with an in-memory Cache
 * Storage: cancelling midway leaves nothing cached, complete downloads are cached with the
 * server's fingerprint and reused while it matches, re-downloaded when it changes, used offline,
 * and failures and progress are reported as the page shows them.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fetchModelCached,
  fetchWithProgress,
  MODEL_CACHE,
  type ModelCacheStorage,
} from '../src/worker/fetch-model';
import { lensRejection } from './helpers/errors';

const SIZE = 5 * 1024 * 1024 + 123; // several progress reports (one per MiB) and a ragged end
const CHUNK = 64 * 1024;

/** Cache Storage in memory: what `caches` does, for the two calls the module makes. */
class MemoryCaches implements ModelCacheStorage {
  readonly stores = new Map<string, Map<string, Response>>();
  open(name: string) {
    const entries = this.stores.get(name) ?? new Map<string, Response>();
    this.stores.set(name, entries);
    const key = (request: RequestInfo | URL) =>
      typeof request === 'string' ? request : request instanceof URL ? request.href : request.url;
    return Promise.resolve({
      match: (request: RequestInfo | URL) => Promise.resolve(entries.get(key(request))?.clone()),
      put: async (request: RequestInfo | URL, response: Response) => {
        // Like the real one: the body is read completely before the entry exists.
        const body = await response.arrayBuffer();
        entries.set(key(request), new Response(body, { headers: response.headers }));
      },
    });
  }
  get models(): Map<string, Response> {
    return this.stores.get(MODEL_CACHE) ?? new Map<string, Response>();
  }
}

function modelBytes(version: number): Uint8Array {
  const bytes = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) bytes[i] = (i * 31 + version * 7) & 255;
  return bytes;
}

interface TestServer {
  url: string;
  version: number;
  gets: number;
  heads: number;
  /** Milliseconds between 64 KiB chunks (0: as fast as the socket takes them). */
  delayMs: number;
  /** Resolves when a GET has sent its first chunk. */
  firstChunk: Promise<void>;
  close(): Promise<void>;
}

async function startServer(): Promise<TestServer> {
  let firstChunkSent = () => {};
  const state: TestServer = {
    url: '',
    version: 1,
    gets: 0,
    heads: 0,
    delayMs: 0,
    firstChunk: new Promise<void>((ok) => (firstChunkSent = ok)),
    close: () => Promise.resolve(),
  };
  const trickle = async (res: ServerResponse, body: Uint8Array) => {
    for (let at = 0; at < body.length && !res.destroyed; at += CHUNK) {
      res.write(body.subarray(at, at + CHUNK));
      firstChunkSent();
      await new Promise((ok) => setTimeout(ok, state.delayMs));
    }
    res.end();
  };
  const server: Server = createServer((req, res) => {
    if (req.url !== '/model.onnx') {
      res.writeHead(404, 'Not Found', { 'Content-Type': 'text/plain' });
      res.end('no such model');
      return;
    }
    const body = modelBytes(state.version);
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(body.length),
      ETag: `"v${state.version}"`,
      'Last-Modified': new Date(Date.UTC(2026, 10, state.version)).toUTCString(),
    });
    if (req.method === 'HEAD') {
      state.heads++;
      res.end();
      return;
    }
    state.gets++;
    void trickle(res, body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    });
  return state;
}

/** Byte equality without a deep compare of millions of elements (which takes seconds). */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.byteLength).toBe(expected.byteLength);
  expect(Buffer.compare(actual, expected)).toBe(0);
}

describe('model downloads', () => {
  let server: TestServer;
  let storage: MemoryCaches;
  const noProgress = () => {};

  beforeEach(async () => {
    server = await startServer();
    storage = new MemoryCaches();
  });
  afterEach(() => server.close());

  it('cancelling midway rejects with "aborted" and caches nothing', async () => {
    server.delayMs = 20; // 5 MiB at 64 KiB per 20 ms: about 1.7 s, cancelled after the first chunk
    const controller = new AbortController();
    const progress: number[] = [];
    const download = fetchModelCached(
      `${server.url}/model.onnx`,
      (loaded) => progress.push(loaded),
      controller.signal,
      storage,
    );
    await server.firstChunk;
    controller.abort();
    const error = await lensRejection(download);
    expect(error.code).toBe('aborted');
    expect(error.message).toBe('The model download was cancelled.');
    expect(progress.every((n) => n < SIZE)).toBe(true);
    expect(storage.models.size).toBe(0);
    // And the next attempt downloads it whole (nothing half-written is reused).
    server.delayMs = 0;
    const bytes = await fetchModelCached(
      `${server.url}/model.onnx`,
      noProgress,
      undefined,
      storage,
    );
    expectBytes(bytes, modelBytes(1));
    expect(server.gets).toBe(2);
  });

  it('cancelling before the answer arrives rejects with "aborted" too', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await lensRejection(
      fetchModelCached(`${server.url}/model.onnx`, noProgress, controller.signal, storage),
    );
    expect(error.code).toBe('aborted');
    expect(storage.models.size).toBe(0);
  });

  it('caches a complete download with its fingerprint and reuses it while the HEAD matches', async () => {
    const url = `${server.url}/model.onnx`;
    const first = await fetchModelCached(url, noProgress, undefined, storage);
    expectBytes(first, modelBytes(1));
    const entry = storage.models.get(url)!;
    expect(entry.headers.get('X-Lens-Fingerprint')).toBe(
      `${SIZE}|${new Date(Date.UTC(2026, 10, 1)).toUTCString()}|"v1"`,
    );
    expect(entry.headers.get('Content-Length')).toBe(String(SIZE));

    const progress: [number, number | null][] = [];
    const again = await fetchModelCached(url, (l, t) => progress.push([l, t]), undefined, storage);
    expectBytes(again, first);
    expect(server.heads).toBe(1);
    expect(server.gets).toBe(1); // not downloaded again
    expect(progress).toEqual([[SIZE, SIZE]]);
  });

  it('downloads again when the server copy changed', async () => {
    const url = `${server.url}/model.onnx`;
    await fetchModelCached(url, noProgress, undefined, storage);
    server.version = 2;
    const bytes = await fetchModelCached(url, noProgress, undefined, storage);
    expectBytes(bytes, modelBytes(2));
    expect(server.gets).toBe(2);
    expect(storage.models.get(url)!.headers.get('X-Lens-Fingerprint')).toContain('"v2"');
    expectBytes(new Uint8Array(await storage.models.get(url)!.arrayBuffer()), modelBytes(2));
  });

  it('uses the cached copy offline (server gone)', async () => {
    const url = `${server.url}/model.onnx`;
    await fetchModelCached(url, noProgress, undefined, storage);
    await server.close();
    const bytes = await fetchModelCached(url, noProgress, undefined, storage);
    expectBytes(bytes, modelBytes(1));
    // Without a cached copy, offline is a clear failure.
    const error = await lensRejection(
      fetchModelCached(url, noProgress, undefined, new MemoryCaches()),
    );
    expect(error.code).toBe('model-fetch-failed');
    expect(error.message).toMatch(
      new RegExp(`^Could not download the model from ${url}: network error or blocked by CORS`),
    );
  });

  it('HTTP 404 is "model-fetch-failed" with the status, and nothing is cached', async () => {
    const url = `${server.url}/nope.onnx`;
    const error = await lensRejection(fetchModelCached(url, noProgress, undefined, storage));
    expect(error.code).toBe('model-fetch-failed');
    expect(error.message).toBe(`Could not download the model from ${url}: HTTP 404 Not Found.`);
    expect(storage.models.size).toBe(0);
    const plain = await lensRejection(fetchWithProgress(url, noProgress));
    expect(plain.message).toBe(error.message);
  });

  it('reports progress monotonically, ending at the total', async () => {
    const progress: [number, number | null][] = [];
    const bytes = await fetchWithProgress(`${server.url}/model.onnx`, (l, t) =>
      progress.push([l, t]),
    );
    expectBytes(bytes, modelBytes(1));
    expect(progress.length).toBeGreaterThanOrEqual(5); // one per MiB at least, and the end
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]![0]).toBeGreaterThan(progress[i - 1]![0]);
    expect(progress.every(([, total]) => total === SIZE)).toBe(true);
    expect(progress.at(-1)).toEqual([SIZE, SIZE]);
  });
});
