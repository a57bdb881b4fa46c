/**
 * Issue 12, row 17: a `?model=` URL is kept in Cache Storage only once it loaded as a model. The
 * engine (onnxruntime-node) loads from a real HTTP server through the worker's `fetchModel` with
 * an in-memory Cache Storage: a URL answering with the service worker, index.html or an SPA
 * fallback page is refused and leaves no entry; the real model is cached; a cached copy that no
 * longer loads (written by an older version) is removed when it fails.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchModel, MODEL_CACHE, type ModelCacheStorage } from '../src/worker/fetch-model';
import { testEngine } from './helpers/engine';
import { lensRejection } from './helpers/errors';
import { TINY_MODEL } from './helpers/fixtures';

class MemoryCaches implements ModelCacheStorage {
  readonly entries = new Map<string, Response>();
  open(name: string) {
    expect(name).toBe(MODEL_CACHE);
    const key = (r: RequestInfo | URL) =>
      typeof r === 'string' ? r : r instanceof URL ? r.href : r.url;
    return Promise.resolve({
      match: (r: RequestInfo | URL) => Promise.resolve(this.entries.get(key(r))?.clone()),
      put: async (r: RequestInfo | URL, response: Response) => {
        const body = await response.arrayBuffer();
        this.entries.set(key(r), new Response(body, { headers: response.headers }));
      },
      delete: (r: RequestInfo | URL) => Promise.resolve(this.entries.delete(key(r))),
    });
  }
}

const PAGES: Record<string, [string, string | Uint8Array]> = {
  '/sw.js': ['text/javascript', 'self.addEventListener("fetch", () => {});\n'],
  '/index.html': ['text/html', '<!doctype html><html><body><div id="root"></div></body></html>'],
  '/models/tiny.onnx': ['application/octet-stream', new Uint8Array(readFileSync(TINY_MODEL))],
};

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    // An SPA host answers every unknown path with its index page and 200.
    const [type, body] = PAGES[req.url ?? ''] ?? PAGES['/index.html']!;
    res.writeHead(200, { 'Content-Type': type, ETag: '"1"' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

describe('the model cache keeps only models (row 17)', () => {
  it('refused URLs leave no entry; the model that loads is cached', async () => {
    const storage = new MemoryCaches();
    const engine = testEngine({ fetchModel: (u, p, s, o) => fetchModel(u, p, s, storage, o) });
    for (const path of ['/sw.js', '/index.html', '/models/missing.onnx']) {
      const e = await lensRejection(
        engine.load({ source: { type: 'url', url: base + path, name: path }, backend: 'wasm' }),
      );
      expect(e.code, path).toBe('not-a-model');
      expect(storage.entries.size, path).toBe(0);
    }
    const url = `${base}/models/tiny.onnx`;
    await engine.load({ source: { type: 'url', url, name: 'tiny' }, backend: 'wasm' });
    expect([...storage.entries.keys()]).toEqual([url]);
    await engine.dispose();
  });

  it('a cached copy that does not load is removed', async () => {
    const storage = new MemoryCaches();
    const url = `${base}/models/tiny.onnx`;
    // What an older version cached: an HTML page under the model's URL, fingerprint matching.
    const fingerprintOf = async () => {
      const head = await fetch(url, { method: 'HEAD' });
      return `${head.headers.get('Content-Length') ?? ''}|${head.headers.get('Last-Modified') ?? ''}|${head.headers.get('ETag') ?? ''}`;
    };
    storage.entries.set(
      url,
      new Response('<!doctype html>', { headers: { 'X-Lens-Fingerprint': await fingerprintOf() } }),
    );
    const engine = testEngine({ fetchModel: (u, p, s, o) => fetchModel(u, p, s, storage, o) });
    const e = await lensRejection(
      engine.load({ source: { type: 'url', url, name: 'tiny' }, backend: 'wasm' }),
    );
    expect(e.code).toBe('not-a-model');
    expect(storage.entries.size).toBe(0);
    // The next try downloads the real model and keeps it.
    await engine.load({ source: { type: 'url', url, name: 'tiny' }, backend: 'wasm' });
    expect(storage.entries.size).toBe(1);
    await engine.dispose();
  });
});
