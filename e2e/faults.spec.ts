/** Faults the browser can produce: the app says so, recovers, and keeps what is on screen. */
import { expect, test } from './test';

test('a worker crash mid-inference is reported, the worker restarts, the model reloads, and the next image works', async ({
  page,
  lens,
}) => {
  await lens.openReady();
  await lens.pickImages('chelsea.png');
  await lens.expectMatchesPyTorch('chelsea.png');

  // The worker dies inside the next inference (a debug hook in the session): deterministic.
  await page.evaluate(() => window.__lens!.crashWorker('inference'));
  await lens.pickImages('astronaut.png');
  await expect(page.getByTestId('notice')).toContainText('The classifier worker crashed');
  await expect(page.getByTestId('notice')).toContainText('results already on screen are kept');
  const interrupted = lens.result('astronaut.png');
  await expect(interrupted).toHaveAttribute('data-status', 'error');
  await expect(interrupted).toHaveAttribute('data-error', /worker crashed/);
  await lens.waitReady();
  await lens.pickImages('coffee.png');
  await lens.expectMatchesPyTorch('coffee.png');
  // What was on screen before the crash is still there.
  await expect(lens.result('chelsea.png')).toHaveAttribute('data-status', 'done');
});
