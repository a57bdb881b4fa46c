/**
 * Issue 12, row 8: "Compare presets" on an older card runs the model that made the card, never
 * silently the one loaded now. Model A is the seeded tiny model (PyTorch's top-5 in
 * references.json), model B a 10-class model (`classes-10.onnx`), so a preset row from the wrong
 * model cannot pass for A's: its indices are 0-9 and its probabilities differ.
 */
import { PROB_TOL } from './tolerances';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Locator } from '@playwright/test';
import { expect, test } from './test';
import { FIXTURES, references } from './lens';

const A = 'RepOpt-VGG tiny (seeded, untrained)';
const B = 'classes-10.onnx';
const GOOD = 'chelsea.png';
const DEFAULT = 'torchvision-256-224';

/** A preset row's top-5, from its data attributes. */
async function rowTop5(row: Locator): Promise<{ index: number; probability: number }[]> {
  await expect(row).toHaveAttribute('data-status', 'done');
  const indices = (await row.getAttribute('data-top5-indices'))!.split(',').map(Number);
  const probabilities = (await row.getAttribute('data-top5-probabilities'))!.split(',').map(Number);
  return indices.map((index, i) => ({ index, probability: probabilities[i]! }));
}

/** The card's presets all come from A, and A's default-preset row is PyTorch's top-5 for A. */
async function expectPresetsOfA(card: Locator): Promise<void> {
  const table = card.getByTestId('preset-comparison');
  for (const row of await table.locator('tr').all()) {
    await expect(row).toHaveAttribute('data-status', 'done');
    await expect(row).toHaveAttribute('data-model', A);
    await expect(row).toContainText(A);
  }
  await expect(card.getByTestId('presets-model')).toHaveText(`Presets compared with ${A}`);
  const top5 = await rowTop5(table.locator(`tr[data-preset="${DEFAULT}"]`));
  const ref = references.images[GOOD]!.top5;
  expect(top5.map((p) => p.index)).toEqual(ref.map((p) => p.index));
  top5.forEach((p, i) =>
    expect(Math.abs(p.probability - ref[i]!.probability), `rank ${i}`).toBeLessThan(PROB_TOL),
  );
}

test.describe("compare presets uses the card's model", () => {
  test.beforeEach(async ({ lens }) => {
    await lens.openReady('?model=repopt-tiny-seeded');
    await lens.pickImages(GOOD);
    await lens.expectMatchesPyTorch(GOOD);
    await lens.pickModel(resolve(FIXTURES, 'bad-models', B));
    await expect(lens.status).toHaveAttribute('data-status', 'ready');
    await expect(lens.status).toContainText(B);
  });

  test('with B loaded, the card offers to load A; one click loads A and compares with A', async ({
    lens,
  }) => {
    const card = lens.lastResult(GOOD);
    await card.getByTestId('compare-presets').click();
    const offer = card.getByTestId('presets-offer');
    await expect(offer).toContainText(`${A} made this card but is not loaded now.`);
    // Nothing ran and the user's model is unchanged until they click.
    await expect(card.getByTestId('preset-comparison')).toHaveCount(0);
    await expect(lens.status).toContainText(B);
    await offer.getByTestId('load-and-compare-presets').click();
    await expect(lens.status).toHaveAttribute('data-status', 'ready');
    await expect(lens.status).toContainText(A);
    await expectPresetsOfA(card);
    await expect(card.getByTestId('presets-note')).toHaveCount(0);
  });

  test('with A as the comparison model, the comparison worker answers and B stays loaded', async ({
    page,
    lens,
  }) => {
    await page.getByTestId('compare-panel').locator('summary').click();
    await page.getByTestId('compare-select').selectOption('repopt-tiny-seeded');
    await expect(page.getByTestId('compare-status')).toHaveAttribute('data-status', 'ready');
    const card = lens.lastResult(GOOD);
    await card.getByTestId('compare-presets').click();
    await expectPresetsOfA(card);
    await expect(card.getByTestId('presets-offer')).toHaveCount(0);
    await expect(lens.status).toContainText(B);
  });

  test('choosing the loaded model instead: every row and the card name B, not A', async ({
    lens,
  }) => {
    const card = lens.lastResult(GOOD);
    await card.getByTestId('compare-presets').click();
    await card.getByTestId('compare-presets-active').click();
    await expect(card.getByTestId('presets-note')).toHaveText(
      `Answered by ${B}, not ${A}: you chose the model loaded now over loading ${A}.`,
    );
    for (const row of await card.getByTestId('preset-comparison').locator('tr').all()) {
      await expect(row).toHaveAttribute('data-model', B);
      for (const { index } of await rowTop5(row)) expect(index).toBeLessThan(10);
    }
    await expect(lens.status).toContainText(B);
  });
});

test("when the card's model can no longer be loaded (its file is gone), the loaded model answers and the card says so", async ({
  page,
  lens,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'lens-gone-'));
  const gone = join(dir, 'gone.onnx');
  copyFileSync(resolve(FIXTURES, 'bad-models', B), gone);
  await lens.openReady('?model=repopt-tiny-seeded');
  await lens.pickModel(gone);
  await expect(lens.status).toHaveAttribute('data-status', 'ready');
  await expect(lens.status).toContainText('gone.onnx');
  await lens.pickImages(GOOD);
  const card = lens.lastResult(GOOD);
  await expect(card).toHaveAttribute('data-status', 'done');
  await expect(card).toContainText('gone.onnx');
  await page.getByTestId('model-select').selectOption('repopt-tiny-seeded');
  await lens.waitReady();
  await expect(lens.status).toContainText(A);
  rmSync(dir, { recursive: true, force: true });

  await card.getByTestId('compare-presets').click();
  await card.getByTestId('load-and-compare-presets').click();
  await expect(card.getByTestId('presets-note')).toContainText(
    `Answered by ${A}, not gone.onnx: gone.onnx could not be loaded`,
  );
  await expectPresetsOfA(card);
  // The failed load is reported where loads are, and A still answers.
  await expect(page.getByTestId('model-error')).toContainText('gone.onnx');
  await lens.pickImages('coffee.png');
  await lens.expectMatchesPyTorch('coffee.png');
});
