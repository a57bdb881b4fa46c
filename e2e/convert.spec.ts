/** Checkpoint to ONNX in the page: drop a .pth, it is converted in the worker and classifies. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { FIXTURES, Lens } from './lens';

const CHECKPOINTS = resolve(import.meta.dirname, '../test/data/checkpoints');
const reference = JSON.parse(
  readFileSync(resolve(FIXTURES, 'checkpoint-reference.json'), 'utf8'),
) as {
  images: Record<string, { top5: { index: number; probability: number }[] }>;
};

test('a dropped training checkpoint converts, classifies as PyTorch does, and can be downloaded', async ({
  page,
}) => {
  const lens = new Lens(page);
  await lens.open();
  await lens.waitReady();
  await lens.dropFiles(resolve(CHECKPOINTS, 'training.pth'));
  await expect(lens.status).toHaveAttribute('data-status', 'ready');
  await expect(lens.status).toContainText('training.onnx');
  // 10 classes against 1000 ImageNet labels: said, not hidden.
  await expect(lens.status).toContainText('The model has 10 classes but the labels list 1000');
  const converted = page.getByTestId('converted-model');
  await expect(converted).toHaveCount(1);
  await expect(converted).toContainText(/target mode|RepOpt-VGG/i);
  const download = page.waitForEvent('download');
  await converted.getByTestId('download-onnx').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('training.onnx');

  await lens.pickImages('chelsea.png', 'rocket.jpg');
  for (const name of ['chelsea.png', 'rocket.jpg']) {
    await lens.expectTop5(lens.result(name), reference.images[name]!.top5, name);
  }
});

test('a malicious checkpoint is refused with a clear message, and the app keeps classifying', async ({
  page,
}) => {
  const lens = new Lens(page);
  await lens.open();
  await lens.waitReady();
  await lens.dropFiles(resolve(CHECKPOINTS, 'malicious.pth'));
  await expect(lens.status).toHaveAttribute('data-status', 'error');
  await expect(page.getByTestId('model-error')).toContainText(/Refused.*os\.system/);
  await lens.pickImages('coffee.png');
  await lens.expectMatchesPyTorch('coffee.png');
});
