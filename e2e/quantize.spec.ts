/** "Quantize to int8" in the page: the current model, calibrated on the photos in the list. */
import { readFileSync } from 'node:fs';
import { expect, test } from './test';

test('quantizes the current model on the photos in the list: report, download, then compare', async ({
  page,
  lens,
}) => {
  await lens.openReady();
  const panel = page.getByTestId('quantize-panel');
  await panel.locator('summary').click();
  await expect(panel.getByTestId('quantize-run')).toBeDisabled(); // no photos yet
  const photos = ['chelsea.png', 'coffee.png', 'rocket.jpg'];
  await lens.pickImages(...photos);
  await expect(lens.results).toHaveCount(3);

  await panel.getByTestId('quantize-method').selectOption('minmax');
  await panel.getByTestId('quantize-run').click();
  const summary = panel.getByTestId('quantize-summary');
  await expect(summary).toContainText('minmax on 3 photos');
  // The tiny model has 6 convolutions and a classifier; the worst layer comes first.
  await expect(panel.getByTestId('quantize-layer')).toHaveCount(7);
  const mean = Number(
    /logits SQNR mean (-?[\d.]+) dB/.exec((await summary.textContent()) ?? '')?.[1],
  );
  expect(mean).toBeGreaterThan(15);

  const download = page.waitForEvent('download');
  await panel.getByTestId('quantize-download').click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/\.int8-minmax\.onnx$/);
  const bytes = readFileSync(await file.path()).toString('latin1');
  expect(bytes).toContain('quantization_method');
  expect(bytes).toContain('QuantizeLinear');

  await panel.getByTestId('quantize-compare').click();
  await expect(page.getByTestId('compare-status')).toHaveAttribute('data-status', 'ready');
  // Compared in place: the same three cards, each with the int8 model's answer (the list used
  // to grow by every photo again).
  for (const name of photos)
    await expect(lens.result(name).getByTestId('compare-result')).toHaveAttribute(
      'data-top5-overlap',
      /^(0(\.\d+)?|1)$/,
    );
  await expect(lens.results).toHaveCount(3);
});
