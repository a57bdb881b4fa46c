/** Engineer tools' tables fit their content, and the tools use a wide screen's room. */
import { expect, test } from './test';

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
        return { text: th.textContent, lines: lines.size, width: th.getBoundingClientRect().width };
      }),
    );
    expect(labels.length).toBeGreaterThan(5);
    for (const l of labels) expect(l.lines, `"${l.text}" wraps`).toBe(1);
    const tools = await page.getByTestId('engineer-tools').boundingBox();
    // A 1920 px screen gives the tools more than the 420 px they had beside empty space.
    if (width >= 1920) expect(tools!.width).toBeGreaterThan(560);
    else expect(tools!.width).toBeGreaterThanOrEqual(320);
    expect(tools!.x + tools!.width).toBeLessThanOrEqual(width);
  });
}
