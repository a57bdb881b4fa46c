/**
 * The precision check in the page (onnxruntime-web sessions in the worker): a model with a seeded
 * fp16 fault (tools/make_precision_fixtures.py: one weight of 1e5 in the second convolution's
 * output channel 3) loaded from disk, photos in the list, the fault ranked first.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from './test';

const DIR = resolve(import.meta.dirname, '../test/data/precision');
const expected = JSON.parse(readFileSync(resolve(DIR, 'expected.json'), 'utf8')) as {
  weight: { layerIndex: number; channel: number };
};

test('ranks a seeded fp16 weight overflow first, and says the BatchNorms are folded', async ({
  page,
  lens,
}) => {
  await lens.openReady();
  await lens.pickModel(resolve(DIR, 'weight-overflow.onnx'));
  await expect(lens.status).toHaveAttribute('data-status', 'ready');
  await lens.pickImages('chelsea.png', 'coffee.png');
  await expect(lens.results).toHaveCount(2);
  const panel = page.getByTestId('precision-panel');
  await panel.locator('summary').click();
  await panel.getByTestId('precision-run').click();
  const fp16 = panel.getByTestId('precision-fp16');
  await expect(fp16).toHaveAttribute('data-top-kind', 'weight-overflow', { timeout: 60_000 });
  await expect(fp16).toHaveAttribute('data-top-channel', String(expected.weight.channel));
  // The ONNX export names the second convolution /stages/stages.1/stages.1.0/Conv.
  await expect(fp16).toHaveAttribute('data-first-break', /stages\.1\b.*Conv$/);
  await expect(fp16).toContainText('a weight of 1.00e+5');
  await expect(panel.getByTestId('precision-int8')).toHaveAttribute(
    'data-top-channel',
    String(expected.weight.channel),
  );
  await expect(panel.getByTestId('precision-bn')).toContainText('folded');
});
