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
  /** Whose kernels run the model: 'lens' or 'onnxruntime' (`ModelInfo.runner.name`). */
  runner: string;
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
    runner: await page.evaluate(() => window.__lens?.state().activeInfo?.runner.name ?? ''),
  };
  if ((await status.getAttribute('data-status')) === 'error')
    throw new Error(`model failed to load: ${ready.text}`);
  // Timed runs measure the path the page settles on, not the first answers of a big model.
  await fastSettled(page);
  return { page, ready, close: () => context.close() };
}

/**
 * Waits until the active model's fast path is settled: a big model answers with its file as it is
 * while the Winograd path is prepared in the background, then that takes over.
 */
export async function fastSettled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const info = window.__lens?.state().activeInfo;
      return info !== null && info !== undefined && info.fast.pending !== true;
    },
    null,
    { timeout: 600_000, polling: 20 },
  );
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

/** Where the time to a first result went, from the page's clock and the model's own figures. */
export interface LoadTiming {
  /** Navigation (or the file's choice) to the first result on screen. */
  totalMs: number;
  /** Before the session: page start, worker start, model download or cache read, hand-off. */
  beforeMs: number;
  /** The Winograd rewrite before the first result (ModelInfo.fast.rewriteMs; 0 in background). */
  rewriteMs: number;
  /** Session creation and the input/output checks (ModelInfo.loadMs less the rewrite). */
  sessionMs: number;
  /** The warm-up run (ModelInfo.warmupMs). */
  warmupMs: number;
  /**
   * The fast path's self-check before the first result (ModelInfo.fast.check.ms: the file's own
   * session and the probe through both models); 0 when it ran in the background or not at all.
   */
  checkMs?: number;
  /** Ready to the first result: decode, preprocess, inference, rendering. */
  firstResultMs: number;
  /**
   * A big model's fast path, prepared after the first answer: its rewrite and the time from the
   * start until it took over. Null when the fast path ran from the first result.
   */
  background: { rewriteMs: number; inUseMs: number; checkMs?: number } | null;
}

/**
 * Waits for a model to be ready (one whose load time is not `previousLoadMs`, when given: the
 * model that was ready before) and returns its own timings.
 */
async function readyInfo(page: Page, previousLoadMs: number | null): Promise<ModelTimes> {
  await page.waitForFunction(
    (previous) => {
      const ready = document.querySelector('[data-testid=model-status][data-status=ready]');
      const info = window.__lens?.state().activeInfo;
      return ready !== null && info && info.loadMs !== previous;
    },
    previousLoadMs,
    { timeout: 600_000, polling: 20 },
  );
  return page.evaluate(() => {
    const info = window.__lens!.state().activeInfo!;
    return {
      loadMs: info.loadMs,
      warmupMs: info.warmupMs,
      rewriteMs: info.fast.rewriteMs,
      pending: info.fast.pending === true,
      checkMs: info.fast.check?.ms ?? 0,
    };
  });
}

interface ModelTimes {
  loadMs: number;
  warmupMs: number;
  rewriteMs: number;
  /** The fast path was still being prepared when the model answered. */
  pending: boolean;
  /** Its self-check, when it ran before the model answered. */
  checkMs: number;
}

/** After the first result: when a background fast path took over, and its rewrite time. */
async function backgroundTiming(
  page: Page,
  t0: number,
  info: ModelTimes,
): Promise<LoadTiming['background']> {
  if (!info.pending) return null;
  await fastSettled(page);
  const inUseMs = Date.now() - t0;
  const fast = await page.evaluate(() => window.__lens!.state().activeInfo!.fast);
  return {
    rewriteMs: Math.round(fast.rewriteMs),
    inUseMs: Math.round(inUseMs),
    checkMs: Math.round(fast.check?.ms ?? 0),
  };
}

async function firstResult(page: Page, image: string): Promise<void> {
  const data = readFileSync(image).toString('base64');
  await page.evaluate(
    async ({ data, name }) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      await window.__lens!.classifyFiles([new File([bytes], name)]);
    },
    { data, name: basename(image) },
  );
}

function timing(
  t0: number,
  ready: number,
  done: number,
  info: ModelTimes,
  background: LoadTiming['background'],
): LoadTiming {
  const round = (x: number) => Math.round(x);
  return {
    totalMs: round(done - t0),
    beforeMs: round(ready - t0 - info.loadMs - info.checkMs - info.warmupMs),
    rewriteMs: round(info.rewriteMs),
    sessionMs: round(info.loadMs - info.rewriteMs),
    warmupMs: round(info.warmupMs),
    checkMs: round(info.checkMs),
    firstResultMs: round(done - ready),
    background,
  };
}

/** Time from navigation to the first classification result, in a context whose cache is as given. */
export async function timeToFirstResult(
  page: Page,
  base: string,
  query: string,
  image: string,
): Promise<LoadTiming> {
  const t0 = Date.now();
  await page.goto(`${base}/?${query}`);
  const info = await readyInfo(page, null);
  const ready = Date.now();
  await firstResult(page, image);
  const done = Date.now();
  return timing(t0, ready, done, info, await backgroundTiming(page, t0, info));
}

/**
 * Time from choosing a local model file (the page open with its default model) to the first
 * result: no download and no cache, the file read from disk by the browser.
 */
export async function localFileToFirstResult(
  page: Page,
  base: string,
  model: string,
  image: string,
): Promise<LoadTiming> {
  await page.goto(`${base}/?backend=wasm`);
  const before = await readyInfo(page, null);
  const t0 = Date.now();
  await page.getByTestId('model-input').setInputFiles(model);
  const info = await readyInfo(page, before.loadMs);
  const ready = Date.now();
  await firstResult(page, image);
  const done = Date.now();
  return timing(t0, ready, done, info, await backgroundTiming(page, t0, info));
}
