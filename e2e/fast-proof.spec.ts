/**
 * Issue 20 in the page: unusual models from tools/make_fast_corpus.py opened in the page answer as
 * onnxruntime-node answers the unmodified file, with the fast path where it is exact and the file
 * as it is (and why) where the rewrite cannot prove itself; in the foreground and, with
 * `?fastbg=0`, in the background.
 */
import { expect, test } from './test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { softmax, topK } from '../src/core/inference/postprocess';
import { PRESETS, preprocess } from '../src/core/preprocess/preprocess';
import { decodeBytes } from '../src/node/decode-node';
import { IMAGES, Lens } from './lens';

const ROOT = resolve(import.meta.dirname, '..');

let dir = '';
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fast-corpus-e2e-'));
  const r = spawnSync('/usr/bin/python3', [join(ROOT, 'tools/make_fast_corpus.py'), dir], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`make_fast_corpus.py failed: ${r.stderr}`);
});

/** The page's top-5 for `photo` against onnxruntime-node on the unmodified file. */
async function expectAsFile(lens: Lens, file: string, photo: string): Promise<void> {
  const session = await ort.InferenceSession.create(readFileSync(file));
  const x = preprocess(
    (await decodeBytes(new Uint8Array(readFileSync(resolve(IMAGES, photo))), 'apply')).image,
    PRESETS['torchvision-256-224'],
  ).tensor;
  const out = await session.run({ input: new ort.Tensor('float32', x, [1, 3, 224, 224]) });
  await session.release();
  const want = topK(softmax(out['logits']!.data as Float32Array), 5);
  const got = await lens.top5(photo);
  expect(got.map((g) => g.index)).toEqual(want.map((w) => w.index));
  got.forEach((g, i) => expect(Math.abs(g.probability - want[i]!.probability)).toBeLessThan(1e-4));
}

const CASES = [
  { name: 'gap-broadcast', path: 'winograd', text: /^Winograd: 2 of 2 3x3 convolutions \(F2 2\)/ },
  { name: 'if-branch', path: 'winograd', text: /^Winograd: 1 of 3 3x3 convolutions/ },
  { name: 'fp16', path: 'direct', text: /^direct convolutions \(no eligible 3x3 convolution\)/ },
  {
    name: 'maxpool-ceil',
    path: 'direct',
    text: /^direct convolutions \(no eligible 3x3 convolution\)/,
  },
] as const;

for (const c of CASES)
  test(`${c.name}: ${c.path} in the page, answers as the file in onnxruntime-node`, async ({
    page,
    lens,
  }) => {
    await lens.openReady('?model=repopt-tiny-seeded');
    const file = join(dir, `${c.name}.onnx`);
    await lens.pickModel(file);
    await expect(lens.status).toContainText(`${c.name}.onnx`);
    await expect(lens.status).toHaveAttribute('data-status', 'ready');
    const fast = page.getByTestId('model-fast-path');
    await expect(fast).toHaveAttribute('data-path', c.path);
    await expect(fast).toHaveText(c.text);
    if (c.path === 'winograd')
      await expect(fast).toContainText(/checked against the file on 2 probe images: max \|Δ\| /);
    await lens.pickImages('chelsea.png');
    await expectAsFile(lens, file, 'chelsea.png');
  });

test('gap-broadcast with ?fastbg=0: the background path proves the rewrite, then takes over', async ({
  page,
  lens,
}) => {
  await lens.openReady('?model=repopt-tiny-seeded&fastbg=0&kernels=onnxruntime');
  const file = join(dir, 'gap-broadcast.onnx');
  await lens.pickModel(file);
  await expect(lens.status).toContainText('gap-broadcast.onnx');
  const fast = page.getByTestId('model-fast-path');
  await expect(fast).toHaveAttribute('data-path', 'winograd', { timeout: 60_000 });
  await expect(fast).not.toHaveAttribute('data-pending', 'true');
  await expect(fast).toContainText('checked against the file on 2 probe images');
  await lens.pickImages('rocket.jpg');
  await expectAsFile(lens, file, 'rocket.jpg');
  await expect(page.getByTestId('result-fast-path').first()).toHaveText(/^Winograd: 2 of 2/);
});
