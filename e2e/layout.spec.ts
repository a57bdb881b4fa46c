/**
 * The page as its three kinds of users meet it: the newest result in view, no horizontal overflow
 * on phones, a stage view that fills a projector, and a selector that names the model answering.
 */
import { resolve } from 'node:path';
import { type Page } from '@playwright/test';
import { expect, test } from './test';
import { FIXTURES } from './lens';

async function clickExample(page: Page, file: string): Promise<void> {
  await page.locator(`[data-testid=example][data-file="${file}"]`).click();
}

test('the camera box is hidden while the camera is off', async ({ page, lens }) => {
  await lens.openReady();
  await expect(page.getByTestId('camera-video')).toBeHidden();
  await page.getByTestId('source-camera').click();
  await expect(page.getByTestId('camera-video')).toBeHidden();
  await expect(page.getByText(/frames\/s classified/)).toHaveCount(0);
});

test('at 1280x800 the newest result is in view without scrolling, newest first', async ({
  page,
  lens,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await lens.openReady();
  for (const file of ['chelsea.png', 'coffee.png', 'rocket.jpg']) {
    await clickExample(page, file);
    const card = lens.lastResult(file);
    await expect(card).toHaveAttribute('data-status', 'done');
    await expect(lens.newest()).toHaveAttribute('data-file', file);
    // Its top-5 is on screen, all of it.
    await expect(card.getByTestId('top5-row').last()).toBeInViewport({ ratio: 1 });
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
  }
});

for (const [width, height] of [
  [360, 740],
  [390, 844],
] as const) {
  test(`no horizontal overflow at ${width}x${height}; cards stack`, async ({ page, lens }) => {
    await page.setViewportSize({ width, height });
    await lens.openReady();
    await clickExample(page, 'chelsea.png');
    await expect(lens.lastResult('chelsea.png')).toHaveAttribute('data-status', 'done');
    const overflow = () =>
      page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
    expect(await overflow(), 'page wider than the screen by').toBeLessThanOrEqual(0);
    for (const row of await lens.lastResult('chelsea.png').getByTestId('top5-row').all()) {
      const box = (await row.boundingBox())!;
      expect(box.x + box.width, 'top-5 row right edge').toBeLessThanOrEqual(width);
    }
    // Every engineer tool open too: none may widen the page.
    await page.getByTestId('engineer-tools').locator('summary').first().click();
    await page.evaluate(() => {
      document.querySelectorAll('details').forEach((d) => (d.open = true));
    });
    expect(await overflow(), 'with the tools open').toBeLessThanOrEqual(0);
  });
}

test('the stage view fills a 1920x1080 projector with the photo and five barred rows, and stacks on a phone', async ({
  page,
  lens,
}) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await lens.openReady();
  await clickExample(page, 'chelsea.png');
  await expect(lens.lastResult('chelsea.png')).toHaveAttribute('data-status', 'done');
  await page.locator('body').press('s');
  const stage = page.getByTestId('stage-view');
  const media = stage.getByTestId('stage-media');
  await expect(media).toBeVisible();
  // The photo itself (451x300), not the 240 px thumbnail.
  await expect
    .poll(() => media.evaluate((img) => (img as HTMLImageElement).naturalWidth))
    .toBe(451);
  const box = (await media.boundingBox())!;
  expect(box.height, 'media height').toBeGreaterThanOrEqual(0.45 * 1080);
  const rows = stage.getByTestId('top5-row');
  await expect(rows).toHaveCount(5);
  const card = await lens.top5('chelsea.png');
  for (const [i, row] of (await rows.all()).entries()) {
    await expect(row).toHaveAttribute('data-class-index', String(card[i]!.index));
    await expect(row).toHaveAttribute('data-label', card[i]!.label);
    const bar = await row.locator('.bar').boundingBox();
    expect(bar?.width ?? 0, `row ${i} bar`).toBeGreaterThan(0);
    // The label wraps inside its row rather than running out of it.
    const fits = await row.evaluate((r) => r.scrollWidth <= r.clientWidth);
    expect(fits, `row ${i} label fits`).toBe(true);
  }
  // The seeded model's photo is flagged on the projector too.
  await expect(stage.getByTestId('stage-untrained')).toBeVisible();

  await page.setViewportSize({ width: 390, height: 844 });
  const media2 = (await media.boundingBox())!;
  const first = (await rows.first().boundingBox())!;
  expect(media2.y + media2.height, 'media above the rows').toBeLessThanOrEqual(first.y + 1);
  expect(media2.x + media2.width).toBeLessThanOrEqual(390);
});

test('the selector names the model that answers after a failed load', async ({ page, lens }) => {
  await lens.openReady();
  const select = page.getByTestId('model-select');
  await expect(select).toHaveValue('repopt-tiny-seeded');
  await lens.pickModel(resolve(FIXTURES, 'bad-models/custom-op.onnx'));
  await expect(page.getByTestId('model-error')).toBeVisible();
  await expect(select).toHaveValue('repopt-tiny-seeded');
  await expect(page.getByTestId('model-error')).toContainText('Still classifying with');
});
