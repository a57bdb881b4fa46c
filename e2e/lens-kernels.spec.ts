/**
 * The project's own WebAssembly kernels in the page (the default; `?kernels=onnxruntime` turns them
 * off): the model panel says which
 * kernels run the model (and, when they decline it, the first node they could not take); answers
 * equal PyTorch's on both builds (relaxed SIMD and SIMD128), 1 and 2 threads, with and without
 * the kernels' Winograd; a graph they decline runs on onnxruntime-web as before, as PyTorch.
 */
import { expect, test } from './test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeModel } from '../src/core/onnx/edit';
import { ModelProto } from '../src/core/onnx/proto';
import * as ort from 'onnxruntime-node';
import { softmax, topK } from '../src/core/inference/postprocess';
import { PRESETS, preprocess } from '../src/core/preprocess/preprocess';
import { decodeBytes } from '../src/node/decode-node';
import { IMAGES } from './lens';
import { PROB_TOL } from './tolerances';

const ROOT = resolve(import.meta.dirname, '..');

for (const [query, isa, threads] of [
  ['', /relaxed|simd128/, null],
  ['kernels=lens', /relaxed|simd128/, null],
  ['kernels=lens&threads=1', /relaxed|simd128/, 1],
  ['kernels=lens-simd128&threads=2', /simd128/, 2],
] as const)
  test(`?${query || '(default)'}: the lens kernels run the model, as PyTorch`, async ({
    page,
    lens,
  }) => {
    await lens.openReady(`?${query}`);
    const runner = page.getByTestId('model-runner');
    await expect(runner).toHaveAttribute('data-runner', 'lens');
    await expect(runner).toContainText(`lens WebAssembly kernels (`);
    // The page's default thread count is the machine's (up to 8).
    await expect(runner).toContainText(threads ? `, ${threads} thread(s))` : /, \d thread\(s\)\)/);
    expect(await runner.textContent()).toMatch(isa);
    const fast = page.getByTestId('model-fast-path');
    await expect(fast).toHaveAttribute('data-path', 'winograd');
    // The layers the fast path's rule picks, checked against the graph as written, as the rewrite is.
    await expect(fast).toContainText(/Winograd: \d+ of 6 3x3 convolutions \(F4 \d+/);
    await expect(fast).toContainText('packed at load by the lens kernels');
    await expect(fast).toContainText(/checked against the file on 2 probe images: max \|Δ\| /);
    await expect(lens.status).toHaveAttribute('data-backend', 'wasm');
    await lens.pickImages('coffee.png', 'chelsea.png');
    await lens.expectMatchesPyTorch('coffee.png');
    await lens.expectMatchesPyTorch('chelsea.png');
  });

test('?kernels=lens&fast=0: every layer as written, as PyTorch', async ({ page, lens }) => {
  await lens.openReady('?kernels=lens&fast=0');
  await expect(page.getByTestId('model-runner')).toHaveAttribute('data-runner', 'lens');
  const fast = page.getByTestId('model-fast-path');
  await expect(fast).toHaveAttribute('data-path', 'direct');
  await expect(fast).toContainText('direct convolutions (fast path off)');
  await lens.pickImages('rocket.jpg');
  await lens.expectMatchesPyTorch('rocket.jpg');
});

test('?kernels=onnxruntime: onnxruntime-web runs the model (rewritten for Winograd), as PyTorch', async ({
  page,
  lens,
}) => {
  await lens.openReady('?kernels=onnxruntime');
  const runner = page.getByTestId('model-runner');
  await expect(runner).toHaveAttribute('data-runner', 'onnxruntime');
  await expect(runner).toHaveText(/^onnxruntime-web \(\d thread\(s\)\)$/);
  await expect(page.getByTestId('model-runner-declined')).toHaveCount(0);
  await expect(page.getByTestId('model-fast-path')).toContainText('rewritten at load');
  await lens.pickImages('coffee.png');
  await lens.expectMatchesPyTorch('coffee.png');
});

test('a graph the lens kernels decline runs on onnxruntime-web; the panel names the node', async ({
  page,
  lens,
}, testInfo) => {
  // The seeded tiny model with one Relu made a LeakyRelu: a node the kernels do not run.
  const m = decodeModel(readFileSync(join(ROOT, 'models/repopt-tiny.onnx')));
  const relu = m.graph!.node.find((n) => n.opType === 'Relu')!;
  relu.opType = 'LeakyRelu';
  const file = testInfo.outputPath('leaky.onnx');
  writeFileSync(file, ModelProto.encode(m).finish());
  await lens.openReady();
  await lens.pickModel(file);
  await expect(lens.status).toContainText('leaky.onnx');
  await expect(lens.status).toHaveAttribute('data-status', 'ready');
  const runner = page.getByTestId('model-runner');
  await expect(runner).toHaveAttribute('data-runner', 'onnxruntime');
  await expect(page.getByTestId('model-runner-declined')).toHaveText(
    `the lens kernels declined: LeakyRelu node ${relu.name} is not supported`,
  );
  // onnxruntime-web answers as onnxruntime-node does on the same file.
  await lens.pickImages('coffee.png');
  const session = await ort.InferenceSession.create(readFileSync(file));
  const x = preprocess(
    (await decodeBytes(new Uint8Array(readFileSync(resolve(IMAGES, 'coffee.png'))), 'apply')).image,
    PRESETS['torchvision-256-224'],
  ).tensor;
  const out = await session.run({ input: new ort.Tensor('float32', x, [1, 3, 224, 224]) });
  await session.release();
  const want = topK(softmax(out['logits']!.data as Float32Array), 5);
  const got = await lens.top5('coffee.png');
  expect(got.map((g) => g.index)).toEqual(want.map((w) => w.index));
  got.forEach((g, i) =>
    expect(Math.abs(g.probability - want[i]!.probability)).toBeLessThan(PROB_TOL),
  );
});
