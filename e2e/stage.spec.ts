/**
 * The stage view as a presenter meets it: percentages that fit at 100 % in both languages, S
 * right after a choice in a select, a model picker on the stage, and what the page and the stage
 * say when the camera is refused or missing.
 */
import { type Locator, type Page } from '@playwright/test';
import { expect, test } from './test';
import { writeGeneratedModel } from './generated-model';
import { routeSecondModel, SECOND_MODEL } from './second-model';

/** A fast model whose class 33 wins with about 100 % (its logit is 30 above the rest). */
const confident = () =>
  writeGeneratedModel({
    name: 'e2e-confident',
    channels: 8,
    layers: 0,
    confident: { index: 33, margin: 30 },
  });

/** Every percentage in these rows fits its column: no overflow, and it ends before the label. */
async function expectPercentagesFit(rows: Locator): Promise<void> {
  const boxes = await rows.evaluateAll((list) =>
    list.map((row) => {
      const pct = row.querySelector<HTMLElement>('.pct')!;
      const label = row.querySelector<HTMLElement>('.label')!;
      // The text's own width, whatever the box's.
      const range = document.createRange();
      range.selectNodeContents(pct);
      return {
        text: pct.textContent,
        textRight: range.getBoundingClientRect().right,
        labelLeft: label.getBoundingClientRect().left,
        overflow: pct.scrollWidth - pct.clientWidth,
      };
    }),
  );
  expect(boxes.length).toBe(5);
  expect(boxes[0]!.text).toBe('100.00%');
  for (const b of boxes) {
    expect(b.overflow, `${b.text} overflows its column`).toBeLessThanOrEqual(0);
    expect(b.textRight, `${b.text} runs into its label`).toBeLessThanOrEqual(b.labelLeft);
  }
}

/** Chooses an option in a focused select, as a user does, and leaves the focus there. */
async function choose(page: Page, testId: string, value: string): Promise<void> {
  const select = page.getByTestId(testId);
  await select.focus();
  await select.selectOption(value);
  await expect(select).toBeFocused();
}

test.use({ viewport: { width: 1920, height: 1080 } });

test('the stage fits "100.00%" beside its label in English and Chinese; S works right after a header select', async ({
  page,
  lens,
}) => {
  await lens.openReady('?lang=en');
  await lens.pickModel(confident());
  await expect(lens.status).toContainText('e2e-confident');
  await lens.waitReady();
  await lens.pickImages('chelsea.png');
  await expect(lens.result('chelsea.png')).toHaveAttribute('data-status', 'done');

  // The language select keeps the focus after the choice; S opens the stage all the same.
  await choose(page, 'language-select', 'zh-CN');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await page.keyboard.press('s');
  const stage = page.getByTestId('stage-view');
  await expect(stage).toBeVisible();
  // The choice stayed what it was: S did not pick another option.
  await expect(page.getByTestId('language-select')).toHaveValue('zh-CN');
  await expectPercentagesFit(stage.getByTestId('top5-row'));
  await page.keyboard.press('Escape');
  await expect(stage).toBeHidden();

  await choose(page, 'language-select', 'en');
  await page.keyboard.press('S');
  await expect(stage).toBeVisible();
  await expectPercentagesFit(stage.getByTestId('top5-row'));
  // Before any choice, S in a select is the browser's type-ahead, not the stage key.
  await page.keyboard.press('Escape');
  await page.getByTestId('backend-select').focus();
  await page.keyboard.press('s');
  await expect(stage).toBeHidden();
});

test.describe('a second model in the list', () => {
  // The service worker would answer from its cache and hide the routes below.
  test.use({ serviceWorkers: 'block' });

  test('the stage switches models itself: a picker, the load in large type, bars named and dimmed', async ({
    page,
    lens,
  }) => {
    const { release } = await routeSecondModel(page);
    await lens.openReady('?lang=en');
    await lens.pickImages('chelsea.png');
    await expect(lens.result('chelsea.png')).toHaveAttribute('data-status', 'done');
    await page.locator('body').press('s');
    const stage = page.getByTestId('stage-view');
    const bars = stage.getByTestId('stage-bars');
    await expect(bars).toHaveAttribute('data-stale', 'false');
    await expect(bars).toHaveAttribute('data-model', 'RepOpt-VGG tiny (seeded, untrained)');

    await choose(page, 'stage-model-select', SECOND_MODEL.id);
    const loading = stage.getByTestId('stage-loading');
    await expect(loading).toBeVisible();
    await expect(loading).toContainText(`Loading the next model: ${SECOND_MODEL.name}`);
    await expect(bars).toHaveAttribute('data-stale', 'true');
    await expect(stage.getByTestId('stage-bars-from')).toContainText(
      'Bars from RepOpt-VGG tiny (seeded, untrained)',
    );
    expect(Number(await bars.evaluate((e) => getComputedStyle(e).opacity))).toBeLessThan(0.6);
    release();
    await expect(loading).toBeHidden();
    await lens.waitReady();
    await expect(page.getByTestId('model-select')).toHaveValue(SECOND_MODEL.id);
    await expect(bars).toHaveAttribute('data-stale', 'false');
    // Escape leaves the stage from its own picker.
    await page.keyboard.press('Escape');
    await expect(stage).toBeHidden();
  });
});

for (const [name, message, problem, words] of [
  ['NotAllowedError', 'Permission denied', 'denied', /blocked.*address bar.*Allow/],
  ['NotFoundError', 'Requested device not found', 'absent', /No camera was found/],
] as const) {
  test(`camera ${problem}: the page and the stage say what to do, and photos are one click away`, async ({
    page,
    lens,
  }) => {
    // The browser's answer to getUserMedia, as a real refusal or a machine without a camera gives it.
    await page.addInitScript(
      ([n, m]) => {
        navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException(m, n));
      },
      [name, message] as const,
    );
    await lens.openReady('?lang=en');
    await lens.startCamera();
    const notice = page.getByTestId('camera-problem');
    await expect(notice).toHaveAttribute('data-problem', problem);
    await expect(notice).toContainText(words);
    // Not the dead end it was: no "The camera is off. Start it…" under the refusal.
    await expect(page.getByTestId('live')).not.toContainText('The camera is off');

    await page.locator('body').press('s');
    const onStage = page.getByTestId('stage-camera-problem');
    await expect(onStage).toContainText(words);
    await expect(page.getByTestId('stage-view')).not.toContainText('Drop a photo');
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('stage-use-photos').click();
    await (await chooser).setFiles(`${import.meta.dirname}/fixtures/images/chelsea.png`);
    await expect(page.getByTestId('stage-view')).toBeHidden();
    await expect(page.getByTestId('source-photos')).toHaveAttribute('aria-selected', 'true');
    await expect(lens.result('chelsea.png')).toHaveAttribute('data-status', 'done');
  });
}

test('the camera refusal is said in Chinese on the Chinese page', async ({ page, lens }) => {
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  await lens.openReady('?lang=zh-CN');
  await lens.startCamera();
  await expect(page.getByTestId('camera-problem')).toContainText('摄像头权限被阻止');
  await expect(page.getByTestId('camera-use-photos')).toHaveText('改用照片');
});
