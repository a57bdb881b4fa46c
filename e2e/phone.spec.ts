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
