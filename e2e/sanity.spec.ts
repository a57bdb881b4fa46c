/** The engineer's sanity checks: model panel, CAM, verification against PyTorch, comparison, presets. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from './test';
import * as ort from 'onnxruntime-node';
import { convertStateDict } from '../src/core/convert';
import { decodePng } from '../src/core/image/png';
import { PRESETS, preprocess } from '../src/core/preprocess/preprocess';
import { loadFixture } from '../test/convert-fixtures';
import { FIXTURES, IMAGES } from './lens';

const ROOT = resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(resolve(ROOT, 'models/models.json'), 'utf8')) as {
  models: { id: string; params: number }[];
};

test('the model panel shows the tiny model’s exact parameter count', async ({ page, lens }) => {
  await lens.openReady();
  const panel = page.getByTestId('model-panel');
  const pytorchCount = manifest.models.find((m) => m.id === 'repopt-tiny-seeded')!.params; // counted by PyTorch
  await expect(panel).toHaveAttribute('data-checkpoint-params', String(pytorchCount));
  await panel.locator('summary').click();
  await expect(page.getByTestId('model-params')).toContainText(
    pytorchCount.toLocaleString('en-US'),
  );
  await expect(panel).toContainText('opset 13');
  await expect(panel).toContainText(/input float32 \[\w+, 3, 224, 224\]/i);
  await expect(page.getByTestId('cam-availability')).toContainText(
    /unavailable: the model has no "features" output/,
  );
});

test('CAM renders for a model with features, with values equal to a Node reference', async ({
  page,
  lens,
}) => {
  const { sd } = loadFixture('target-se');
  const { onnx } = convertStateDict(sd, { inputSize: 224, features: true });
  await lens.openReady();
  await page.getByTestId('model-input').setInputFiles({
    name: 'target-se-features.onnx',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(onnx),
  });
  await expect(lens.status).toContainText('target-se-features.onnx');
  await lens.waitReady();
  await lens.pickImages('chelsea.png');
  const result = lens.result('chelsea.png');
  await expect(result).toHaveAttribute('data-status', 'done');
  const top1 = Number(
    await result.getByTestId('top5-row').first().getAttribute('data-class-index'),
  );
  await result.getByTestId('cam-select').selectOption(String(top1));
  await expect(result.getByTestId('cam-overlay')).toHaveAttribute('data-class-index', String(top1));

  const cams = await page.evaluate(() => {
    const r = window.__lens!.state().results.at(-1)!;
    if (r.state.kind !== 'done' || !r.state.payload.cams) return null;
    const c = r.state.payload.cams;
    return {
      height: c.height,
      width: c.width,
      maps: c.maps.map((m) => ({ index: m.index, values: Array.from(m.values) })),
    };
  });
  expect(cams).not.toBeNull();
  // Reference: onnxruntime-node's features for the same (torchvision-exact) input, times the checkpoint's Linear weights.
  const session = await ort.InferenceSession.create(onnx);
  const image = (await decodePng(new Uint8Array(readFileSync(resolve(IMAGES, 'chelsea.png')))))
    .image;
  const out = await session.run({
    input: new ort.Tensor(
      'float32',
      preprocess(image, PRESETS['torchvision-256-224']).tensor,
      [1, 3, 224, 224],
    ),
  });
  const f = out['features']!;
  const [, channels, h, w] = f.dims as number[];
  const weight = sd.get('linear.weight')!.data as Float32Array;
  for (const { index, values } of cams!.maps) {
    for (let i = 0; i < h! * w!; i++) {
      let v = 0;
      for (let k = 0; k < channels!; k++)
        v += weight[index * channels! + k]! * (f.data as Float32Array)[k * h! * w! + i]!;
      expect(Math.abs(values[i]! - v)).toBeLessThan(1e-4);
    }
  }
});

test('verification against PyTorch passes on the right JSON and fails, naming the images, on an altered one', async ({
  page,
  lens,
}) => {
  await lens.openReady();
  const refText = readFileSync(resolve(FIXTURES, 'references.json'), 'utf8');
  await page.getByTestId('reference-input').setInputFiles({
    name: 'ref.json',
    mimeType: 'application/json',
    buffer: Buffer.from(refText),
  });
  await lens.pickImages('chelsea.png', 'coffee.png', 'rocket.jpg');
  const summary = page.getByTestId('verify-summary');
  await expect(summary).toHaveAttribute('data-checked', '3');
  await expect(summary).toHaveAttribute('data-passed', '3');
  await expect(lens.result('coffee.png').getByTestId('verify')).toHaveAttribute(
    'data-verdict',
    'pass',
  );

  const altered = JSON.parse(refText) as {
    images: Record<string, { logits: number[]; top5: { index: number }[] }>;
  };
  const coffee = altered.images['coffee.png']!;
  coffee.logits[coffee.top5[4]!.index]! += 2; // the fifth class jumps up the ranking
  await page.getByTestId('reference-input').setInputFiles({
    name: 'altered.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(altered)),
  });
  await expect(summary).toHaveAttribute('data-failed', '1');
  await expect(summary).toContainText('failing: coffee.png');
  await expect(lens.result('coffee.png').getByTestId('verify')).toHaveAttribute(
    'data-verdict',
    'fail',
  );
  await expect(lens.result('chelsea.png').getByTestId('verify')).toHaveAttribute(
    'data-verdict',
    'pass',
  );
});

test('verification names the EXIF cause, lists photos missing from the reference, and matches by path', async ({
  page,
  lens,
}) => {
  await lens.openReady();
  const ref = JSON.parse(readFileSync(resolve(FIXTURES, 'references.json'), 'utf8')) as {
    images: Record<string, unknown>;
  };
  // Two folders hold a chelsea.png: only the right one may answer for it; coffee.png is absent.
  const images: Record<string, unknown> = {
    'val/cats/chelsea.png': ref.images['chelsea.png'],
    'val/other/chelsea.png': ref.images['coffee.png'],
    'exif-rotated.jpg': ref.images['exif-rotated.jpg'],
  };
  await page.getByTestId('reference-input').setInputFiles({
    name: 'ref.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ images })),
  });
  await lens.pickImages('exif-rotated.jpg', 'coffee.png', 'chelsea.png');
  const summary = page.getByTestId('verify-summary');
  // chelsea.png matches two references by name: not checked, and said so
  await expect(summary).toHaveAttribute('data-ambiguous', '1');
  await expect(summary).toContainText('val/cats/chelsea.png, val/other/chelsea.png');
  await expect(summary).toHaveAttribute('data-missing', '1');
  await expect(summary).toContainText('Not in the reference (not counted): coffee.png');
  await expect(summary).toHaveAttribute('data-checked', '1');
  // The page rotates per EXIF and torchvision does not: the failing verdict says so.
  const verdict = lens.result('exif-rotated.jpg').getByTestId('verify');
  await expect(verdict).toHaveAttribute('data-verdict', 'fail');
  await expect(verdict).toHaveAttribute('data-cause', 'exif');
  await expect(verdict).toContainText("torchvision's loader does not rotate");
  await expect(summary).toContainText('rotated per their EXIF orientation');

  // "Ignore EXIF orientation (as torchvision's loader)": the stored pixels, PyTorch's answer.
  await page.getByTestId('ignore-exif').check();
  await lens.pickImages('exif-rotated.jpg');
  const again = lens.result('exif-rotated.jpg').first();
  await expect(again.getByTestId('verify')).toHaveAttribute('data-verdict', 'pass');
  await expect(again).toContainText('EXIF orientation 6 ignored');
});

test('comparing a model with itself shows 100 % agreement', async ({ page, lens }) => {
  await lens.openReady();
  await page.getByTestId('compare-panel').locator('summary').click();
  await page.getByTestId('compare-select').selectOption('repopt-tiny-seeded');
  await expect(page.getByTestId('compare-status')).toHaveAttribute('data-status', 'ready');
  await lens.pickImages('chelsea.png', 'china.jpg');
  for (const name of ['chelsea.png', 'china.jpg']) {
    const compare = lens.result(name).getByTestId('compare-result');
    await expect(compare).toHaveAttribute('data-top1-agree', 'yes');
    await expect(compare).toHaveAttribute('data-top5-overlap', '1');
  }
});

test('one click compares the three presets, and the examples gallery classifies a bundled photo', async ({
  page,
  lens,
}) => {
  await lens.openReady();
  await page.locator('[data-testid="example"][data-file="chelsea.png"]').click();
  await lens.expectMatchesPyTorch('chelsea.png');
  await lens.result('chelsea.png').getByTestId('compare-presets').click();
  const table = lens.result('chelsea.png').getByTestId('preset-comparison');
  for (const preset of Object.keys(PRESETS))
    await expect(table.locator(`tr[data-preset="${preset}"]`)).toHaveAttribute(
      'data-status',
      'done',
    );
});
