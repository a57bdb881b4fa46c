/** Checkpoint to ONNX in the page: drop a .pth, it is converted in the worker and classifies. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from './test';
import { FIXTURES } from './lens';

const CHECKPOINTS = resolve(import.meta.dirname, '../test/data/checkpoints');
const reference = JSON.parse(
  readFileSync(resolve(FIXTURES, 'checkpoint-reference.json'), 'utf8'),
) as {
  images: Record<string, { top5: { index: number; probability: number }[] }>;
};

test('a dropped training checkpoint converts, classifies as PyTorch does, and can be downloaded', async ({
  page,
  lens,
}) => {
  await lens.openReady();
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
  lens,
}) => {
  await lens.openReady();
  await lens.dropFiles(resolve(CHECKPOINTS, 'malicious.pth'));
  await expect(lens.status).toHaveAttribute('data-status', 'error');
  await expect(page.getByTestId('model-error')).toContainText(/Refused.*os\.system/);
  await lens.pickImages('coffee.png');
  await lens.expectMatchesPyTorch('coffee.png');
});

test('after a conversion, one click compares fp32 with fp16; converted models are offered as the second model', async ({
  page,
  lens,
}) => {
  await lens.openReady();
  await lens.dropFiles(resolve(CHECKPOINTS, 'training.pth'));
  await expect(lens.status).toContainText('training.onnx');
  // A photo already in the list is compared in place when the second model is ready.
  await lens.pickImages('coffee.png');
  await expect(lens.result('coffee.png')).toHaveAttribute('data-status', 'done');
  await page.getByTestId('compare-precision').click();
  const status = page.getByTestId('compare-status');
  await expect(status).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('converted-model')).toHaveCount(2);
  await expect(page.getByTestId('converted-model').nth(1)).toHaveAttribute(
    'data-name',
    'training-fp16.onnx',
  );
  await expect(page.getByTestId('compare-panel').locator('summary')).toContainText(
    'training-fp16.onnx',
  );
  await expect(lens.result('coffee.png').getByTestId('compare-result')).toHaveAttribute(
    'data-top1-agree',
    'yes',
  );
  await expect(lens.results).toHaveCount(1);
  // The fp16 model made by the button does not get a button of its own.
  await expect(page.getByTestId('compare-precision')).toHaveCount(1);
  await lens.pickImages('chelsea.png');
  const result = lens.lastResult('chelsea.png');
  const compare = result.getByTestId('compare-result');
  // fp16 weights computed in fp32: the same top-1, probabilities within fp16's rounding.
  await expect(compare).toHaveAttribute('data-top1-agree', 'yes');
  await expect(compare).toHaveAttribute('data-top5-overlap', '1');
  // The main (fp32) model's top-1 is PyTorch's.
  await expect(result.getByTestId('top5-row').first()).toHaveAttribute(
    'data-class-index',
    String(reference.images['chelsea.png']!.top5[0]!.index),
  );

  // Both converted models are offered as the second model.
  await page.getByTestId('compare-panel').locator('summary').click();
  const options = page.getByTestId('compare-select').locator('option');
  await expect(options.filter({ hasText: 'training.onnx (converted)' })).toHaveCount(1);
  await expect(options.filter({ hasText: 'training-fp16.onnx (converted)' })).toHaveCount(1);
});

test('a checkpoint with NaN weights and a negative variance is refused by name, without a CLI flag', async ({
  page,
  lens,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'lens-nan-e2e-'));
  const file = join(dir, 'broken.pth');
  const made = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      `import torch, sys
sd = torch.load(sys.argv[1])
sd['stage1.0.conv.weight'].view(-1)[0] = float('nan')
sd['stage0.bn.running_var'][1] = -1.0
torch.save(sd, sys.argv[2])`,
      resolve(import.meta.dirname, '../test/data/cli/legacy_tiny.pth'),
      file,
    ],
    { encoding: 'utf8' },
  );
  expect(made.status, made.stderr).toBe(0);
  await lens.openReady();
  await lens.dropFiles(file);
  await expect(lens.status).toHaveAttribute('data-status', 'error');
  const error = page.getByTestId('model-error');
  await expect(error).toContainText(
    "The checkpoint's weights hold values no model can compute with (2 tensors: stage0.bn.running_var: 1 negative variance; stage1.0.conv.weight: 1 NaN). The converted model would answer NaN for every image, so it was not converted.",
  );
  await expect(error).not.toContainText('--');
  await lens.pickImages('coffee.png');
  await lens.expectMatchesPyTorch('coffee.png');
  rmSync(dir, { recursive: true, force: true });
});
