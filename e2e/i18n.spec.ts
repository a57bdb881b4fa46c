/** 简体中文: the page, the stage view and the ImageNet names; a user label file always wins. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from './test';
import { IMAGES, Lens } from './lens';

const zh = (
  JSON.parse(
    readFileSync(resolve(import.meta.dirname, '../src/data/imagenet1k-labels.zh.json'), 'utf8'),
  ) as { labels: string[] }
).labels;
const english = readFileSync(
  resolve(import.meta.dirname, '../src/data/imagenet1k-labels.txt'),
  'utf8',
).split('\n');

test('?lang=zh-CN: Chinese page, html lang, Chinese ImageNet names; switches back to English', async ({
  page,
  lens,
}) => {
  await lens.openReady('?lang=zh-CN');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByTestId('drop-zone')).toContainText('把照片拖到这里');
  await expect(page.getByTestId('source-camera')).toHaveText('摄像头');
  await expect(page.getByTestId('labels-status')).toHaveAttribute('data-source', 'zh');
  await lens.pickImages('chelsea.png');
  const rows = lens.lastResult('chelsea.png').getByTestId('top5-row');
  await expect(rows).toHaveCount(5);
  for (const row of await rows.all()) {
    const index = Number(await row.getAttribute('data-class-index'));
    await expect(row).toHaveAttribute('data-label', zh[index]!);
    await expect(row).toContainText(zh[index]!);
  }
  await page.locator('body').press('s');
  await expect(page.getByTestId('stage-view')).toContainText('退出舞台视图');
  const first = page.getByTestId('stage-view').getByTestId('top5-row').first();
  await expect(first).toHaveAttribute(
    'data-label',
    zh[Number(await first.getAttribute('data-class-index'))]!,
  );
  await page.keyboard.press('Escape');

  // English: the page and the labels follow.
  await page.getByTestId('language-select').selectOption('en');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('drop-zone')).toContainText('Add photos');
  await expect(page.getByTestId('labels-status')).toHaveAttribute('data-source', 'bundled');
  await lens.pickImages('coffee.png');
  const row = lens.lastResult('coffee.png').getByTestId('top5-row').first();
  await expect(row).toHaveAttribute(
    'data-label',
    english[Number(await row.getAttribute('data-class-index'))]!,
  );
});

test('the browser language picks Chinese; labels switch on their own; a user file wins', async ({
  browser,
}) => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  const lens = new Lens(page);
  await lens.openReady();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  // Chinese page, English labels.
  await page.getByTestId('label-language-select').selectOption('en');
  await expect(page.getByTestId('labels-status')).toHaveAttribute('data-source', 'bundled');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  // A user file wins over any label language.
  await page.getByTestId('labels-input').setInputFiles({
    name: 'mine.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from(Array.from({ length: 1000 }, (_, i) => `thing ${i}`).join('\n')),
  });
  await expect(page.getByTestId('labels-status')).toHaveAttribute('data-source', 'user');
  await page.getByTestId('label-language-select').selectOption('zh-CN');
  await expect(page.getByTestId('labels-status')).toHaveAttribute('data-name', 'mine.txt');
  await lens.pickImages('chelsea.png');
  const row = lens.lastResult('chelsea.png').getByTestId('top5-row').first();
  await expect(row).toHaveAttribute(
    'data-label',
    `thing ${await row.getAttribute('data-class-index')}`,
  );
  await context.close();
});

test('?lang=zh-CN: what the engine says comes in Chinese (fast path, label-count warning); data-* stay as they are', async ({
  page,
  lens,
}) => {
  await lens.openReady('?lang=zh-CN');
  const fast = page.getByTestId('model-fast-path');
  await expect(fast).toHaveAttribute('data-path', 'winograd');
  await expect(fast).toContainText(/Winograd：6 个 3x3 卷积中的 \d+ 个（F/);
  await lens.pickImages('coffee.png');
  await expect(page.getByTestId('result-fast-path').first()).toHaveText(
    /^Winograd：6 个 3x3 卷积中的 \d+ 个（F/,
  );

  await lens.openReady('?lang=zh-CN&fast=0&backend=wasm');
  // The backend's reason in the status line, in Chinese too.
  await expect(lens.status).toContainText('设置中选择了 WASM');
  await expect(fast).toHaveAttribute('data-path', 'direct');
  await expect(fast).toContainText('直接卷积（快速路径已关闭）');

  // Ten labels for a 1000-class model: the warning in Chinese, every class shown as "class N".
  await page.getByTestId('labels-input').setInputFiles({
    name: 'ten.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(Array.from({ length: 10 }, (_, i) => `ten ${i}`))),
  });
  await expect(page.getByTestId('labels-warning')).toContainText(
    '模型有 1000 个类别，但 ten.json 列出了 10 个',
  );
  await lens.pickImages('coffee.png');
  const row = lens.lastResult('coffee.png').getByTestId('top5-row').first();
  await expect(row).toHaveAttribute(
    'data-label',
    `class ${await row.getAttribute('data-class-index')}`,
  );

  // Errors: the code's Chinese headline, then the English detail; data-error stays English.
  await lens.pickImages('not-an-image.jpg');
  const bad = lens.result('not-an-image.jpg');
  await expect(bad).toHaveAttribute('data-status', 'error');
  await expect(bad).toHaveAttribute('data-error', /not an image.*text/i);
  await expect(bad.getByRole('alert')).toHaveText(/^不是图片：.*not an image/i);
  await lens.pickModel(resolve(IMAGES, 'not-a-model.onnx'));
  await expect(page.getByTestId('model-error')).toContainText(/不是模型文件：.*not an ONNX model/);
});
