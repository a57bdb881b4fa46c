/**
 * The image rows of the bad-input matrix in the browser (production build, WASM): every file ends
 * in a clear message or in the classification PyTorch gives, the next good image still
 * classifies, and the results already on screen stay. One page for the whole table, as a user
 * would throw one file after another at it.
 */
import { type Page } from '@playwright/test';
import { expect, test } from './test';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PRESETS, preprocess } from '../src/core/preprocess/preprocess';
import { decodeBytes } from '../src/node/decode-node';
import { BAD_DIR, BAD_ROWS, BIG_PHOTO, makeBigPhoto, reference } from './bad-inputs';
import { Lens, references } from './lens';
import { chromiumProcesses, resetPeaks } from '../src/node/proc-memory';

const GOOD = 'chelsea.png';

test.describe('bad-input matrix: images', () => {
  test.describe.configure({ mode: 'serial' });
  let page: Page;
  let lens: Lens;
  let picked = 0;

  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    lens = new Lens(page);
    await lens.openReady('?model=repopt-tiny-seeded');
  });
  test.afterAll(async () => {
    await page.close();
  });

  for (const row of BAD_ROWS) {
    test(`${row.file}: ${row.outcome === 'error' ? row.message.source : 'classifies'}`, async () => {
      await lens.pickFiles(resolve(BAD_DIR, row.file));
      picked++;
      const result = lens.lastResult(row.file);
      if (row.outcome === 'error') {
        await expect(result).toHaveAttribute('data-status', 'error');
        await expect(result).toHaveAttribute('data-error', row.message);
      } else {
        const ref = reference(row.file, row.browser);
        await lens.expectTop5(result, ref.top5, row.file);
        await expect(result).toHaveAttribute('data-crop-sha256', ref.crop_sha256);
        if (row.note) await expect(result).toContainText(row.note);
      }
      // The app goes on: the next good image classifies as PyTorch does.
      await lens.pickImages(GOOD);
      picked++;
      await lens.expectTop5(lens.lastResult(GOOD), references.images[GOOD]!.top5, GOOD);
      // And nothing already on screen was lost.
      await expect(lens.results).toHaveCount(picked);
    });
  }
});

test.describe('a 50-megapixel photo', () => {
  let dir: string;
  let file: string;
  test.beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lens-50mp-'));
    file = join(dir, 'photo-50mp.jpg');
    await makeBigPhoto(file);
  });
  test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('classifies exactly as the Node decoder does, within a memory bound', async ({ lens }) => {
    await lens.openReady('?model=repopt-tiny-seeded');
    const before = chromiumProcesses();
    const reset = resetPeaks(before);
    const rssBefore = new Map(before.map((p) => [p.pid, p.rssBytes]));

    await lens.pickFiles(file);
    const result = lens.lastResult('photo-50mp.jpg');
    await expect(result).toHaveAttribute('data-status', 'done');
    const after = chromiumProcesses();
    const renderer = after
      .filter((p) => p.type === 'renderer')
      .sort((a, b) => b.peakBytes - a.peakBytes)[0]!;
    const mb = (n: number) => Math.round(n / 2 ** 20);
    const base = rssBefore.get(renderer.pid) ?? 0;
    const others = after.filter((p) => p !== renderer);
    console.log(
      `50 MP (${BIG_PHOTO.width}x${BIG_PHOTO.height}) in chromium: renderer peak RSS ${mb(renderer.peakBytes)} MB ` +
        `(${mb(renderer.peakBytes - base)} MB above before the photo${reset ? '' : '; peak not reset'}); ` +
        `other processes: ${others.map((p) => `${p.type} ${mb(p.peakBytes)} MB`).join(', ')}`,
    );
    // Measured: createImageBitmap peaks at about twice its 191 MB bitmap, the RGB copy is 143 MB
    // (taken from the bitmap a strip at a time, no full-size canvas), and the page's <img> of the
    // photo costs about as much again. A full-size canvas + ImageData would add 380 MB more.
    if (reset) expect(renderer.peakBytes - base).toBeLessThan(2 ** 30);

    // The same crop as sharp + the same preprocessing (which equal Pillow: test/bad-input.test.ts).
    const { image } = await decodeBytes(new Uint8Array(readFileSync(file)));
    const crop = preprocess(image, PRESETS['torchvision-256-224']).crop;
    const sha = createHash('sha256').update(crop.data).digest('hex');
    await expect(result).toHaveAttribute('data-crop-sha256', sha);
    await expect(result).toContainText(`${BIG_PHOTO.width}x${BIG_PHOTO.height}`);

    await lens.pickImages(GOOD);
    await lens.expectTop5(lens.lastResult(GOOD), references.images[GOOD]!.top5, GOOD);
  });
});
