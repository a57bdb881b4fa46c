/**
 * A model load shows its stages (download, read, prepare, fast path, warm-up) with their times,
 * "ready in" counts from the user's choice, and a photo dropped during the load says it waits for
 * the model, then gets PyTorch's answer from it.
 */
import { type Page } from '@playwright/test';
import { expect, test } from './test';
import { writeGeneratedModel } from './generated-model';
import { routeSecondModel, SECOND_MODEL } from './second-model';

/** Every stage the page showed, as "phase:state", recorded in the page as the list changes. */
async function recordStages(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen = new Set<string>();
    (window as unknown as { __stages: Set<string> }).__stages = seen;
    const look = () =>
      document
        .querySelectorAll('[data-testid=model-status] [data-testid=load-stage]')
        .forEach((li) =>
          seen.add(`${li.getAttribute('data-phase')}:${li.getAttribute('data-state')}`),
        );
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
    });
  });
  return () => page.evaluate(() => [...(window as unknown as { __stages: Set<string> }).__stages]);
}

test.describe('a model whose download is held', () => {
  // The service worker would answer from its cache and hide the routes.
  test.use({ serviceWorkers: 'block' });

  test("the download stage runs, a photo dropped meanwhile waits for the model, then gets PyTorch's answer; ready in counts from the choice", async ({
    page,
    lens,
  }) => {
    const { release } = await routeSecondModel(page);
    await lens.openReady('?lang=en');
    const stages = await recordStages(page);
    const chosen = Date.now();
    await page.getByTestId('model-select').selectOption(SECOND_MODEL.id);
    const download = lens.status.locator('[data-testid=load-stage][data-phase=download]');
    await expect(download).toHaveAttribute('data-state', 'running');
    await expect(download).toContainText('download');

    await lens.dropImages('chelsea.png');
    const card = lens.result('chelsea.png');
    const pending = card.getByTestId('pending');
    await expect(pending).toHaveAttribute('data-waiting', 'model');
    await expect(pending).toHaveText(/Waiting for the model/);
    await expect(pending).not.toContainText('Classifying');
    // The stage's time counts up while it runs.
    await expect
      .poll(async () => Number(await download.getAttribute('data-ms')), { timeout: 10_000 })
      .toBeGreaterThan(1000);
    const held = Date.now() - chosen;
    release();

    await lens.waitReady();
    await expect(lens.status).toContainText(SECOND_MODEL.name);
    await lens.expectMatchesPyTorch('chelsea.png');
    const total = Date.now() - chosen;
    const readyMs = Number(await lens.status.getAttribute('data-ready-ms'));
    // From the choice, the held download included: not the engine's own time (a few ms here).
    expect(readyMs).toBeGreaterThanOrEqual(held);
    expect(readyMs).toBeLessThanOrEqual(total);
    const text = (await lens.status.textContent()) ?? '';
    expect(Number(/ready in (\d+) ms/.exec(text)?.[1])).toBe(readyMs);
    const seen = await stages();
    // Each stage shown while it ran (the list gives way to the ready line at the end).
    for (const phase of ['download', 'session', 'warmup'])
      expect(seen, `stage ${phase}`).toContain(`${phase}:running`);
    expect(seen).toEqual(expect.arrayContaining(['download:done', 'session:done']));
    // The ready line keeps each stage's time for whoever asks (its title).
    const title = await lens.status.locator('span[title]').first().getAttribute('title');
    expect(title).toMatch(/download \d+\.\d s · prepare \d+\.\d s · .*warm-up \d+\.\d s/);
  });
});

test('a slow model picked as a file: reading, preparing and a warm-up with a spinner and its time', async ({
  page,
  lens,
}) => {
  test.setTimeout(180_000);
  // 5x5 convolutions, 64 channels at 224x224 (about 15 G multiply-adds): its warm-up run alone
  // takes seconds on a 2-core machine.
  const slow = writeGeneratedModel({ name: 'e2e-slow-load', channels: 64, layers: 3 });
  await lens.openReady('?lang=zh-CN');
  const stages = await recordStages(page);
  await lens.pickModel(slow);
  // Picked during the load: it waits for the model.
  await lens.pickImages('coffee.png');
  await expect(lens.result('coffee.png').getByTestId('pending')).toHaveText(/正在等待模型/);
  const warmup = lens.status.locator('[data-testid=load-stage][data-phase=warmup]');
  await expect(warmup).toHaveAttribute('data-state', 'running');
  await expect(warmup.locator('.spinner')).toBeVisible();
  await expect(warmup).toContainText('预热');
  await lens.waitReady();
  await expect(lens.status).toContainText('e2e-slow-load');
  await expect(lens.result('coffee.png')).toHaveAttribute('data-status', 'done');
  const seen = await stages();
  expect(seen).toEqual(expect.arrayContaining(['file:done', 'session:done', 'warmup:running']));
  const title = await lens.status.locator('span[title]').first().getAttribute('title');
  expect(title).toMatch(/读取文件 \d+\.\d 秒 · 准备 \d+\.\d 秒 · 预热 \d+\.\d 秒/);
  const readyMs = Number(await lens.status.getAttribute('data-ready-ms'));
  const info = await page.evaluate(() => window.__lens!.state().activeInfo!);
  expect(readyMs).toBeGreaterThanOrEqual(info.loadMs + info.warmupMs);
});

test('a fast path prepared after the load says so beside "ready" until it takes over', async ({
  page,
  lens,
}) => {
  // Watched from before the page's own scripts: the note may come and go quickly.
  await page.addInitScript(() => {
    const w = window as unknown as { __fastPending: boolean };
    w.__fastPending = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid=fast-pending]')) w.__fastPending = true;
    }).observe(document, { subtree: true, childList: true });
  });
  // ?fastbg=0: every model answers with the file first and takes the fast path in the background
  // (onnxruntime's path: the lens kernels pack their Winograd weights at load).
  await lens.openReady('?fastbg=0&kernels=onnxruntime&lang=en');
  await expect(page.getByTestId('model-fast-path')).toHaveAttribute('data-path', 'winograd', {
    timeout: 120_000,
  });
  expect(
    await page.evaluate(() => (window as unknown as { __fastPending: boolean }).__fastPending),
  ).toBe(true);
  await expect(page.getByTestId('fast-pending')).toHaveCount(0);
});
