/**
 * The Content-Security-Policy of the served app (vite.config.ts): what the server sends, and that
 * the app does all it normally does under it with no violation reported, in the page, in its
 * workers or in the service worker.
 */
import { type Page, type Worker } from '@playwright/test';
import { expect, test } from './test';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/** The policy, directive by directive; the page and every script and worker get the same one. */
const EXPECTED: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'worker-src': ["'self'"],
  'connect-src': ["'self'", 'https:', 'blob:'],
  'img-src': ["'self'", 'blob:', 'data:'],
  'media-src': ["'self'", 'blob:'],
  'style-src': ["'self'"],
  'font-src': ["'self'"],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

function parse(policy: string | undefined): Record<string, string[]> {
  return Object.fromEntries(
    (policy ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

/**
 * Collects CSP violations: `securitypolicyviolation` events in the page and in each worker (a
 * worker's violations reach neither the page's events nor Playwright's console events), and
 * console reports from the page. The workers' lists are read by `workerViolations`.
 */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on('worker', (w) => {
    void w
      .evaluate(() => {
        const scope = self as unknown as { __csp?: string[] };
        scope.__csp = [];
        self.addEventListener('securitypolicyviolation', (e) =>
          scope.__csp!.push(`worker ${e.violatedDirective} blocked ${e.blockedURI}`),
        );
      })
      .catch(() => undefined); // onnxruntime's short-lived thread workers may be gone already
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) seen.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => {
    if (/Content Security Policy|EvalError|unsafe-eval/i.test(e.message))
      seen.push(`error: ${e.message}`);
  });
  await page.exposeFunction('__cspViolation', (text: string) => seen.push(`event: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      void (window as unknown as { __cspViolation: (t: string) => void }).__cspViolation(
        `${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`,
      );
    });
  });
  return seen;
}

/** What the workers recorded. onnxruntime's thread workers block in Atomics.wait, so each read
 * gets a few seconds; a worker that cannot answer has run no code of its own since it started. */
async function workerViolations(page: Page): Promise<string[]> {
  const read = (w: Worker) =>
    Promise.race([
      w.evaluate(() => (self as unknown as { __csp?: string[] }).__csp ?? []).catch(() => []),
      new Promise<string[]>((done) => setTimeout(() => done([]), 3000)),
    ]);
  return (await Promise.all(page.workers().map(read))).flat();
}

test.describe('Content-Security-Policy', () => {
  test('the document, scripts, worker chunks, the wasm and the service worker carry the policy', async ({
    page,
    lens,
    request,
  }) => {
    const doc = await request.get('/');
    expect(parse(doc.headers()['content-security-policy'])).toEqual(EXPECTED);
    const policy = doc.headers()['content-security-policy']!;
    expect(policy).not.toMatch(/'unsafe-eval'|'unsafe-inline'|\*/);

    // Every script and wasm file the app loads, as the browser requested them.
    const assets = new Set<string>();
    page.on('response', (r) => {
      if (/\.(m?js|wasm)(\?|$)/.test(new URL(r.url()).pathname)) assets.add(r.url());
    });
    await lens.openReady();
    expect(assets.size).toBeGreaterThan(2);
    assets.add(new URL('/sw.js', page.url()).href);
    for (const url of assets) {
      const r = await request.get(url);
      expect(r.status(), url).toBe(200);
      expect(r.headers()['content-security-policy'], url).toBe(policy);
    }
    // Nothing is loaded from elsewhere.
    for (const url of assets) expect(new URL(url).origin).toBe(new URL(page.url()).origin);
  });

  test('loading models, classifying, opening a local model and going offline raise no violation', async ({
    page,
    lens,
    context,
  }) => {
    const violations = await watchViolations(page);
    await lens.openReady();
    await lens.pickImages('chelsea.png', 'rocket.jpg');
    await lens.expectMatchesPyTorch('chelsea.png');
    await lens.expectMatchesPyTorch('rocket.jpg');
    // A user's file: fetched by the worker from a blob: URL, and inspected (the ONNX reader).
    await lens.pickModel(resolve(ROOT, 'models/repopt-tiny.onnx'));
    await expect(lens.status).toContainText('repopt-tiny.onnx');
    await lens.waitReady();
    // The worker read the model with the ONNX reader (protobufjs, precompiled: no eval).
    await expect(page.getByTestId('model-panel')).toHaveAttribute('data-params', /^\d+$/);
    await lens.pickImages('coffee.png');
    await lens.expectMatchesPyTorch('coffee.png');
    // The service worker installs and serves the app offline, under the same policy.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await context.setOffline(true);
    await page.reload();
    await lens.waitReady();
    await lens.pickImages('astronaut.png');
    await lens.expectMatchesPyTorch('astronaut.png');
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await context.setOffline(false);
    expect([...violations, ...(await workerViolations(page))]).toEqual([]);
  });

  test('a script from another origin is refused (the policy is enforced, not just sent)', async ({
    page,
    lens,
  }) => {
    const violations = await watchViolations(page);
    await lens.openReady();
    const outcome = await page.evaluate(
      () =>
        new Promise<string>((done) => {
          const s = document.createElement('script');
          s.src = 'https://cdn.example.invalid/x.js';
          s.onerror = () => done('refused');
          s.onload = () => done('loaded');
          document.head.append(s);
        }),
    );
    expect(outcome).toBe('refused');
    await expect.poll(() => violations.some((v) => v.includes('script-src'))).toBe(true);
    // Inline script does not run either (Playwright's own evaluate is exempt, a page's is not).
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.head.append(s);
    });
    expect(await page.evaluate(() => 'inlineRan' in window || '__inlineRan' in window)).toBe(false);
    await expect
      .poll(() => violations.some((v) => /script-src/.test(v) && /inline/.test(v)))
      .toBe(true);
  });
});
