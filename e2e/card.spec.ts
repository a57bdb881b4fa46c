/** A result card leads with the answer; the crop is captioned; engine details are one click away. */
import { expect, test } from './test';

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
