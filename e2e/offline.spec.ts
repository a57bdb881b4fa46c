import { expect, test } from './test';

test('after one visit, the app and the model work offline', async ({ page, lens, context }) => {
  await lens.openReady();
  // The service worker has precached the shell (HTML, JS, the onnxruntime .wasm).
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.getByTestId('offline-panel').locator('summary').click();
  const tiny = page.locator('[data-testid="offline-model"][data-model-id="repopt-tiny-seeded"]');
  await expect(tiny).toHaveAttribute('data-offline', 'yes');
  await expect(page.getByTestId('offline-panel')).toContainText(
    /1 model available offline, [\d.]+ MB used/,
  );

  await context.setOffline(true);
  await page.reload();
  await lens.waitReady();
  await lens.pickImages('chelsea.png', 'rocket.jpg');
  await lens.expectMatchesPyTorch('chelsea.png');
  await lens.expectMatchesPyTorch('rocket.jpg');

  // Removing the cached model: it is no longer available offline.
  await page.getByTestId('offline-panel').locator('summary').click();
  await tiny.getByRole('button', { name: 'Remove' }).click();
  await expect(tiny).toHaveAttribute('data-offline', 'no');
});

test('?model= URLs that are not models never enter the model cache', async ({ page, lens }) => {
  const cachedPaths = () =>
    page.evaluate(async () => {
      const cache = await caches.open('lens-models-v1');
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
  for (const path of ['/sw.js', '/index.html', '/models/no-such-model.onnx']) {
    await lens.open(`?model=${encodeURIComponent(path)}`);
    await expect(page.getByTestId('model-error')).toBeVisible();
    expect(await cachedPaths(), path).not.toContain(path);
  }
  // A real model by URL is kept once it has loaded.
  await lens.open(`?model=${encodeURIComponent('/models/repopt-tiny.onnx')}`);
  await lens.waitReady();
  await expect.poll(cachedPaths).toContain('/models/repopt-tiny.onnx');
  expect(await cachedPaths()).not.toContain('/sw.js');
  expect(await cachedPaths()).not.toContain('/index.html');
});
