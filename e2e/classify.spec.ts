import { expect, test } from './test';
import { PROB_TOL } from './tolerances';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { convertStateDict } from '../src/core/convert';
import { seededStateDict } from '../src/core/convert/seeded';
import { softmax, topK } from '../src/core/inference/postprocess';
import { PRESETS, preprocess } from '../src/core/preprocess/preprocess';
import { decodeBytes } from '../src/node/decode-node';
import { IMAGES, Lens, references } from './lens';

const ROOT = resolve(import.meta.dirname, '..');
const photos = Object.keys(references.images).filter(
  (n) => !n.includes('#') && n !== 'exif-rotated.jpg',
);

test.describe('classify fixture photos with the tiny model (WASM)', () => {
  test('the page is cross-origin isolated and WASM runs with 2 threads', async ({ page, lens }) => {
    await lens.open();
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    await lens.waitReady();
    await expect(lens.status).toHaveAttribute('data-backend', 'wasm');
    await expect(lens.status).toContainText('WASM, 2 threads');
    await expect(lens.status).toContainText('WebGPU:');
  });

  test('every fixture picked at once: top-5 equals PyTorch within PROB_TOL, crop bit-identical', async ({
    lens,
  }) => {
    await lens.openReady();
    await lens.pickImages(...photos);
    await expect(lens.results).toHaveCount(photos.length);
    for (const name of photos) {
      await lens.expectMatchesPyTorch(name);
      const crop = references.images[name]!.presets['torchvision-256-224']!.crop_sha256;
      await expect(lens.result(name), `${name} crop`).toHaveAttribute('data-crop-sha256', crop);
    }
    // In order (newest first: the first picked is at the bottom), with labels, timings and the
    // untrained marker shown.
    await expect(lens.oldest()).toHaveAttribute('data-file', photos[0]!);
    await expect(lens.newest()).toHaveAttribute('data-file', photos.at(-1)!);
    const first = lens.result(photos[0]!);
    await expect(first.getByTestId('timings')).toContainText(
      /decode [\d.]+ ms · preprocess [\d.]+ ms · inference [\d.]+ ms · total/,
    );
    await expect(first).toContainText('untrained: for pipeline checks only');
    await expect(first.getByTestId('top5-row')).toHaveCount(5);
  });

  test('drag and drop classifies, and EXIF rotation is applied and reported', async ({ lens }) => {
    await lens.openReady();
    await lens.dropImages('chelsea.png', 'exif-rotated.jpg');
    await lens.expectMatchesPyTorch('chelsea.png');
    await lens.expectMatchesPyTorch('exif-rotated.jpg', 'exif-rotated.jpg#transposed');
    await expect(lens.result('exif-rotated.jpg')).toContainText(
      "PyTorch's default loader does not rotate",
    );
  });

  test('a local .onnx file loads and classifies', async ({ lens }) => {
    await lens.openReady();
    await lens.pickModel(resolve(ROOT, 'models/repopt-tiny.onnx'));
    await expect(lens.status).toHaveAttribute('data-status', 'ready');
    await expect(lens.status).toContainText('repopt-tiny.onnx');
    await lens.pickImages('coffee.png');
    await lens.expectMatchesPyTorch('coffee.png');
  });

  test('?model= selects a model by URL', async ({ lens }) => {
    await lens.openReady('?model=/models/repopt-tiny.onnx');
    await expect(lens.status).toContainText('repopt-tiny.onnx');
  });

  test('the Winograd fast path runs by default; ?fast=0 runs the file as it is, same results', async ({
    page,
    lens,
  }) => {
    await lens.openReady();
    const fast = page.getByTestId('model-fast-path');
    await expect(fast).toHaveAttribute('data-path', 'winograd');
    await expect(fast).toContainText(/Winograd: \d+ of 6 3x3 convolutions/);
    await lens.openReady('?fast=0');
    await expect(fast).toHaveAttribute('data-path', 'direct');
    await expect(fast).toContainText('direct convolutions (fast path off)');
    await lens.pickImages('coffee.png');
    await lens.expectMatchesPyTorch('coffee.png');
    await expect(page.getByTestId('result-fast-path').first()).toHaveText(
      'direct convolutions (fast path off)',
    );
  });

  test('?fastbg=0: the file as it is answers while the fast path is prepared, then Winograd takes over; both as PyTorch', async ({
    page,
    lens,
  }) => {
    await lens.openReady('?fastbg=0&kernels=onnxruntime');
    // Photos picked at once: the first answers before the background work, or during it.
    await lens.pickImages('coffee.png', 'chelsea.png');
    await lens.expectMatchesPyTorch('coffee.png');
    await lens.expectMatchesPyTorch('chelsea.png');
    const lines = page.getByTestId('result-fast-path');
    for (const line of await lines.all())
      await expect(line).toHaveText(
        /^(direct convolutions \(the fast path is being prepared\)|Winograd: \d+ of 6 3x3 convolutions.*)$/,
      );
    const fast = page.getByTestId('model-fast-path');
    await expect(fast).toHaveAttribute('data-path', 'winograd', { timeout: 60_000 });
    await expect(fast).not.toHaveAttribute('data-pending', 'true');
    await lens.pickImages('rocket.jpg');
    await lens.expectMatchesPyTorch('rocket.jpg');
    await expect(lines.first()).toHaveText(/^Winograd: \d+ of 6 3x3 convolutions/);
  });

  test('?fastbg=0 on the lens kernels: every layer as written answers first, then their Winograd session takes over; both as PyTorch', async ({
    page,
    lens,
  }) => {
    await lens.openReady('?fastbg=0');
    await expect(page.getByTestId('model-runner')).toHaveAttribute('data-runner', 'lens');
    await lens.pickImages('coffee.png', 'chelsea.png');
    await lens.expectMatchesPyTorch('coffee.png');
    await lens.expectMatchesPyTorch('chelsea.png');
    const fast = page.getByTestId('model-fast-path');
    await expect(fast).toHaveAttribute('data-path', 'winograd', { timeout: 60_000 });
    await expect(fast).not.toHaveAttribute('data-pending', 'true');
    // The self-check against the first session ran before the swap.
    await expect(fast).toContainText('checked against the file on');
    await expect(page.getByTestId('model-runner')).toHaveAttribute('data-runner', 'lens');
    await lens.pickImages('rocket.jpg');
    await lens.expectMatchesPyTorch('rocket.jpg');
    await expect(page.getByTestId('result-fast-path').first()).toHaveText(
      /^Winograd: \d+ of 6 3x3 convolutions/,
    );
  });

  test('a model with layers at every map size: rewritten in the page, results as the unmodified file in onnxruntime-node', async ({
    page,
  }, testInfo) => {
    // Six stride-1 layers from 56x56 (F4) to 7x7 (F2), U handed to the runtime as external data.
    const { onnx } = convertStateDict(seededStateDict([2, 3, 3, 2], [0.5, 0.5, 0.5, 0.5], 10, 5));
    const file = testInfo.outputPath('seeded-4-stage.onnx');
    writeFileSync(file, onnx);
    const lens = new Lens(page);
    await lens.openReady('?model=repopt-tiny-seeded');
    await lens.pickModel(file);
    await expect(lens.status).toContainText('seeded-4-stage.onnx');
    await expect(lens.status).toHaveAttribute('data-status', 'ready');
    const fast = page.getByTestId('model-fast-path');
    await expect(fast).toHaveAttribute('data-path', 'winograd');
    await expect(fast).toContainText('Winograd: 6 of 11 3x3 convolutions');
    await lens.pickImages('chelsea.png', 'rocket.jpg');
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(onnx);
    for (const name of ['chelsea.png', 'rocket.jpg']) {
      const x = preprocess(
        (await decodeBytes(new Uint8Array(readFileSync(resolve(IMAGES, name))), 'apply')).image,
        PRESETS['torchvision-256-224'],
      ).tensor;
      const out = await session.run({
        [session.inputNames[0]!]: new ort.Tensor('float32', x, [1, 3, 224, 224]),
      });
      const want = topK(softmax(out[session.outputNames[0]!]!.data as Float32Array), 5);
      const got = await lens.top5(name);
      expect(
        got.map((g) => g.index),
        name,
      ).toEqual(want.map((w) => w.index));
      got.forEach((g, i) =>
        expect(Math.abs(g.probability - want[i]!.probability), `${name} rank ${i}`).toBeLessThan(
          PROB_TOL,
        ),
      );
    }
    await session.release();
  });

  test('bad files get a clear message and the next image still classifies', async ({
    page,
    lens,
  }) => {
    await lens.openReady('?model=repopt-tiny-seeded');
    await lens.pickImages('not-an-image.jpg');
    await expect(lens.result('not-an-image.jpg')).toHaveAttribute('data-status', 'error');
    await expect(lens.result('not-an-image.jpg')).toHaveAttribute(
      'data-error',
      /not an image.*text/i,
    );

    await lens.pickModel(resolve(IMAGES, 'not-a-model.onnx'));
    await expect(lens.status).toHaveAttribute('data-status', 'error');
    await expect(page.getByTestId('model-error')).toContainText(/not an ONNX model/);

    await lens.pickImages('rocket.jpg');
    await lens.expectMatchesPyTorch('rocket.jpg');
  });

  test('paste from the clipboard classifies', async ({ lens }) => {
    await lens.openReady();
    await lens.pasteImages('astronaut.png');
    await lens.expectMatchesPyTorch('astronaut.png');
  });

  test('switching the preset changes the crop exactly as torchvision does', async ({
    page,
    lens,
  }) => {
    await lens.openReady();
    for (const preset of [
      'squash-256-224',
      'bicubic-256-224',
      'repopt-official-224-224',
      'torchvision-256-224',
    ]) {
      await page.getByTestId('preset-select').selectOption(preset);
      await lens.pickImages('wide-600x100.png');
      const result = lens.newest();
      await expect(result).toHaveAttribute('data-status', 'done');
      const expected = references.images['wide-600x100.png']!.presets[preset]!.crop_sha256;
      await expect(result, preset).toHaveAttribute('data-crop-sha256', expected);
    }
  });
});
