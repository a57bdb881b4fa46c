/** Label files: the user's own list is used; a bad one is refused and the previous labels stay. */
import { expect, test } from './test';
import { references } from './lens';

const file = (name: string, text: string) => ({
  name,
  mimeType: 'text/plain',
  buffer: Buffer.from(text),
});

test('label files: a good one is used, wrong counts warn, bad syntax and duplicates are refused', async ({
  page,
  lens,
}) => {
  await lens.openReady();
  const input = page.getByTestId('labels-input');
  const ref = references.images['chelsea.png']!.top5;

  // 1000 labels, one per line: the top-5 is labelled from this file.
  await input.setInputFiles(
    file('mine.txt', Array.from({ length: 1000 }, (_, i) => `thing ${i}`).join('\n')),
  );
  await expect(page.getByTestId('labels-status')).toHaveAttribute('data-count', '1000');
  await lens.pickImages('chelsea.png');
  const rows = lens.result('chelsea.png').getByTestId('top5-row');
  await expect(rows.first()).toHaveAttribute('data-label', `thing ${ref[0]!.index}`);

  // Duplicate ids and bad syntax: refused with a message; the previous labels stay in use.
  await input.setInputFiles(file('dup.txt', "{0: 'a', 0: 'b'}"));
  await expect(page.getByTestId('labels-error')).toContainText('class index 0 appears twice');
  await input.setInputFiles(file('bad.txt', "{0: 'a' 1: 'b'}"));
  await expect(page.getByTestId('labels-error')).toContainText('syntax error on line 1');
  await expect(page.getByTestId('labels-status')).toContainText('mine.txt');

  // Ten labels for a 1000-class model: a warning, and "class N" for every class.
  await input.setInputFiles(
    file('ten.json', JSON.stringify(Array.from({ length: 10 }, (_, i) => `ten ${i}`))),
  );
  await expect(page.getByTestId('labels-warning')).toContainText(
    'The model has 1000 classes but ten.json lists 10',
  );
  await lens.pickImages('coffee.png');
  const coffee = references.images['coffee.png']!.top5[0]!.index;
  await expect(lens.result('coffee.png').getByTestId('top5-row').first()).toHaveAttribute(
    'data-label',
    `class ${coffee}`,
  );
});

test('the comparison model labels from the same user file, whichever was loaded first', async ({
  page,
  lens,
}) => {
  await lens.openReady();
  const own = file('mine.txt', Array.from({ length: 1000 }, (_, i) => `thing ${i}`).join('\n'));
  // Labels first, then the comparison model; then a second file after it is loaded.
  await page.getByTestId('labels-input').setInputFiles(own);
  await page.getByTestId('compare-panel').locator('summary').click();
  await page.getByTestId('compare-select').selectOption('repopt-tiny-seeded');
  await expect(page.getByTestId('compare-status')).toHaveAttribute('data-status', 'ready');
  await lens.pickImages('chelsea.png');
  const rows = lens.lastResult('chelsea.png').getByTestId('compare-result').getByTestId('top5-row');
  await expect(rows).toHaveCount(5);
  for (const row of await rows.all())
    await expect(row).toHaveAttribute(
      'data-label',
      `thing ${await row.getAttribute('data-class-index')}`,
    );
  await page
    .getByTestId('labels-input')
    .setInputFiles(file('other.txt', Array.from({ length: 1000 }, (_, i) => `o${i}`).join('\n')));
  await expect(page.getByTestId('labels-status')).toHaveAttribute('data-name', 'other.txt');
  await lens.pickImages('coffee.png');
  const second = lens
    .lastResult('coffee.png')
    .getByTestId('compare-result')
    .getByTestId('top5-row');
  await expect(second).toHaveCount(5);
  for (const row of await second.all())
    await expect(row).toHaveAttribute(
      'data-label',
      `o${await row.getAttribute('data-class-index')}`,
    );
});
