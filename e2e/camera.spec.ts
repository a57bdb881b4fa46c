/** Runs in the "camera" project: chromium's fake camera plays a generated clip. */
import { expect, test } from '@playwright/test';
import { Lens } from './lens';

test('webcam mode classifies live frames, pauses, snapshots, and the stage view toggles by key', async ({
  page,
}) => {
  const lens = new Lens(page);
  await lens.open();
  await lens.waitReady();
  await page.getByTestId('camera-start').click();
  const live = page.getByTestId('live');
  await expect(live).toHaveAttribute('data-live', 'on');
  // At least 10 frames classified: the FPS figure needs several results over time.
  await expect
    .poll(async () => Number(await page.getByTestId('live-stats').getAttribute('data-fps')), {
      timeout: 60_000,
    })
    .toBeGreaterThan(1);
  await expect(live.getByTestId('top5-row')).toHaveCount(5);
  await expect(page.getByTestId('live-stats')).toContainText(
    /frames\/s classified · latency \d+ ms/,
  );

  await page.getByTestId('camera-pause').click();
  await expect(page.getByTestId('live-stats')).toContainText('paused');
  await page.getByTestId('camera-pause').click();

  await page.getByTestId('camera-snapshot').click();
  await expect(lens.result('snapshot-1.png')).toHaveAttribute('data-status', 'done');
  await expect(lens.result('snapshot-1.png').getByTestId('top5-row')).toHaveCount(5);

  // Keyboard only: S opens the stage view, Escape leaves it.
  await page.locator('body').press('s');
  const stage = page.getByTestId('stage-view');
  await expect(stage).toBeVisible();
  await expect(stage).toContainText(/WASM, 2 threads/);
  await expect(stage.locator('.stage-top5 li')).toHaveCount(5);
  await page.keyboard.press('Escape');
  await expect(stage).toBeHidden();
  await page.getByTestId('stage-toggle').click();
  await expect(stage).toBeVisible();
  await page.keyboard.press('S');
  await expect(stage).toBeHidden();

  await page.getByTestId('camera-stop').click();
  await expect(live).toHaveAttribute('data-live', 'off');
});
