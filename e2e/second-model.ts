/** A second manifest entry (a copy of the bundled model) whose download waits for the test. */
import type { Page } from '@playwright/test';

export const SECOND_MODEL = { id: 'tiny-copy', name: 'Tiny copy (slow download)' };

/**
 * Routes models.json to list the copy and holds its download until `release()` is called. Needs
 * `serviceWorkers: 'block'` (the service worker would answer from its cache, past the routes).
 */
export async function routeSecondModel(page: Page): Promise<{ release: () => void }> {
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/models/models.json', async (route) => {
    const response = await route.fetch();
    const manifest = (await response.json()) as { models: Record<string, unknown>[] };
    manifest.models.push({ ...manifest.models[0]!, ...SECOND_MODEL, file: 'tiny-copy.onnx' });
    await route.fulfill({ response, json: manifest });
  });
  await page.route('**/models/tiny-copy.onnx', async (route) => {
    const url = route.request().url().replace('tiny-copy.onnx', 'repopt-tiny.onnx');
    const response = await route.fetch({ url });
    await held;
    await route.fulfill({ response });
  });
  return { release: () => release() };
}
