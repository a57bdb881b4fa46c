/** A phone: no keyboard hints on a touch screen, file names on one line. */
import { expect, test } from './test';

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

test('a touch screen shows no keyboard hints, and a long file name stays on one line', async ({
  page,
  lens,
}) => {
  await lens.openReady('?lang=en');
  await expect(page.getByTestId('stage-toggle')).toHaveText('Stage view');
  await expect(page.getByTestId('drop-zone')).not.toContainText('Ctrl+V');
  const name = 'a-very-long-file-name-from-a-phone-camera-20261205-154512.png';
  await page.getByTestId('image-input').setInputFiles({
    name,
    mimeType: 'image/png',
    buffer: (await import('node:fs')).readFileSync(
      `${import.meta.dirname}/fixtures/images/chelsea.png`,
    ),
  });
  const caption = lens.result(name).locator('figcaption');
  await expect(caption).toHaveAttribute('title', name);
  const lines = await caption.evaluate((e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size;
  });
  expect(lines).toBe(1);
});

test('the header is one row of controls, the drop zone starts high, and the Engineer tools are one tap from the top', async ({
  page,
  lens,
}) => {
  await lens.openReady('?lang=en');
  const controls = page.locator('.top h1, .model-bar > .bar-row > :not(input)');
  const tops = await controls.evaluateAll((els: Element[]) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return {
        top: r.top,
        bottom: r.bottom,
        right: r.right,
        name: String(e.className || e.tagName),
      };
    }),
  );
  const dropY = (await page.getByTestId('drop-zone').boundingBox())!.y;
  console.log(`phone 390x844: drop zone at y = ${dropY.toFixed(0)} px`);
  // The title, the model, open, backend and language: one row, all inside the screen.
  expect(tops.length).toBe(5);
  for (const c of tops) {
    expect(c.top, `${c.name} on the first row`).toBeLessThan(tops[0]!.bottom);
    expect(c.right, `${c.name} inside the screen`).toBeLessThanOrEqual(390);
  }
  // It started at y = 515 here with the header in four rows.
  expect(dropY).toBeLessThan(400);

  // A way into the tools from the top: one tap opens them and brings them into view.
  const jump = page.getByTestId('tools-jump');
  await expect(jump).toBeInViewport();
  await jump.click();
  const tools = page.getByTestId('engineer-tools');
  await expect(tools.locator('details').first()).toHaveAttribute('open', '');
  await expect(tools.locator('summary').first()).toBeInViewport();
});
