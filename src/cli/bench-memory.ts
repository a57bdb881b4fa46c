/**
 * The page's peak memory for full-size models: the peak RSS of the renderer process (the page and
 * its workers live in it) from Linux's /proc, from navigation to the first result. Fast path on
 * and off, per model; an int8 model's row says how its integer convolutions run.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Browser } from '@playwright/test';
import type { Message } from '../core/message';
import { renderMessage } from '../i18n/message';
import { chromiumProcesses } from '../node/proc-memory';
import { fastSettled } from './bench-browser';
import { english } from './i18n';

/** The lens kernels' int8 line (`backend.int8`) in a backend reason, in English; else null. */
function int8Line(m: Message): string | null {
  if (m.key === 'backend.int8') return renderMessage(english, m);
  for (const v of Object.values(m.params))
    if (typeof v === 'object') {
      const found = int8Line(v);
      if (found) return found;
    }
  return null;
}

export interface MemoryRow {
  model: string;
  /** MB of the file. */
  fileMb: number;
  fast: boolean;
  /** The renderer's peak RSS from navigation to the first result, MB. */
  peakMb: number;
  /** What the fast path reported: transformed-weight MiB and its layers. */
  fastPath: string;
}

const MB = 1e6;

/** The largest peak RSS of this process's chromium renderers (one per open context here). */
function rendererPeak(): number {
  const procs = chromiumProcesses().filter((p) => p.type === 'renderer');
  return Math.max(0, ...procs.map((p) => p.peakBytes));
}

/**
 * Opens the page on `url` in a new browser context (a new renderer process, whose peak covers its
 * whole life), classifies `photo` once the model is ready, and reads the renderer's peak RSS.
 */
export async function pagePeakMemory(
  browser: Browser,
  base: string,
  file: string,
  url: string,
  fast: boolean,
  photo: string,
): Promise<MemoryRow> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(
      `${base}/?model=${encodeURIComponent(url)}&backend=wasm${fast ? '' : '&fast=0'}`,
    );
    await page
      .locator('[data-testid=model-status][data-status=ready]')
      .waitFor({ timeout: 600_000 });
    const data = readFileSync(photo).toString('base64');
    await page.evaluate(
      async ({ data, name }) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        await window.__lens!.classifyFiles([new File([bytes], name)]);
      },
      { data, name: basename(photo) },
    );
    // A big model's fast path is prepared after its first answer: the peak covers that too.
    await fastSettled(page);
    const { fast: info, messages } = await page.evaluate(() => window.__lens!.state().activeInfo!);
    const int8 = int8Line(messages.backendReason);
    return {
      model: basename(file),
      fileMb: Math.round(statSync(file).size / MB),
      fast,
      peakMb: Math.round(rendererPeak() / MB),
      fastPath:
        info.path === 'winograd'
          ? `${info.rewritten} layers (F4 ${info.tiles.F4}, F2 ${info.tiles.F2}), ${Math.round(info.transformedWeightBytes / 2 ** 20)} MiB U`
          : (int8 ?? `direct (${info.reason ?? 'off'})`),
    };
  } finally {
    await context.close();
  }
}
