/** 200 photos at once: all classified, in order, with bounded memory and a responsive page. */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './test';
import { IMAGES } from './lens';

const SOURCES = [
  'chelsea.png',
  'coffee.png',
  'astronaut.png',
  'rocket.jpg',
  'china.jpg',
  'portrait-300x500.jpg',
  'odd-257x301.png',
  'wide-600x100.png',
];

test('200 files: all classified, streaming in order, with the JS heap bounded', async ({
  page,
  lens,
  context,
}) => {
  test.setTimeout(300_000);
  await context.addInitScript(() => {
    const w = window as unknown as { __long: number[] };
    w.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const dir = mkdtempSync(join(tmpdir(), 'lens-many-'));
  const files = Array.from({ length: 200 }, (_, i) => {
    const src = SOURCES[i % SOURCES.length]!;
    const path = join(dir, `${String(i).padStart(3, '0')}-${src}`);
    copyFileSync(join(IMAGES, src), path);
    return path;
  });
  await lens.openReady();
  await page.waitForTimeout(500);
  const before = await page.evaluate(
    () => (window as unknown as { __long: number[] }).__long.length,
  );
  // The page's heap measured exactly (performance.memory is bucketed in headless chromium), after
  // a forced collection, through the DevTools protocol.
  const cdp = await context.newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const heapBefore = await heap();

  await lens.pickFiles(...files);
  await expect(lens.results).toHaveCount(200);
  // Streaming: the first results are done while later ones are still pending.
  await expect(lens.oldest()).toHaveAttribute('data-status', 'done');
  await expect(page.locator('[data-testid="result"][data-status="done"]')).toHaveCount(200, {
    timeout: 240_000,
  });
  // Newest first: the last file on top, the first at the bottom.
  await expect(lens.newest()).toHaveAttribute('data-file', files[199]!.split('/').pop()!);
  await expect(lens.oldest()).toHaveAttribute('data-file', files[0]!.split('/').pop()!);

  const long = await page.evaluate(
    (n) => (window as unknown as { __long: number[] }).__long.slice(n),
    before,
  );
  const heapAfter = await heap();
  console.log(
    `200 files: long tasks ${long.length} (${long.map((d) => d.toFixed(0)).join(', ')} ms); JS heap ${(heapBefore / 1e6).toFixed(1)} -> ${(heapAfter / 1e6).toFixed(1)} MB`,
  );
  // Long tasks are reported, not asserted: durations depend on the machine's load (speed is the
  // benchmark's job: npm run bench counts them). Goal: none over 50 ms; measured on the dev machine,
  // none with in-memory files and 2-3 of 50-250 ms when the picker hands over 200 disk files.
  test.info().annotations.push({
    type: 'long tasks over 50 ms',
    description: long.map((d) => d.toFixed(0)).join(', ') || 'none',
  });
  // Per result the page keeps a 224x224 crop (200 KB) and the logits; thumbnails are blobs.
  expect(heapAfter - heapBefore).toBeLessThan(200 * 400_000);
});
