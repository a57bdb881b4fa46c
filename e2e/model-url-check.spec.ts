/**
 * Issue 20, finding 5, in the browser: a `?model=` URL serving a large file that is not a model is
 * refused from its first bytes (the download stops there), and one whose Content-Length is over
 * the browser's single-file limit is refused before a byte is read. The server (https on
 * 127.0.0.1 with CORS: the app's CSP allows https: model URLs only) counts what it sent.
 */
import { expect, test } from './test';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { FIXTURES } from './lens';

const BAD_MODELS = resolve(FIXTURES, 'bad-models');
const LARGE = 256 * 2 ** 20;
const PAGE = Buffer.from('<!doctype html><html><head><title>App</title></head>\n'.repeat(1260));

test.use({ ignoreHTTPSErrors: true });

let server: Server;
let base = '';
const sent = new Map<string, number>();
test.beforeAll(async () => {
  const tls = {
    key: readFileSync(resolve(BAD_MODELS, 'test-only-127.0.0.1.key')),
    cert: readFileSync(resolve(BAD_MODELS, 'test-only-127.0.0.1.crt')),
  };
  server = createServer(tls, (req, res) => {
    const path = req.url ?? '/';
    const cors = { 'Access-Control-Allow-Origin': '*' };
    if (path === '/huge.onnx') {
      res.writeHead(200, { ...cors, 'Content-Length': String(3e9) });
      sent.set(path, 0);
      if (req.method === 'HEAD') res.end();
      else res.flushHeaders(); // nothing follows: only the length can refuse it
      return;
    }
    if (path !== '/page.onnx') {
      res.writeHead(404, cors);
      res.end();
      return;
    }
    res.writeHead(200, { ...cors, 'Content-Type': 'text/html', 'Content-Length': String(LARGE) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    let at = 0;
    const pump = () => {
      while (at < LARGE && !res.destroyed) {
        const n = Math.min(PAGE.length, LARGE - at);
        at += n;
        sent.set(path, at);
        if (!res.write(PAGE.subarray(0, n))) {
          res.once('drain', pump);
          return;
        }
      }
      if (at >= LARGE) res.end();
    };
    pump();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

test('a large URL that is not a model is refused from its first bytes', async ({ page, lens }) => {
  await lens.open(`?model=${encodeURIComponent(`${base}/page.onnx`)}`);
  await expect(lens.status).toHaveAttribute('data-status', 'error');
  await expect(page.getByTestId('model-error')).toContainText(
    'This file is not an ONNX model (looks like an HTML page).',
  );
  // Socket buffers' worth, not the 256 MiB the server would send.
  expect(sent.get('/page.onnx')!).toBeLessThan(32 * 2 ** 20);
});

test('a URL whose Content-Length is over the browser limit is refused before reading', async ({
  page,
  lens,
}) => {
  await lens.open(`?model=${encodeURIComponent(`${base}/huge.onnx`)}`);
  await expect(lens.status).toHaveAttribute('data-status', 'error');
  await expect(page.getByTestId('model-error')).toContainText(
    'The model file is 3000 MB: more than the browser can load as one file',
  );
});
