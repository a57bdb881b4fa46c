/**
 * Issue 20, finding 13: a label holding U+202E (RIGHT-TO-LEFT OVERRIDE) must not turn the index
 * beside it around ("#155" shown as "551#"). Each character of the index is located on screen:
 * in logical order they must run left to right in the result card; the stage view's rows (the
 * same component) isolate the label too.
 */
import { type Locator } from '@playwright/test';
import { expect, test } from './test';
import { references } from './lens';

/** The x of each character of the element's text, in logical order. */
function characterXs(element: Locator): Promise<number[]> {
  return element.evaluate((el) => {
    const xs: number[] = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < (node.textContent ?? '').length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        xs.push(range.getBoundingClientRect().x);
      }
    }
    return xs;
  });
}

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

test('a label with U+202E leaves the index beside it as it is (cards and stage)', async ({
  page,
  lens,
}) => {
  test.setTimeout(600_000); // a shared 2-core machine can take minutes to prepare the model
  await lens.open();
  await expect(lens.status).toHaveAttribute('data-status', 'ready', { timeout: 480_000 });
  // Every name ends in an unterminated override, as a hostile label file would have it.
  const labels = Array.from({ length: 1000 }, (_, i) => `name ${i}\u202e`).join('\n');
  await page.getByTestId('labels-input').setInputFiles({
    name: 'rlo.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from(labels),
  });
  await expect(page.getByTestId('labels-status')).toHaveAttribute('data-count', '1000');
  await lens.pickImages('chelsea.png');
  const top = references.images['chelsea.png']!.top5[0]!.index;
  const row = lens.result('chelsea.png').getByTestId('top5-row').first();
  await expect(row).toHaveAttribute('data-label', `name ${top}\u202e`);
  const index = row.locator('small');
  await expect(index).toHaveText(`#${top}`);
  const xs = await characterXs(index);
  expect(xs).toHaveLength(String(top).length + 1);
  expect(increasing(xs), `x of "#${top}": ${xs.join(', ')}`).toBe(true);

  // The stage view shows the same rows (its index is hidden by its style): the label is isolated
  // there too, so its override ends with it.
  await page.getByTestId('stage-toggle').click();
  const stageRow = page.getByTestId('stage-view').getByTestId('top5-row').first();
  await expect(stageRow.locator('bdi')).toHaveText(`name ${top}\u202e`);
});
