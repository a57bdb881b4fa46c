/**
 * Issue 20, finding 5: a `?model=` URL that is not a model, or too large for the browser, is
 * refused from its first bytes or its Content-Length, not after the whole download. Real HTTP
 * (127.0.0.1, ephemeral port) through the worker's `fetchModel` and the engine that loads it; the
 * server counts what it managed to send before the client hung up.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MODEL_FILE_BYTES } from '../src/core/inference/model-io';
import { fetchModel, fetchWithProgress } from '../src/worker/fetch-model';
import { testEngine } from './helpers/engine';
import { lensRejection } from './helpers/errors';
import { TINY_MODEL } from './helpers/fixtures';

const CHUNK = 64 * 1024;
/** A "large" body: 256 MiB if it were all sent (it is streamed, never held). */
const LARGE = 256 * 2 ** 20;

let server: Server;
let base = '';
/** Bytes written per path before the response ended or the client went away. */
const sent = new Map<string, number>();
const closed = new Map<string, Promise<void>>();

/** Streams `total` bytes of `body` repeated, 64 KiB at a time, counting what went out. */
function stream(res: ServerResponse, path: string, total: number, body: Uint8Array): void {
  let at = 0;
  let done = () => {};
  closed.set(path, new Promise<void>((ok) => (done = ok)));
  res.on('close', () => done());
  const pump = () => {
    while (at < total && !res.destroyed) {
      const n = Math.min(CHUNK, total - at);
      const chunk = new Uint8Array(n);
      for (let i = 0; i < n; i++) chunk[i] = body[(at + i) % body.length]!;
      at += n;
      sent.set(path, at);
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (at >= total) res.end();
  };
  pump();
}

const HTML = new TextEncoder().encode('<!doctype html><html><head><title>App</title></head>\n');
const model = new Uint8Array(readFileSync(TINY_MODEL));

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    if (path === '/huge.onnx') {
      // Claims 3 GB; sends nothing unless asked twice.
      res.writeHead(200, { 'Content-Length': String(3e9) });
      sent.set(path, 0);
      let done = () => {};
      closed.set(path, new Promise<void>((ok) => (done = ok)));
      res.on('close', () => done());
      res.flushHeaders();
      return;
    }
    if (path === '/page.html' || path === '/chunked.html') {
      res.writeHead(
        200,
        path === '/page.html'
          ? { 'Content-Type': 'text/html', 'Content-Length': String(LARGE) }
          : { 'Content-Type': 'text/html' },
      );
      stream(res, path, LARGE, HTML);
      return;
    }
    if (path === '/tiny.onnx') {
      res.writeHead(200, { 'Content-Length': String(model.length) });
      stream(res, path, model.length, model);
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
);

const none = () => {};

describe('model downloads are checked before they are read (finding 5)', () => {
  it('a Content-Length over the browser limit is refused before any byte is read', async () => {
    expect(3e9).toBeGreaterThan(MAX_MODEL_FILE_BYTES);
    const progress: number[] = [];
    const e = await lensRejection(
      fetchModel(`${base}/huge.onnx`, (l) => progress.push(l), undefined, null, { kind: 'model' }),
    );
    expect(e.code).toBe('model-load-failed');
    expect(e.message).toMatch(
      /^The model file is 3000 MB: more than the browser can load as one file .* It was not downloaded\./,
    );
    expect(progress).toEqual([]);
    await closed.get('/huge.onnx'); // the client hung up
  });

  for (const path of ['/page.html', '/chunked.html']) {
    it(`a large file that is not a model is refused from its first bytes (${path})`, async () => {
      const e = await lensRejection(
        fetchModel(`${base}${path}`, none, undefined, null, { kind: 'model' }),
      );
      expect(e.code).toBe('not-a-model');
      expect(e.message).toBe('This file is not an ONNX model (looks like an HTML page).');
      await closed.get(path);
      // What the server wrote before the client hung up: socket buffers, not the 256 MiB.
      expect(sent.get(path)!).toBeLessThan(16 * 2 ** 20);
    });
  }

  it('a model passes the checks byte for byte; other downloads are not checked', async () => {
    const fetched = await fetchModel(`${base}/tiny.onnx`, none, undefined, null, {
      kind: 'model',
    });
    expect(Buffer.compare(fetched.bytes, model)).toBe(0);
    // fetchWithProgress without a kind (tools, external data) keeps reading an HTML page.
    const controller = new AbortController();
    let seen = 0;
    const all = fetchWithProgress(
      `${base}/chunked.html`,
      (loaded) => {
        seen = loaded;
        if (loaded > 4 * 2 ** 20) controller.abort();
      },
      controller.signal,
    );
    expect((await lensRejection(all)).code).toBe('aborted');
    expect(seen).toBeGreaterThan(4 * 2 ** 20);
  });

  it('the engine refuses such a URL with the same message, and the next model loads', async () => {
    const engine = testEngine({
      fetchModel: (u, p, s, o) => fetchModel(u, p, s, null, o),
    });
    const e = await lensRejection(
      engine.load({
        source: { type: 'url', url: `${base}/page.html`, name: 'page' },
        backend: 'wasm',
      }),
    );
    expect(e.code).toBe('not-a-model');
    expect(e.message).toBe('This file is not an ONNX model (looks like an HTML page).');
    const info = await engine.load({
      source: { type: 'url', url: `${base}/tiny.onnx`, name: 'tiny' },
      backend: 'wasm',
    });
    expect(info.numClasses).toBeGreaterThan(0);
    await engine.dispose();
  });
});
