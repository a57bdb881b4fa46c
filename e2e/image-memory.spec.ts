/**
 * Issue 12, row 4: the page's memory for images whose header claims many pixels. A 1 KB RLE BMP
 * claiming 23000 x 23000 took the renderer from 0.3 to 4.35 GB before it was refused; now the
 * header is read first and it is refused as too large, and an accepted 100-megapixel RLE BMP is
 * decoded by the project's decoder (Pillow's pixels, only the RGB result allocated). Memory is the
 * sum of the test's chromium processes' RSS from /proc (e2e/proc-memory.ts); the bound is the
 * issue's: no file raises the peak by more than 1 GiB.
 */
import { PROB_TOL } from './tolerances';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRESETS, preprocess } from '../src/core/preprocess/preprocess';
import { decodeBytes } from '../src/node/decode-node';
import { makeBigPhoto } from './bad-inputs';
import { Lens, references } from './lens';
import { chromiumProcesses, resetPeaks } from '../src/node/proc-memory';

const GOOD = 'chelsea.png';
const GIB = 2 ** 30;

/**
 * An 8-bit RLE BMP of `w` x `h`: with `fill`, every row is encoded (runs of 255, palette index by
 * band of rows, so the picture has edges); without, only the end-of-bitmap code (about 1 KB).
 */
function rleBmp(w: number, h: number, fill: boolean): Uint8Array {
  const palette = [
    [40, 90, 200],
    [230, 210, 60],
    [20, 140, 70],
  ];
  const runs: number[] = [];
  if (fill) {
    for (let y = 0; y < h; y++) {
      const index = Math.floor((y * 7) / h) % palette.length;
      for (let x = 0; x < w; x += 255) runs.push(Math.min(255, w - x), index);
      runs.push(0, 0); // end of line
    }
  } else for (let i = 0; i < 480; i++) runs.push(0, 0); // end-of-line codes: about 1 KB
  runs.push(0, 1); // end of bitmap
  const offset = 14 + 40 + palette.length * 4;
  const bytes = new Uint8Array(offset + runs.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x42;
  bytes[1] = 0x4d;
  view.setUint32(2, bytes.length, true);
  view.setUint32(10, offset, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, w, true);
  view.setInt32(22, h, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 8, true);
  view.setUint32(30, 1, true); // BI_RLE8
  view.setUint32(34, runs.length, true);
  view.setUint32(46, palette.length, true);
  palette.forEach(([r, g, b], i) => bytes.set([b!, g!, r!, 0], 54 + i * 4));
  bytes.set(runs, offset);
  return bytes;
}

/** The renderer's peak RSS above its RSS before `run`, and the sum over all the test's chromium. */
async function peakDuring(run: () => Promise<void>): Promise<{ renderer: number; total: number }> {
  const before = chromiumProcesses();
  const reset = resetPeaks(before);
  test.skip(!reset, 'cannot reset peak RSS here (/proc/<pid>/clear_refs)');
  const rss = new Map(before.map((p) => [p.pid, p.rssBytes]));
  await run();
  const after = chromiumProcesses();
  const above = after.map((p) => p.peakBytes - (rss.get(p.pid) ?? 0));
  const renderer = Math.max(
    ...after.filter((p) => p.type === 'renderer').map((p) => p.peakBytes - (rss.get(p.pid) ?? 0)),
  );
  return { renderer, total: above.reduce((a, b) => a + Math.max(0, b), 0) };
}

/**
 * The comparison model classified the main model's crop (one decode, `data-decoded="no"`), and
 * with the same model in both workers its top-5 equals the card's own exactly.
 */
async function expectSharedCrop(result: Locator): Promise<void> {
  const compare = result.getByTestId('compare-result');
  await expect(compare).toHaveAttribute('data-decoded', 'no');
  const read = (rows: Locator) =>
    rows.evaluateAll((els) =>
      els.map((r) => [r.getAttribute('data-class-index'), r.getAttribute('data-probability')]),
    );
  const all = await read(result.getByTestId('top5-row'));
  const theirs = await read(compare.getByTestId('top5-row'));
  expect(theirs).toHaveLength(5);
  expect(all.slice(0, 5)).toEqual(theirs);
}

test.describe('image memory (issue 12 row 4)', () => {
  test.describe.configure({ mode: 'serial' });
  let dir: string;
  let page: Page;
  let lens: Lens;
  test.beforeAll(async ({ browser }) => {
    dir = mkdtempSync(join(tmpdir(), 'lens-bmp-bomb-'));
    page = await browser.newPage();
    lens = new Lens(page);
    await lens.open('?model=repopt-tiny-seeded');
    await lens.waitReady();
  });
  test.afterAll(async () => {
    await page.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a 1 KB BMP claiming 23000 x 23000 is refused as too large, before decoding', async () => {
    const file = join(dir, 'bomb.bmp');
    writeFileSync(file, rleBmp(23000, 23000, false));
    expect(readFileSync(file).length).toBeLessThan(2100);
    const peak = await peakDuring(async () => {
      await lens.pickFiles(file);
      await expect(lens.lastResult('bomb.bmp')).toHaveAttribute('data-status', 'error');
    });
    console.log(
      `bomb.bmp: renderer peak +${Math.round(peak.renderer / 2 ** 20)} MB, all chromium +${Math.round(peak.total / 2 ** 20)} MB`,
    );
    await expect(lens.lastResult('bomb.bmp')).toHaveAttribute(
      'data-error',
      'The image is too large (23000 x 23000, limit 100 megapixels): it has 529 megapixels.',
    );
    expect(peak.total).toBeLessThan(GIB);
    await lens.pickImages(GOOD);
    await lens.expectTop5(lens.lastResult(GOOD), references.images[GOOD]!.top5, GOOD);
  });

  test("an accepted 100-megapixel RLE BMP classifies with Pillow's pixels, under 1 GiB", async () => {
    const file = join(dir, 'big.bmp');
    const bytes = rleBmp(10000, 10000, true);
    writeFileSync(file, bytes);
    const peak = await peakDuring(async () => {
      await lens.pickFiles(file);
      await expect(lens.lastResult('big.bmp')).toHaveAttribute('data-status', 'done');
    });
    console.log(
      `big.bmp (10000x10000, ${Math.round(bytes.length / 1024)} KB): renderer peak +${Math.round(peak.renderer / 2 ** 20)} MB, all chromium +${Math.round(peak.total / 2 ** 20)} MB`,
    );
    expect(peak.total).toBeLessThan(GIB);
    // The Node decoder is the same core decoder, equal to Pillow bit for bit (test/bmp.test.ts).
    const { image } = await decodeBytes(bytes);
    const crop = preprocess(image, PRESETS['torchvision-256-224']).crop;
    await expect(lens.lastResult('big.bmp')).toHaveAttribute(
      'data-crop-sha256',
      createHash('sha256').update(crop.data).digest('hex'),
    );
  });

  test('with a comparison model, it is decoded once (the crop handed over), still under 1 GiB', async () => {
    // Measured (chromium 156, 2 threads): through createImageBitmap the renderer's peak rose by
    // 766 MB for one worker and 1339 MB with a comparison model (this test failed); with the
    // project's decoder, 392 MB and 390 MB (each worker decoding its copy, one after the other).
    await page.getByTestId('compare-panel').locator('summary').click();
    await page.getByTestId('compare-select').selectOption('repopt-tiny-seeded');
    await expect(page.getByTestId('compare-status')).toHaveAttribute('data-status', 'ready');
    const file = join(dir, 'big2.bmp');
    writeFileSync(file, rleBmp(10000, 10000, true));
    const peak = await peakDuring(async () => {
      await lens.pickFiles(file);
      const result = lens.lastResult('big2.bmp');
      await expect(result).toHaveAttribute('data-status', 'done');
      await expect(result.getByTestId('compare-result')).toBeVisible();
    });
    await expectSharedCrop(lens.lastResult('big2.bmp'));
    console.log(
      `big2.bmp with a comparison model: renderer peak +${Math.round(peak.renderer / 2 ** 20)} MB, all chromium +${Math.round(peak.total / 2 ** 20)} MB`,
    );
    expect(peak.total).toBeLessThan(GIB);
  });

  test('a 50-megapixel JPEG with a comparison model is decoded once and stays under 1 GiB', async () => {
    // Before (issue 12 row 4, each worker decoding through createImageBitmap): +582 MB.
    const file = join(dir, 'photo-50mp.jpg');
    await makeBigPhoto(file);
    const peak = await peakDuring(async () => {
      await lens.pickFiles(file);
      const result = lens.lastResult('photo-50mp.jpg');
      await expect(result).toHaveAttribute('data-status', 'done');
      await expect(result.getByTestId('compare-result')).toBeVisible();
    });
    await expectSharedCrop(lens.lastResult('photo-50mp.jpg'));
    console.log(
      `photo-50mp.jpg with a comparison model: renderer peak +${Math.round(peak.renderer / 2 ** 20)} MB, all chromium +${Math.round(peak.total / 2 ** 20)} MB`,
    );
    expect(peak.total).toBeLessThan(GIB);
  });

  test("the comparison model's answer from the shared crop is PyTorch's", async () => {
    await lens.pickImages(GOOD);
    const result = lens.lastResult(GOOD);
    await expect(result).toHaveAttribute('data-status', 'done');
    const compare = result.getByTestId('compare-result');
    await expect(compare).toHaveAttribute('data-decoded', 'no');
    const read = (rows: Locator) =>
      rows.evaluateAll((els) =>
        els.map((r) => ({
          index: Number(r.getAttribute('data-class-index')),
          probability: Number(r.getAttribute('data-probability')),
        })),
      );
    const ref = references.images[GOOD]!.top5;
    // The card's own rows first, then the comparison model's: both PyTorch's.
    const mine = (await read(result.getByTestId('top5-row'))).slice(0, 5);
    const theirs = await read(compare.getByTestId('top5-row'));
    for (const [who, rows] of [
      ['main', mine],
      ['comparison', theirs],
    ] as const) {
      expect(
        rows.map((p) => p.index),
        who,
      ).toEqual(ref.map((p) => p.index));
      rows.forEach((p, i) =>
        expect(Math.abs(p.probability - ref[i]!.probability), `${who} ${i}`).toBeLessThan(PROB_TOL),
      );
    }
  });
});
