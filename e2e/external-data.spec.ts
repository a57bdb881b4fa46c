/**
 * Issue 12, row 15, in the browser: a `?model=` URL of a model saved with ONNX external data
 * loads with its data file fetched beside it (onnxruntime-web gets it as externalData) and ranks
 * exactly as the same model saved as one file; without the data file the page names it. The
 * model server is https on 127.0.0.1 with CORS (the app's CSP allows https: model URLs only).
 */
import { expect, test } from './test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FIXTURES, Lens } from './lens';

const BAD_MODELS = resolve(FIXTURES, 'bad-models');
const GOOD = 'chelsea.png';

test.use({ ignoreHTTPSErrors: true });

let server: Server;
let base = '';
let dir = '';
test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lens-external-e2e-'));
  const made = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      `import onnx, sys
m = onnx.load(sys.argv[1])
onnx.save_model(m, sys.argv[2] + '/ext.onnx', save_as_external_data=True, all_tensors_to_one_file=True, location='ext.onnx.data', size_threshold=0)
m = onnx.load(sys.argv[1])
onnx.save_model(m, sys.argv[2] + '/lonely.onnx', save_as_external_data=True, all_tensors_to_one_file=True, location='lonely.onnx.data', size_threshold=0)`,
      resolve(BAD_MODELS, 'classes-10.onnx'),
      dir,
    ],
    { encoding: 'utf8' },
  );
  expect(made.status, made.stderr).toBe(0);
  const tls = {
    key: readFileSync(resolve(BAD_MODELS, 'test-only-127.0.0.1.key')),
    cert: readFileSync(resolve(BAD_MODELS, 'test-only-127.0.0.1.crt')),
  };
  server = createServer(tls, (req, res) => {
    const name = (req.url ?? '/').slice(1);
    const file = ['ext.onnx', 'ext.onnx.data', 'lonely.onnx'].includes(name)
      ? join(dir, name)
      : null;
    if (!file) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' });
      res.end();
      return;
    }
    const bytes = readFileSync(file);
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(bytes.length),
      'Access-Control-Allow-Origin': '*',
    });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

const rows = (lens: Lens) =>
  lens
    .lastResult(GOOD)
    .getByTestId('top5-row')
    .evaluateAll((els) =>
      els.map((r) => [r.getAttribute('data-class-index'), r.getAttribute('data-probability')]),
    );

test('a URL model with its data file beside it ranks as the single-file model', async ({
  lens,
}) => {
  await lens.openReady('?model=repopt-tiny-seeded');
  await lens.pickModel(resolve(BAD_MODELS, 'classes-10.onnx'));
  await lens.waitReady();
  await lens.pickImages(GOOD);
  await expect(lens.lastResult(GOOD)).toContainText('classes-10.onnx');
  const single = await rows(lens);

  await lens.open(`?model=${encodeURIComponent(`${base}/ext.onnx`)}`);
  await lens.waitReady();
  await lens.pickImages(GOOD);
  await expect(lens.lastResult(GOOD)).toContainText('ext.onnx');
  expect(await rows(lens)).toEqual(single);
});

test('without its data file, the page names the missing file', async ({ page, lens }) => {
  await lens.open(`?model=${encodeURIComponent(`${base}/lonely.onnx`)}`);
  await expect(lens.status).toHaveAttribute('data-status', 'error');
  await expect(page.getByTestId('model-error')).toContainText(`${base}/lonely.onnx.data: HTTP 404`);
});

test('the model input takes the .onnx and its data file together; the .onnx alone names the missing file', async ({
  page,
  lens,
}) => {
  await lens.openReady('?model=repopt-tiny-seeded');
  await lens.pickModel(resolve(BAD_MODELS, 'classes-10.onnx'));
  await lens.waitReady();
  await lens.pickImages(GOOD);
  await expect(lens.lastResult(GOOD)).toContainText('classes-10.onnx');
  const single = await rows(lens);

  await page
    .getByTestId('model-input')
    .setInputFiles([join(dir, 'ext.onnx'), join(dir, 'ext.onnx.data')]);
  await lens.waitReady();
  await expect(lens.status).toContainText('ext.onnx');
  await lens.pickImages(GOOD);
  await expect(lens.lastResult(GOOD)).toContainText('ext.onnx');
  expect(await rows(lens)).toEqual(single);

  await lens.pickModel(join(dir, 'lonely.onnx'));
  await expect(lens.status).toHaveAttribute('data-status', 'error');
  await expect(page.getByTestId('model-error')).toContainText(
    'The model keeps its weights in a separate file (ONNX external data: "lonely.onnx.data"), which was not given with it',
  );
  await expect(page.getByTestId('model-error')).toContainText('Still classifying with ext.onnx.');
});
