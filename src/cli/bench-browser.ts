/**
 * The browser half of `bench`: the production build served by Vite's preview server, driven in
 * Debian's chromium through Playwright. Every figure is measured in the app's own worker, through
 * the same automation API the tests use (`window.__lens`).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import type {} from '../automation';
import type { ClassifyPayload } from '../engine/types';

export interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, runs: s.length };
}

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export async function startApp(): Promise<{ url: string; close: () => Promise<void> }> {
  const { build, preview } = await import('vite');
  await build({ logLevel: 'warn' });
  const server = await preview({ preview: { port: 0 }, logLevel: 'warn' });
  const address = server.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 4173;
  return { url: `http://localhost:${port}`, close: () => server.close() };
}

export async function launch(webgpu: boolean): Promise<Browser> {
  const { chromium } = await import('@playwright/test');
  const args = ['--no-sandbox', '--disable-quic', ...(webgpu ? ['--enable-unsafe-webgpu'] : [])];
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/** Counts main-thread long tasks (> 50 ms) from the first script on. */
const LONG_TASK_PROBE = `
  window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
    .observe({ type: 'longtask', buffered: true });
`;

export interface ReadyInfo {
  backend: string;
  text: string;
}

export async function openApp(
  browser: Browser,
  base: string,
  query: string,
): Promise<{ page: Page; ready: ReadyInfo; close: () => Promise<void> }> {
  const context = await browser.newContext();
  await context.addInitScript(LONG_TASK_PROBE);
  const page = await context.newPage();
  await page.goto(`${base}/?${query}`);
  const status = page.getByTestId('model-status');
  await status
    .and(page.locator('[data-status=ready], [data-status=error]'))
    .waitFor({ timeout: 600_000 });
  const ready = {
    backend: (await status.getAttribute('data-backend')) ?? '',
    text: (await status.textContent()) ?? '',
  };
  if ((await status.getAttribute('data-status')) === 'error')
    throw new Error(`model failed to load: ${ready.text}`);
  return { page, ready, close: () => context.close() };
}

/** Classifies `file` `warmup + runs` times in the page and returns the payloads of the timed runs. */
export async function classifyRepeatedly(
  page: Page,
  file: string,
  runs: number,
  warmup = 2,
): Promise<ClassifyPayload[]> {
  const data = readFileSync(file).toString('base64');
  return page.evaluate(
    async ({ data, name, total, warmup }) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const lens = window.__lens!;
      const out = [];
      for (let i = 0; i < total; i++) {
        await lens.classifyFiles([new File([bytes], name)]);
        const last = lens.state().results.at(-1)!;
        if (last.state.kind !== 'done')
          throw new Error(last.state.kind === 'error' ? last.state.error.message : 'no result');
        if (i >= warmup) out.push(last.state.payload);
        lens.state().clearResults();
      }
      return out;
    },
    { data, name: basename(file), total: runs + warmup, warmup },
  );
}

export async function longTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.slice());
}

/** Time from navigation to the first classification result, in a context whose cache is as given. */
export async function timeToFirstResult(
  page: Page,
  base: string,
  query: string,
  image: string,
): Promise<number> {
  const data = readFileSync(image).toString('base64');
  const t0 = Date.now();
  await page.goto(`${base}/?${query}`);
  await page
    .getByTestId('model-status')
    .and(page.locator('[data-status=ready]'))
    .waitFor({ timeout: 600_000 });
  await page.evaluate(
    async ({ data, name }) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      await window.__lens!.classifyFiles([new File([bytes], name)]);
    },
    { data, name: basename(image) },
  );
  return Date.now() - t0;
}
