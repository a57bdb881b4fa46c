/**
 * 简体中文 beyond the headlines (issue 21, item 14): the bundled models' names, the convert
 * summary, error causes with the English detail behind 详情, the URL options' notices, the
 * full-width colon, and the precision findings. Values and data-* attributes stay English.
 */
import { resolve } from 'node:path';
import { expect, test } from './test';
import { IMAGES } from './lens';

const ROOT = resolve(import.meta.dirname, '..');
const TINY_ZH = 'RepOpt-VGG 微型（随机种子，未训练）';
const TINY_EN = 'RepOpt-VGG tiny (seeded, untrained)';

test('model names in the selects, the status line and on stage are Chinese; values stay ids', async ({
  page,
  lens,
}) => {
  await lens.openReady('?lang=zh-CN');
  const option = page.getByTestId('model-select').locator('option[value="repopt-tiny-seeded"]');
  await expect(option).toHaveText(TINY_ZH);
  await expect(page.getByTestId('model-select')).toHaveValue('repopt-tiny-seeded');
  await expect(
    page.getByTestId('model-select').locator('option[value="ghostnet-0.5x-seeded"]'),
  ).toHaveText('RepGhostNet-0.5x（随机种子，未训练）');
  await expect(lens.status).toContainText(TINY_ZH);
  await expect(lens.status).not.toContainText(TINY_EN);

  await lens.pickImages('chelsea.png');
  await expect(lens.results.first()).toHaveAttribute('data-status', 'done');
  await page.locator('body').press('s');
  const stage = page.getByTestId('stage-view');
  await expect(
    stage.getByTestId('stage-model-select').locator('option[value="repopt-tiny-seeded"]'),
  ).toHaveText(TINY_ZH);
  // The bars' model: the name shown in Chinese, data-model as the manifest has it.
  await expect(stage.getByTestId('stage-bars')).toHaveAttribute('data-model', TINY_EN);
  await expect(stage.getByTestId('stage-bars-from')).toContainText(TINY_ZH);
  await page.keyboard.press('Escape');

  // Back in English: the manifest's names.
  await page.getByTestId('language-select').selectOption('en');
  await expect(option).toHaveText(TINY_EN);
  await expect(lens.status).toContainText(TINY_EN);
});

test('the convert summary is rendered from its data; the compare heading takes a full-width colon', async ({
  page,
  lens,
}) => {
  await lens.openReady('?lang=zh-CN');
  await lens.pickModel(resolve(ROOT, 'test/data/checkpoints/training.pth'));
  const converted = page.getByTestId('converted-model');
  await expect(converted).toHaveCount(1, { timeout: 60_000 });
  await expect(converted).toContainText(
    'RepOpt-VGG，各阶段块数 [1, 1, 1, 1]，宽度 [0.0625, 0.0625, 0.0625, 0.0625]（target 模式，10 类）',
  );
  await expect(converted).not.toContainText('classes');
  await expect(converted).not.toContainText('mode,');

  const panel = page.getByTestId('compare-panel');
  await panel.locator('summary').click();
  await page.getByTestId('compare-select').selectOption('repopt-tiny-seeded');
  await expect(page.getByTestId('compare-status')).toHaveAttribute('data-status', 'ready', {
    timeout: 60_000,
  });
  await expect(panel.locator('summary')).toHaveText(`与第二个模型对比：${TINY_ZH}`);
});

test('errors: the cause in Chinese, the English detail behind 详情; data-error stays English', async ({
  page,
  lens,
}) => {
  await lens.openReady('?lang=zh-CN');
  await lens.pickImages('not-an-image.jpg');
  const bad = lens.result('not-an-image.jpg');
  await expect(bad).toHaveAttribute('data-status', 'error');
  await expect(bad).toHaveAttribute('data-error', /not an image.*text/i);
  const alert = bad.getByRole('alert');
  await expect(alert).toContainText('不是图片：这个文件看起来是文本。');
  const details = alert.getByTestId('error-details');
  await expect(details.locator('summary')).toHaveText('详情');
  await expect(details).not.toHaveAttribute('open', /.*/);
  // Closed: the English is there but not shown until 详情 is opened.
  const english = details.getByText(/This file is not an image/);
  await expect(english).toBeHidden();
  await details.locator('summary').click();
  await expect(english).toBeVisible();

  await lens.pickModel(resolve(IMAGES, 'not-a-model.onnx'));
  const error = page.getByTestId('model-error');
  await expect(error).toContainText(/无法加载 not-a-model\.onnx：不是模型文件/);
  await expect(error.getByTestId('error-details')).toContainText('not an ONNX model');
  await expect(error.getByTestId('error-details').getByText(/not an ONNX model/)).toBeHidden();
});

test('URL options that are not understood are named in Chinese', async ({ page, lens }) => {
  await lens.openReady('?lang=zh-CN&threads=0&fast=maybe&preset=big');
  const notice = page.getByTestId('notice');
  await expect(notice).toContainText('?threads=0 不是 1 到 16 之间的整数：使用默认值。');
  await expect(notice).toContainText('?fast=maybe 不是 0 或 1：快速路径保持开启。');
  await expect(notice).toContainText('?preset=big 不是预设（');
  await expect(notice).not.toContainText('is not');
});

test('precision findings in Chinese', async ({ page, lens }) => {
  await lens.openReady('?lang=zh-CN');
  await lens.pickModel(resolve(ROOT, 'test/data/precision/weight-overflow.onnx'));
  await expect(lens.status).toHaveAttribute('data-status', 'ready');
  await lens.pickImages('chelsea.png', 'coffee.png');
  await expect(lens.results).toHaveCount(2);
  const panel = page.getByTestId('precision-panel');
  await panel.locator('summary').click();
  await panel.getByTestId('precision-run').click();
  const fp16 = panel.getByTestId('precision-fp16');
  await expect(fp16).toHaveAttribute('data-top-kind', 'weight-overflow', { timeout: 60_000 });
  await expect(fp16).toContainText(/通道 \d+：有权重为 1\.00e\+5，超出 fp16 的上限 65504/);
  await expect(fp16).not.toContainText('is beyond');
});
