/**
 * The model rows of the bad-input matrix in the browser (production build, WASM): every bad model
 * ends in a clear message in the page, the results already on screen stay, and the next good
 * image still classifies, with the bundled model when the bad one was refused. The small ONNX
 * files come from tools/make_bad_models.py.
 */
import { type Page } from '@playwright/test';
import { expect, test } from './test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FIXTURES, IMAGES, Lens, references } from './lens';

const BAD_MODELS = resolve(FIXTURES, 'bad-models');
const BUNDLED = 'RepOpt-VGG tiny (seeded, untrained)';
const GOOD = 'chelsea.png';

interface RefusedRow {
  what: string;
  /** A path under BAD_MODELS, or a function making the file in a scratch folder. */
  file: string | ((dir: string) => string);
  message: RegExp;
}

const REFUSED: RefusedRow[] = [
  {
    what: 'a file that is not ONNX',
    file: () => resolve(IMAGES, 'not-a-model.onnx'),
    message:
      /^Could not load not-a-model\.onnx: This file is not an ONNX model \(looks like text\)\./,
  },
  {
    what: 'a truncated ONNX (the bundled model cut in half)',
    file: (dir) => {
      const bytes = readFileSync(resolve(import.meta.dirname, '../models/repopt-tiny.onnx'));
      const path = join(dir, 'repopt-tiny-half.onnx');
      writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
      return path;
    },
    message:
      /^Could not load repopt-tiny-half\.onnx: The ONNX file is truncated: it ends in the middle of its data \(365 KB read\)\. Download or copy it again\./,
  },
  {
    what: 'an input of another size, [1, 3, 32, 32]',
    file: 'shape-32.onnx',
    message:
      /^Could not load shape-32\.onnx: Input "input" has a fixed size \[1, 3, 32, 32\], but the preprocessing crops 224x224\./,
  },
  {
    what: 'a channels-last input, [1, 224, 224, 3]',
    file: 'nhwc.onnx',
    message:
      /^Could not load nhwc\.onnx: Input "input" has shape \[1, 224, 224, 3\], channels last \(NHWC\); RepOpt Lens feeds NCHW \[N, 3, H, W\]\./,
  },
  {
    what: 'a non-image input, int64 [1, 16]',
    file: 'int64-input.onnx',
    message:
      /^Could not load int64-input\.onnx: Input "input" is int64 \[1, 16\], not an image: RepOpt Lens feeds float32 images \[N, 3, 224, 224\]\./,
  },
  {
    what: 'an operator the backend lacks (com.example:Foo)',
    file: 'custom-op.onnx',
    message:
      /^Could not load custom-op\.onnx: The model uses an operator that onnxruntime-web does not implement: com\.example:Foo\. Re-export it with standard ONNX operators\./,
  },
  // Issue 12: models that would load and then fail every image are refused at load time.
  {
    what: 'an int64 output',
    file: 'int64-output.onnx',
    message:
      /^Could not load int64-output\.onnx: Output "logits" is int64 \[N, 1000\], not class scores: RepOpt Lens reads float32 logits or probabilities \[N, classes\]\./,
  },
  {
    what: 'a single output named "features"',
    file: 'features-only.onnx',
    message:
      /^Could not load features-only\.onnx: The model's only output is "features" \[N, 3\]: features, not class scores\./,
  },
  {
    what: '0 classes',
    file: 'classes-0.onnx',
    message:
      /^Could not load classes-0\.onnx: Output "logits" has 0 classes: there is nothing to rank\./,
  },
  {
    what: '1 class',
    file: 'classes-1.onnx',
    message:
      /^Could not load classes-1\.onnx: Output "logits" has 1 class: a single score is always 100 %, so there is nothing to rank\./,
  },
  {
    what: 'NaN weights',
    file: 'nan-weights.onnx',
    message:
      /^Could not load nan-weights\.onnx: The model answers non-finite scores \(7 of 1000 values in "logits" are NaN\) for test images at load time/,
  },
  {
    what: 'a model too large for the browser (a 4.29 GB tensor at the warm-up run)',
    file: 'huge.onnx',
    message:
      /^Could not load huge\.onnx: The model needs more memory than the browser gives WebAssembly \(4 GiB at most\), shared by its weights and every tensor it computes; it ran out while running \(the file is 16 KB\)\. Try an fp16 export \(convert --fp16 halves the weights\) or a smaller model\. \(std::bad_alloc\)/,
  },
];

async function expectGoodImageClassifies(lens: Lens, count: { results: number }): Promise<void> {
  await lens.pickImages(GOOD);
  count.results++;
  const result = lens.lastResult(GOOD);
  await lens.expectTop5(result, references.images[GOOD]!.top5, `${GOOD} after the bad model`);
  await expect(result).toContainText(BUNDLED.split(' (')[0]!);
  await expect(lens.results).toHaveCount(count.results);
}

test.describe('bad-input matrix: models', () => {
  test.describe.configure({ mode: 'serial' });
  let page: Page;
  let lens: Lens;
  let dir: string;
  const count = { results: 0 };

  test.beforeAll(async ({ browser }) => {
    dir = mkdtempSync(join(tmpdir(), 'lens-bad-models-'));
    page = await browser.newPage();
    lens = new Lens(page);
    await lens.openReady('?model=repopt-tiny-seeded');
    // One result on screen before the first bad model: it must survive all of them.
    await expectGoodImageClassifies(lens, count);
  });
  test.afterAll(async () => {
    await page.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const row of REFUSED) {
    test(`${row.what}: refused with a clear message, the bundled model goes on`, async () => {
      const path = typeof row.file === 'string' ? resolve(BAD_MODELS, row.file) : row.file(dir);
      await lens.pickModel(path);
      await expect(lens.status).toHaveAttribute('data-status', 'error');
      const error = page.getByTestId('model-error');
      await expect(error).toHaveText(row.message);
      await expect(error).toContainText(`Still classifying with ${BUNDLED}.`);
      console.log(`${row.what}: ${await error.textContent()}`);
      await expectGoodImageClassifies(lens, count);
    });
  }

  for (const classes of [1001, 10]) {
    test(`${classes} outputs: loads with a label warning, every class shown as "class N"`, async () => {
      await lens.pickModel(resolve(BAD_MODELS, `classes-${classes}.onnx`));
      await lens.waitReady();
      const warning = `The model has ${classes} classes but the labels list 1000; labels that do not match the classes would mislead, so every class is shown as "class N".`;
      await expect(lens.status).toContainText(warning);
      console.log(`${classes} outputs: ${await lens.status.textContent()}`);
      await lens.pickImages(GOOD);
      count.results++;
      const result = lens.lastResult(GOOD);
      await expect(result).toHaveAttribute('data-status', 'done');
      await expect(result).toContainText(`classes-${classes}.onnx`);
      const top5 = await result.getByTestId('top5-row').evaluateAll((rows) =>
        rows.map((r) => ({
          index: Number(r.getAttribute('data-class-index')),
          label: r.getAttribute('data-label'),
        })),
      );
      expect(top5).toHaveLength(5);
      // Labels that do not match the class count are not applied: "class N" everywhere.
      const expected = top5.map((p) => ({ index: p.index, label: `class ${p.index}` }));
      expect(top5).toEqual(expected);
      expect(top5.every((p) => p.index < classes)).toBe(true);
      // The 1001-class model's bias makes the unlabelled class 1000 its top-1.
      if (classes === 1001) expect(top5[0]).toEqual({ index: 1000, label: 'class 1000' });
      await expect(lens.results).toHaveCount(count.results);
      // Back to the bundled model, which classifies as PyTorch does.
      await page.getByTestId('model-select').selectOption('repopt-tiny-seeded');
      await lens.waitReady();
      await expect(lens.status).not.toContainText('labels list');
      await expectGoodImageClassifies(lens, count);
    });
  }
});

test.describe('models whose scores need care (probabilities as output, few classes)', () => {
  /** The model's own output for GOOD, from onnxruntime-node on the Node decoder's crop. */
  async function ownOutput(model: string, name: string): Promise<Float32Array> {
    const ort = await import('onnxruntime-node');
    const { decodeBytes } = await import('../src/node/decode-node');
    const { PRESETS, preprocess } = await import('../src/core/preprocess/preprocess');
    const { image } = await decodeBytes(new Uint8Array(readFileSync(resolve(IMAGES, GOOD))));
    const { tensor } = preprocess(image, PRESETS['torchvision-256-224']);
    const session = await ort.InferenceSession.create(resolve(BAD_MODELS, model));
    const out = await session.run({ input: new ort.Tensor('float32', tensor, [1, 3, 224, 224]) });
    await session.release();
    return out[name]!.data as Float32Array;
  }
  const rows = (result: ReturnType<Lens['lastResult']>) =>
    result.getByTestId('top5-row').evaluateAll((els) =>
      els.map((r) => ({
        index: Number(r.getAttribute('data-class-index')),
        probability: Number(r.getAttribute('data-probability')),
      })),
    );

  test("a final Softmax: the model's own probabilities, said so; 3 classes: 3 rows, said so", async ({
    page,
    lens,
  }) => {
    await lens.openReady('?model=repopt-tiny-seeded');
    await lens.pickModel(resolve(BAD_MODELS, 'softmax.onnx'));
    await lens.waitReady();
    await expect(page.getByTestId('model-notes')).toContainText(
      'The model outputs probabilities (its graph ends in Softmax)',
    );
    await lens.pickImages(GOOD);
    const result = lens.lastResult(GOOD);
    await expect(result).toHaveAttribute('data-status', 'done');
    await expect(result.getByTestId('score-note')).toContainText('not softmaxed again');
    const own = await ownOutput('softmax.onnx', 'probabilities');
    const expected = Array.from(own, (p, i) => ({ p, i }))
      .sort((a, b) => b.p - a.p)
      .slice(0, 5);
    const shown = await rows(result);
    expect(shown.map((r) => r.index)).toEqual(expected.map((e) => e.i));
    shown.forEach((r, k) => expect(Math.abs(r.probability - expected[k]!.p)).toBeLessThan(1e-5));

    await lens.pickModel(resolve(BAD_MODELS, 'classes-3.onnx'));
    await lens.waitReady();
    await expect(page.getByTestId('model-notes')).toContainText(
      'The model has 3 classes: every result lists all 3 instead of a top 5.',
    );
    await lens.pickImages(GOOD);
    const three = lens.lastResult(GOOD);
    await expect(three).toContainText('classes-3.onnx');
    await expect(three.getByTestId('top5-row')).toHaveCount(3);
  });
});

test.describe('bad-input matrix: model URLs', () => {
  // The app's Content-Security-Policy lets models come from https: URLs only (besides its own
  // origin), so the CORS server speaks https with a self-signed certificate for 127.0.0.1 (made
  // once with openssl, test only) that this browser context is told to accept.
  test.use({ ignoreHTTPSErrors: true });
  let server: Server;
  let port: number;
  let hits = 0;

  test.beforeAll(async () => {
    // A model server on another origin that sends no CORS headers: the browser must refuse it.
    const bytes = readFileSync(resolve(import.meta.dirname, '../models/repopt-tiny.onnx'));
    const tls = {
      key: readFileSync(resolve(BAD_MODELS, 'test-only-127.0.0.1.key')),
      cert: readFileSync(resolve(BAD_MODELS, 'test-only-127.0.0.1.crt')),
    };
    server = createServer(tls, (req, res) => {
      hits++;
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(bytes.length),
      });
      res.end(req.method === 'HEAD' ? undefined : bytes);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    port = (server.address() as AddressInfo).port;
  });
  test.afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  async function expectRecovers(page: Page): Promise<void> {
    const lens = new Lens(page);
    await page.getByTestId('model-select').selectOption('repopt-tiny-seeded');
    await lens.waitReady();
    await lens.pickImages(GOOD);
    await lens.expectTop5(lens.lastResult(GOOD), references.images[GOOD]!.top5, GOOD);
  }

  test('a URL that 404s: the status says so, then the bundled model works', async ({
    page,
    lens,
  }) => {
    await lens.open('?model=/models/nope.onnx');
    await expect(lens.status).toHaveAttribute('data-status', 'error');
    const error = page.getByTestId('model-error');
    await expect(error).toHaveText(
      /^Could not load nope\.onnx: Could not download the model from http:\/\/localhost:\d+\/models\/nope\.onnx: HTTP 404/,
    );
    console.log(`404: ${await error.textContent()}`);
    await expectRecovers(page);
  });

  test('a URL blocked by CORS: the status says so, then the bundled model works', async ({
    page,
    lens,
  }) => {
    const url = `https://127.0.0.1:${port}/x.onnx`;
    hits = 0;
    await lens.open(`?model=${encodeURIComponent(url)}`);
    await expect(lens.status).toHaveAttribute('data-status', 'error');
    const error = page.getByTestId('model-error');
    await expect(error).toHaveText(
      new RegExp(
        `^Could not load x\\.onnx: Could not download the model from ${url.replace(/\./g, '\\.')}: network error or blocked by CORS`,
      ),
    );
    console.log(`CORS: ${await error.textContent()}`);
    // The server was reached: the browser itself refused the answer (no Access-Control-Allow-Origin).
    expect(hits).toBeGreaterThan(0);
    await expectRecovers(page);
  });
});
