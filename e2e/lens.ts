/** Page object and fixture helpers for the end-to-end tests. */
import { PROB_TOL } from './tolerances';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';

export const FIXTURES = resolve(import.meta.dirname, 'fixtures');
export const IMAGES = resolve(FIXTURES, 'images');

export interface ImageReference {
  presets: Record<string, { crop_sha256: string }>;
  top5: { index: number; probability: number }[];
}
export const references = JSON.parse(
  readFileSync(resolve(FIXTURES, 'references.json'), 'utf8'),
) as {
  images: Record<string, ImageReference>;
};

export class Lens {
  readonly status: Locator;
  readonly results: Locator;

  constructor(readonly page: Page) {
    this.status = page.getByTestId('model-status');
    this.results = page.getByTestId('result');
  }

  async open(query = ''): Promise<void> {
    await this.page.goto(`/${query}`);
  }

  async waitReady(): Promise<void> {
    await expect(this.status).toHaveAttribute('data-status', 'ready');
  }

  /** Opens the page (with a query) and waits until its model answers. */
  async openReady(query = ''): Promise<void> {
    await this.open(query);
    await this.waitReady();
  }

  async pickImages(...names: string[]): Promise<void> {
    await this.page.getByTestId('image-input').setInputFiles(names.map((n) => resolve(IMAGES, n)));
  }

  async pickModel(path: string): Promise<void> {
    await this.page.getByTestId('model-input').setInputFiles(path);
  }

  /** Drops fixture images on the window the way a user's drag-and-drop does. */
  async dropImages(...names: string[]): Promise<void> {
    await this.dropFiles(...names.map((n) => resolve(IMAGES, n)));
  }

  /** Drops files (any paths) on the window the way a user's drag-and-drop does. */
  async dropFiles(...paths: string[]): Promise<void> {
    const files = paths.map((p) => ({
      name: p.split('/').pop()!,
      data: readFileSync(p).toString('base64'),
    }));
    await this.page.evaluate((list) => {
      const dt = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name));
      }
      const target = document.querySelector('.app')!;
      for (const type of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(
          new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }),
        );
      }
    }, files);
  }

  /** Pastes files as a clipboard paste event carries them. */
  async pasteImages(...names: string[]): Promise<void> {
    const files = names.map((n) => ({
      name: n,
      data: readFileSync(resolve(IMAGES, n)).toString('base64'),
    }));
    await this.page.evaluate((list) => {
      const dt = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name, { type: 'image/png' }));
      }
      window.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }),
      );
    }, files);
  }

  /** Picks files by path (anywhere, not only the fixture images). */
  async pickFiles(...paths: string[]): Promise<void> {
    await this.page.getByTestId('image-input').setInputFiles(paths);
  }

  /** The newest result for a file name (the same file may be picked more than once). */
  lastResult(name: string): Locator {
    // Results are listed newest first.
    return this.result(name).first();
  }

  /** The newest result of all (the top of the list). */
  newest(): Locator {
    return this.results.first();
  }

  /** The oldest result still listed (the bottom of the list). */
  oldest(): Locator {
    return this.results.last();
  }

  /** Switches the source to the camera and starts it. */
  async startCamera(): Promise<void> {
    await this.page.getByTestId('source-camera').click();
    await this.page.getByTestId('camera-start').click();
  }

  /** A finished result's top-5 equals a PyTorch reference: same indices, probabilities within PROB_TOL. */
  async expectTop5(
    result: Locator,
    ref: { index: number; probability: number }[],
    what: string,
  ): Promise<void> {
    await expect(result, what).toHaveAttribute('data-status', 'done');
    const top5 = await result.getByTestId('top5-row').evaluateAll((rows) =>
      rows.map((r) => ({
        index: Number(r.getAttribute('data-class-index')),
        probability: Number(r.getAttribute('data-probability')),
      })),
    );
    expect(
      top5.map((p) => p.index),
      what,
    ).toEqual(ref.map((p) => p.index));
    top5.forEach((p, i) =>
      expect(Math.abs(p.probability - ref[i]!.probability), `${what} rank ${i}`).toBeLessThan(
        PROB_TOL,
      ),
    );
  }

  result(name: string): Locator {
    return this.page.locator(`[data-testid="result"][data-file="${name}"]`);
  }

  async top5(name: string): Promise<{ index: number; label: string; probability: number }[]> {
    const result = this.result(name);
    await expect(result).toHaveAttribute('data-status', 'done');
    return result.getByTestId('top5-row').evaluateAll((rows) =>
      rows.map((r) => ({
        index: Number(r.getAttribute('data-class-index')),
        label: r.getAttribute('data-label') ?? '',
        probability: Number(r.getAttribute('data-probability')),
      })),
    );
  }

  /** Asserts a result equals PyTorch's: same top-5 indices, each probability within PROB_TOL. */
  async expectMatchesPyTorch(name: string, refKey = name): Promise<void> {
    const ref = references.images[refKey];
    if (!ref) throw new Error(`no reference for ${refKey}`);
    const top5 = await this.top5(name);
    expect(
      top5.map((p) => p.index),
      name,
    ).toEqual(ref.top5.map((p) => p.index));
    top5.forEach((p, i) =>
      expect(Math.abs(p.probability - ref.top5[i]!.probability), `${name} rank ${i}`).toBeLessThan(
        PROB_TOL,
      ),
    );
  }
}
