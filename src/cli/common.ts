/** What the CLI commands share: files, labels, models, progress and output. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { LensError } from '../core/errors';
import { parseLabels } from '../core/data/labels';
import { createNodeSession } from '../node/ort-node';
import type { LoadedSession } from '../worker/handler';
import { checkModelIo } from '../core/inference/model-io';

const DATA = resolve(import.meta.dirname, '../data');
export const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.bmp',
  '.tif',
  '.tiff',
  '.avif',
]);

export function bundledLabels(): string[] {
  return parseLabels(readFileSync(join(DATA, 'imagenet1k-labels.txt'), 'utf8')).labels;
}

export function bundledWnids(): string[] {
  return readFileSync(join(DATA, 'imagenet1k-wnids.txt'), 'utf8').trim().split('\n');
}

/** Image files under `dir` (recursively), as sorted '/'-separated paths relative to it. */
export function listImages(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase()))
        out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Positional arguments: files as given, folders expanded to the images inside. */
export function expandInputs(inputs: readonly string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    let stat;
    try {
      stat = statSync(input);
    } catch {
      throw new LensError('not-an-image', `No such file or folder: ${input}`);
    }
    if (stat.isDirectory()) files.push(...listImages(input).map((f) => join(input, f)));
    else files.push(input);
  }
  return files;
}

export async function openModel(
  path: string,
  threads: number,
  cropSize = 224,
): Promise<LoadedSession> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new LensError(
      'model-fetch-failed',
      `Cannot read the model ${path}: ${(e as Error).message}`,
    );
  }
  const session = await createNodeSession(bytes, threads);
  const io = checkModelIo(session.inputs, session.outputs, cropSize);
  session.bind(io.inputName, io.outputName);
  return session;
}

/** A one-line progress bar with rate and ETA on a terminal; silent when stderr is piped. */
export function progress(
  total: number,
  label: string,
): { tick: (n?: number) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  const start = performance.now();
  let count = 0;
  let last = 0;
  const draw = () => {
    const elapsed = (performance.now() - start) / 1000;
    const rate = count / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (total - count) / rate : 0;
    const width = 24;
    const filled = Math.round((count / Math.max(total, 1)) * width);
    const mmss = (s: number) =>
      `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
    process.stderr.write(
      `\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${count}/${total} ${rate.toFixed(1)} img/s ETA ${mmss(eta)} `,
    );
  };
  return {
    tick(n = 1) {
      count += n;
      if (tty && (performance.now() - last > 100 || count === total)) {
        last = performance.now();
        draw();
      }
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(
    JSON.stringify(value, (_k, v: unknown) => (v instanceof Float32Array ? Array.from(v) : v), 2) +
      '\n',
  );
}
