/**
 * A GhostNet checkpoint converted in the page: RepOptimizers' training-script file ('rep' form,
 * {'model', 'config', ...}) is read, fused and loaded in the worker, classifies two photos as
 * PyTorch does with bicubic-256-224 (tools/make_ghostnet_reference.py), and the model panel shows its GhostNet layout.
 * A 'rep' file without its fusion BatchNorms is refused with their names.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from './test';
import { FIXTURES } from './lens';

const GHOSTNET = resolve(import.meta.dirname, '../test/data/ghostnet');
const reference = JSON.parse(
  readFileSync(resolve(FIXTURES, 'ghostnet-reference.json'), 'utf8'),
) as { images: Record<string, { top5: { index: number; probability: number }[] }> };

test('a dropped RepGhostNet checkpoint converts and classifies as PyTorch does', async ({
  page,
  lens,
}) => {
  await lens.openReady();
  await lens.dropFiles(resolve(GHOSTNET, 'rep.pth'));
  await expect(lens.status).toHaveAttribute('data-status', 'ready');
  await expect(lens.status).toContainText('rep.onnx');
  await expect(page.getByTestId('converted-model')).toContainText(/RepGhostNet/);
  const panel = page.getByTestId('model-panel');
  await panel.locator('summary').click();
  await expect(page.getByTestId('model-arch')).toHaveAttribute('data-family', 'ghostnet');
  await expect(page.getByTestId('model-arch')).toContainText('6 bottlenecks');
  await expect(page.getByTestId('cam-availability')).toContainText('GhostNet pools first');
  // The converted GhostNet declares timm's bicubic evaluation, and the page follows it.
  await expect(page.getByTestId('preset-select')).toHaveValue('bicubic-256-224');

  await lens.pickImages('chelsea.png', 'rocket.jpg');
  for (const name of ['chelsea.png', 'rocket.jpg']) {
    await lens.expectTop5(lens.result(name), reference.images[name]!.top5, name);
  }
});

test("a 'rep' GhostNet without its fusion BatchNorms is refused with their names", async ({
  page,
  lens,
}) => {
  await lens.openReady();
  await lens.dropFiles(resolve(GHOSTNET, 'rep-no-fusion.pth'));
  await expect(lens.status).toHaveAttribute('data-status', 'error');
  await expect(page.getByTestId('model-error')).toContainText(
    '12 fusion BatchNorms missing: blocks.0.0.ghost1.fusion_bn.*',
  );
});
