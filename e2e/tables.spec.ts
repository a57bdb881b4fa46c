/** Engineer tools' tables fit their content, and the tools use a wide screen's room. */
import { resolve } from 'node:path';
import type { Locator } from '@playwright/test';
import { expect, test } from './test';

/** How many lines each element's text takes. */
function lineCounts(elements: Locator): Promise<{ text: string; lines: number }[]> {
  return elements.evaluateAll((els) =>
    els.map((e) => {
      const range = document.createRange();
      range.selectNodeContents(e);
      const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
      return { text: e.textContent ?? '', lines: tops.size };
    }),
  );
}

for (const [width, height] of [
  [1280, 800],
  [1920, 1080],
] as const) {
  test(`at ${width}x${height} the model details' labels stay whole and the tools column fits the screen`, async ({
    page,
    lens,
  }) => {
    await page.setViewportSize({ width, height });
    await lens.openReady('?lang=en');
    const panel = page.getByTestId('model-panel');
    await panel.locator('summary').click();
    await expect(page.getByTestId('model-params')).toBeVisible();
    // Each label on one line (they broke mid-word in a 49-53 px column: "Para/met/ers").
    const labels = await panel.locator('.kv th').evaluateAll((ths) =>
      ths.map((th) => {
        const range = document.createRange();
        range.selectNodeContents(th);
        const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
        return {
          text: th.textContent,
          lines: lines.size,
          scroll: th.scrollWidth,
          client: th.clientWidth,
        };
      }),
    );
    expect(labels.length).toBeGreaterThan(5);
    for (const l of labels) {
      expect(l.lines, `"${l.text}" wraps`).toBe(1);
      // Nothing cut or spilling: the cell holds its label.
      expect(l.scroll, `"${l.text}" overflows its cell`).toBeLessThanOrEqual(l.client);
    }
    // Every number (with its unit) in the values stays on one line.
    const numbers = await lineCounts(panel.locator('.kv td .num'));
    expect(numbers.length).toBeGreaterThan(3);
    for (const n of numbers) expect(n.lines, `"${n.text}" wraps`).toBe(1);
    const tools = await page.getByTestId('engineer-tools').boundingBox();
    // A 1920 px screen gives the tools more than the 420 px they had beside empty space.
    if (width >= 1920) expect(tools!.width).toBeGreaterThan(560);
    else expect(tools!.width).toBeGreaterThanOrEqual(320);
    expect(tools!.x + tools!.width).toBeLessThanOrEqual(width);
  });
}

test('at 1280x800 the int8 and precision reports keep every number on one line', async ({
  page,
  lens,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await lens.openReady('?lang=en');
  // A model with a seeded fp16 fault, so the precision report has findings with numbers.
  await lens.pickModel(resolve(import.meta.dirname, '../test/data/precision/weight-overflow.onnx'));
  await lens.waitReady();
  await lens.pickImages('chelsea.png', 'coffee.png');
  await expect(lens.results.and(page.locator('[data-status=done]'))).toHaveCount(2);

  const quantize = page.getByTestId('quantize-panel');
  await quantize.locator('summary').click();
  await quantize.getByTestId('quantize-method').selectOption('minmax');
  await quantize.getByTestId('quantize-run').click();
  const cells = quantize.locator('[data-testid=quantize-layer] td:not(:first-child)');
  await expect(cells.first()).toBeVisible({ timeout: 120_000 });
  for (const c of await lineCounts(cells)) expect(c.lines, `"${c.text}" wraps`).toBe(1);
  const styles = await cells.evaluateAll((tds) => tds.map((td) => getComputedStyle(td).whiteSpace));
  expect(new Set(styles)).toEqual(new Set(['nowrap']));

  const precision = page.getByTestId('precision-panel');
  await precision.locator('summary').click();
  await precision.getByTestId('precision-run').click();
  await expect(precision.getByTestId('precision-report')).toBeVisible({ timeout: 120_000 });
  const numbers = await lineCounts(precision.locator('.num'));
  expect(numbers.length).toBeGreaterThan(5);
  for (const n of numbers) expect(n.lines, `"${n.text}" wraps`).toBe(1);
});
