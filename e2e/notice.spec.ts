/** The untrained notice: a route to trained weights, whole on phones, gone once the user's model answers. */
import { expect, test } from './test';
import { writeGeneratedModel } from './generated-model';

test.use({ viewport: { width: 390, height: 844 } });

test('the notice links the official release, says what to do with the file, and goes once the user model answers', async ({
  page,
  lens,
}) => {
  await lens.openReady('?lang=en');
  const notice = page.getByTestId('untrained-notice');
  const link = notice.getByTestId('untrained-release-link');
  await expect(link).toHaveAttribute('href', 'https://github.com/DingXiaoH/RepOptimizers');
  // The line on what to do with the file shows on a phone too (it used to be dropped).
  await expect(notice).toContainText('Download a .pth from its README');
  await expect(notice.locator('.muted')).toBeVisible();
  await expect(notice.getByTestId('untrained-open-pth')).toBeVisible();

  // The user's own model (not marked untrained) answers: the notice has said its piece.
  await lens.pickModel(writeGeneratedModel({ name: 'e2e-own', channels: 8, layers: 0 }));
  await expect(lens.status).toContainText('e2e-own');
  await lens.waitReady();
  await expect(notice).toHaveCount(0);
  // Back to the seeded model: the notice is back.
  await page.getByTestId('model-select').selectOption('repopt-tiny-seeded');
  await lens.waitReady();
  await expect(notice).toBeVisible();
});
