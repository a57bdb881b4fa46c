/** Verify against PyTorch with references in the shapes other scripts write, and a clear refusal. */
import { type Page } from '@playwright/test';
import { expect, test } from './test';
import { references } from './lens';

const chelsea = references.images['chelsea.png'] as unknown as {
  logits: number[];
  top5: { index: number; probability: number }[];
};
const top5 = chelsea.top5.map((t) => ({ index: t.index, prob: t.probability }));

const shapes: Record<string, unknown> = {
  'results list (image, logits, top5 with prob)': {
    results: [{ image: 'chelsea.png', logits: chelsea.logits, top5 }],
  },
  'images list (path, scores)': {
    images: [{ path: 'photos/chelsea.png', scores: chelsea.logits }],
  },
  'bare list (name, top5 with p)': [
    { name: 'chelsea.png', top5: chelsea.top5.map((t) => ({ index: t.index, p: t.probability })) },
  ],
};

const loadReference = (page: Page, value: unknown) =>
  page.getByTestId('reference-input').setInputFiles({
    name: 'ref.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(value)),
  });

test('Verify reads the common reference shapes, and says which keys a misfit has, in the page language', async ({
  page,
  lens,
}) => {
  await lens.openReady('?lang=en');
  await lens.pickImages('chelsea.png');
  await expect(lens.result('chelsea.png')).toHaveAttribute('data-status', 'done');
  const summary = page.getByTestId('verify-summary');
  for (const [shape, value] of Object.entries(shapes)) {
    await loadReference(page, value);
    await expect(summary, shape).toHaveAttribute('data-checked', '1');
    await expect(summary, shape).toHaveAttribute('data-passed', '1');
    await expect(page.getByTestId('verify-error')).toHaveCount(0);
  }

  await loadReference(page, { results: [{ img: 'chelsea.png', output: chelsea.logits }] });
  const error = page.getByTestId('verify-error');
  await expect(error).toContainText(
    'Reference entry 1: found img, output; missing image|file|path|name.',
  );
  await page.getByTestId('language-select').selectOption('zh-CN');
  await expect(error).toContainText(
    '参考条目 1：找到的键为 img, output；缺少 image|file|path|name。',
  );
});
