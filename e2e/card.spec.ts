/** A result card leads with the answer; the crop is captioned; engine details are one click away. */
import { expect, test } from './test';
import { writeGeneratedModel } from './generated-model';

test('the crop says what it is, and engine details sit behind "Details" with their hooks', async ({
  lens,
}) => {
  await lens.openReady('?lang=en');
  await lens.pickImages('chelsea.png');
  const card = lens.result('chelsea.png');
  await expect(card).toHaveAttribute('data-status', 'done');
  await expect(card.getByTestId('crop-caption')).toHaveText(
    'What the network saw: the 224x224 crop',
  );
  const details = card.getByTestId('result-details');
  await expect(card.getByTestId('timings')).toBeHidden();
  await expect(card.getByTestId('result-fast-path')).toHaveText(/3x3 convolutions/);
  await details.locator('summary').click();
  await expect(card.getByTestId('timings')).toBeVisible();
  await expect(card.getByTestId('timings')).toContainText(/inference [\d.]+ ms/);
});

test('a card leads with the answer in words (or says an untrained model has none), and the list explains % and #', async ({
  page,
  lens,
}) => {
  await lens.openReady('?lang=en');
  await lens.pickImages('chelsea.png');
  const card = lens.result('chelsea.png');
  await expect(card).toHaveAttribute('data-status', 'done');
  const [top] = await lens.top5('chelsea.png');
  const lead = card.getByTestId('lead');
  // The bundled model is seeded: its top class is no answer, and the card says so first.
  await expect(lead).toHaveAttribute('data-lead', 'untrained');
  await expect(lead).toContainText('Not a real answer:');
  await expect(lead).toContainText('comes from untrained weights');
  await expect(lead).toContainText(`"${top!.label.split(',')[0]}"`);
  const leadBox = (await lead.boundingBox())!;
  const barBox = (await card.getByTestId('top5-row').first().boundingBox())!;
  expect(leadBox.y + leadBox.height, 'the sentence before the bars').toBeLessThanOrEqual(barBox.y);
  const legend = page.getByTestId('results-legend');
  await expect(legend).toBeVisible();
  await expect(legend).toContainText('% is how sure the model is');
  await expect(legend).toContainText('#155 is the class number in ImageNet-1k');

  // A model that is sure of class 33 (loggerhead) and not flagged untrained: "Most likely".
  const sure = writeGeneratedModel({
    name: 'e2e-lead',
    channels: 4,
    layers: 1,
    confident: { index: 33, margin: 30 },
  });
  await lens.pickModel(sure);
  await expect(lens.status).toContainText('e2e-lead');
  await lens.waitReady();
  await lens.pickImages('coffee.png');
  const answer = lens.result('coffee.png').getByTestId('lead');
  await expect(answer).toHaveAttribute('data-lead', 'likely');
  await expect(answer).toHaveText('Most likely: loggerhead (100 %)');
  await page.getByTestId('language-select').selectOption('zh-CN');
  await expect(answer).toHaveText(/^最可能：.+（100%）$/);
  await expect(legend).toContainText('百分比是模型对每个类别的把握');
});
