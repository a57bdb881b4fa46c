/**
 * An int8 model on the lens kernels in the page: the tiny model quantized here by the project's
 * own quantizer (QDQ), run with `?kernels=lens`, answers as onnxruntime-node does on the same
 * file. In chromium the relaxed build's integer dot is exact on whole bytes where the CPU has
 * AVX-VNNI (lens_qdot_probe answers 2), on 7-bit halves elsewhere (1), and the faster of that and
 * the int16 dot runs (with integer Winograd for 3x3 stride-1 layers when it is the int16 dot):
 * paths Node 20 cannot run, so this is the test that holds them to onnxruntime's answers.
 */
import { expect, test } from './test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { softmax, topK } from '../src/core/inference/postprocess';
import { PRESETS, preprocess } from '../src/core/preprocess/preprocess';
import { quantizeModel } from '../src/core/quantize';
import { decodeBytes } from '../src/node/decode-node';
import { nodeQuantRunner } from '../src/node/quantize-node';
import { IMAGES } from './lens';
import { PROB_TOL } from './tolerances';

const ROOT = resolve(import.meta.dirname, '..');
const PHOTOS = ['coffee.png', 'chelsea.png', 'astronaut.png'];

async function tensorOf(name: string): Promise<Float32Array> {
  const bytes = new Uint8Array(readFileSync(resolve(IMAGES, name)));
  return preprocess((await decodeBytes(bytes, 'apply')).image, PRESETS['torchvision-256-224'])
    .tensor;
}

for (const [query, isa] of [
  ['kernels=lens', 'relaxed'],
  ['kernels=lens-simd128&threads=1', 'simd128'],
] as const)
  test(`?${query}: an int8 file runs as integers, as onnxruntime-node`, async ({
    page,
    lens,
  }, testInfo) => {
    const images = await Promise.all(
      PHOTOS.map(async (name) => ({ name, tensor: await tensorOf(name) })),
    );
    const { bytes } = await quantizeModel(readFileSync(join(ROOT, 'models/repopt-tiny.onnx')), {
      method: 'percentile',
      keepFloat: null,
      // eslint-disable-next-line @typescript-eslint/require-await
      images: async function* () {
        yield* images;
      },
      imageCount: images.length,
      size: 224,
      createRunner: nodeQuantRunner(1),
      sourceSha256: '0'.repeat(64),
      date: '2026-12-05T00:00:00.000Z',
    });
    const file = testInfo.outputPath('tiny.int8.onnx');
    writeFileSync(file, bytes);
    await lens.openReady(`?${query}`);
    await lens.pickModel(file);
    await expect(lens.status).toContainText('tiny.int8.onnx');
    await expect(lens.status).toHaveAttribute('data-status', 'ready');
    const runner = page.getByTestId('model-runner');
    await expect(runner).toHaveAttribute('data-runner', 'lens');
    await expect(runner).toContainText(`lens WebAssembly kernels (${isa}`);
    // SIMD128 has only the int16 dot, and then its 3x3 stride-1 layers run as integer Winograd;
    // the relaxed build says which dot won the timing at load.
    await expect(runner).toContainText(
      isa === 'simd128'
        ? /int8: int16 dot, integer Winograd F\(2x2\) on [1-9]\d* layer/
        : /int8: (int16 dot, integer Winograd F\(2x2\) on [1-9]\d*|relaxed dot on (7-bit halves|whole bytes), integer Winograd F\(2x2\) on 0) layer/,
    );
    await lens.pickImages(...PHOTOS);
    const session = await ort.InferenceSession.create(bytes);
    for (const image of images) {
      const out = await session.run({
        input: new ort.Tensor('float32', image.tensor, [1, 3, 224, 224]),
      });
      const want = topK(softmax(out['logits']!.data as Float32Array), 5);
      const got = await lens.top5(image.name);
      expect(got.map((g) => g.index)).toEqual(want.map((w) => w.index));
      got.forEach((g, i) =>
        expect(Math.abs(g.probability - want[i]!.probability)).toBeLessThan(PROB_TOL),
      );
    }
    await session.release();
  });
