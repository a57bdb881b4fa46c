/**
 * A page that is not a secure context (plain http opened from another machine) says so plainly
 * and still classifies. Playwright reaches the server as localhost, which is secure, so the test
 * takes away what an insecure page lacks (isSecureContext, navigator.mediaDevices,
 * crypto.subtle) before the app starts.
 */
import { expect, test } from './test';

test('without a secure context: a plain message, the camera explains itself, photos classify', async ({
  page,
  lens,
}) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'isSecureContext', { get: () => false });
    Object.defineProperty(Navigator.prototype, 'mediaDevices', { get: () => undefined });
    Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined });
  });
  await lens.open();
  await expect(page.getByTestId('insecure-notice')).toContainText('not a secure context');
  await expect(page.getByTestId('insecure-notice')).toContainText('npm run start:lan');
  await page.getByTestId('source-camera').click();
  await expect(page.getByTestId('camera-insecure')).toContainText('https://');
  await expect(page.getByTestId('camera-start')).toBeDisabled();
  await lens.waitReady();
  await page.getByTestId('source-photos').click();
  await lens.pickImages('chelsea.png');
  await lens.expectMatchesPyTorch('chelsea.png');
});
