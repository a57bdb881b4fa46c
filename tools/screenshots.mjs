#!/usr/bin/env node
// Screenshots of the page for the README, made from the production build with Debian's chromium:
//   npm run screenshots            (builds into dist-screenshots, serves it, writes docs/screenshots)
// Regenerate them whenever the UI changes. Sizes: a phone (390x844), a laptop (1280x800) and a
// projector (1920x1080); at each: the first screen, results, the stage view, the Engineer tools
// and the page in Chinese.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from '@playwright/test';
import sharp from 'sharp';

const root = resolve(import.meta.dirname, '..');
const out = resolve(root, 'docs/screenshots');
const port = Number(process.env.SCREENSHOT_PORT ?? 4599);
const outDir = 'dist-screenshots';
mkdirSync(out, { recursive: true });

execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, LENS_OUT_DIR: outDir },
});
const server = spawn('npx', ['vite', 'preview', '--port', String(port), '--strictPort'], {
  cwd: root,
  env: { ...process.env, LENS_OUT_DIR: outDir, PORT: String(port) },
  stdio: 'ignore',
  detached: true,
});
const base = `http://localhost:${port}/`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(base)).ok) break;
  } catch {
    if (i > 100) throw new Error(`preview server did not start on ${base}`);
  }
  await new Promise((r) => setTimeout(r, 200));
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-quic'],
});

async function page(width, height, query = '') {
  // A phone is a touch screen (no keyboard hints there), as the page sees a real one.
  const phone = width < 600 ? { hasTouch: true, isMobile: true } : {};
  const context = await browser.newContext({
    viewport: { width, height },
    locale: 'en-US',
    ...phone,
  });
  const p = await context.newPage();
  await p.goto(base + query);
  await p.locator('[data-testid=model-status][data-status=ready]').waitFor({ timeout: 60_000 });
  return p;
}

async function classifyExamples(p, files) {
  for (const file of files) {
    await p.locator(`[data-testid=example][data-file="${file}"]`).click();
    await p
      .locator(`[data-testid=result][data-file="${file}"][data-status=done]`)
      .first()
      .waitFor({ timeout: 60_000 });
  }
}

async function shot(p, name) {
  // Let transitions and lazy images settle; the file is the viewport as a user sees it.
  await p.waitForTimeout(300);
  // Palette PNG (libimagequant through sharp): a few hundred KB instead of most of a megabyte.
  const png = await p.screenshot();
  await sharp(png)
    .png({ palette: true, quality: 90, compressionLevel: 9, effort: 8 })
    .toFile(resolve(out, `${name}.png`));
  console.log(`wrote docs/screenshots/${name}.png`);
}

const sizes = [
  ['phone-390x844', 390, 844],
  ['laptop-1280x800', 1280, 800],
  ['projector-1920x1080', 1920, 1080],
];
/** The Engineer tools opened (on narrow screens they sit, collapsed, below the results). */
async function showTools(p) {
  const tools = p.locator('[data-testid=engineer-tools]');
  const details = tools.locator('details').first();
  if ((await details.getAttribute('open')) === null) await tools.locator('summary').first().click();
  const panel = p.locator('[data-testid=model-panel]');
  await panel.locator('summary').click();
  await p.locator('[data-testid=model-params]').waitFor();
  await tools.evaluate((e) => e.scrollIntoView({ block: 'start' }));
}

try {
  for (const [name, w, h] of sizes) {
    const p = await page(w, h);
    await shot(p, `${name}-first-screen`);
    await classifyExamples(p, ['rocket.jpg', 'coffee.png', 'chelsea.png']);
    await shot(p, `${name}-results`);
    await p.keyboard.press('s');
    await p.locator('[data-testid=stage-view] [data-testid=top5-row]').first().waitFor();
    await shot(p, `${name}-stage`);
    await p.keyboard.press('Escape');
    await showTools(p);
    await shot(p, `${name}-tools`);
    await p.context().close();
    const zh = await page(w, h, '?lang=zh-CN');
    await classifyExamples(zh, ['coffee.png', 'chelsea.png']);
    await shot(zh, `${name}-zh-CN`);
    await zh.context().close();
  }
} finally {
  await browser.close();
  process.kill(-server.pid);
}
