/** What the CLI commands share: files, labels, models, progress and output. */
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, extname, join, relative, sep } from 'node:path';
import { ownedBuffer } from '../core/bytes/owned';
import { PRESETS, type PresetId } from '../core/preprocess/preprocess';
import { terminalSafe } from '../core/terminal-safe';
import { en } from '../i18n/en';
import type { Engine } from '../engine/engine';
import type { ModelInfo } from '../engine/types';
import { childPath } from '../node/byte-paths';
import { createNodeEngine, modelFile } from '../node/engine';
import { lensBackend } from '../node/lens-node';
import type { ExifMode } from '../node/decode-node';
import { describeFastPath, fastPathNote } from '../core/fast';
import { say, t } from './i18n';
import { inFile, readInputFile } from './model-files';
import { isCheckpointPath, untrainedEntryFor } from './model-source';

export { bundledLabels, bundledWnids } from '../node/engine';

export const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.bmp',
  '.ico',
  '.tif',
  '.tiff',
  '.avif',
]);

/** The reasons the CLI itself states for an entry it did not read (keys of `cli.skip`). */
export type SkipCode = keyof typeof en.cli.skip;

/** An entry that was not read, and why (a dangling link, a FIFO, no permission...), in English. */
export interface Skipped {
  file: string;
  error: string;
  /** The reason's catalogue key, when the CLI states it (else `error` is the system's words). */
  code?: SkipCode;
}

/** A reason of the CLI's own: the English (as JSON carries it) and its key, for people. */
const skip = (code: SkipCode): { error: string; code: SkipCode } => ({
  error: en.cli.skip[code],
  code,
});

/** A skipped entry's reason in the CLI's language (the system's own words stay as written). */
export function skipReason(s: { error: string; code?: SkipCode }): string {
  return s.code ? t(`cli.skip.${s.code}`) : s.error;
}

/** `file: reason` for a skipped entry, in the CLI's language, escaped for the terminal. */
export function skippedLine(s: Skipped): string {
  return t('cli.fileError', {
    file: terminalSafe(s.file),
    detail: terminalSafe(skipReason(s)),
  });
}

export interface Listing {
  files: string[];
  skipped: Skipped[];
}

/**
 * What a path is, following links; null with the reason when it cannot be used. Only regular
 * files and folders are read: a FIFO or a device named `.jpg` would block a read forever.
 */
function kindOf(
  path: string | Buffer,
): { kind: 'file' } | { kind: 'dir' } | { kind: null; error: string; code?: SkipCode } {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return { kind: 'dir' };
    if (stat.isFile()) return { kind: 'file' };
    return { kind: null, ...skip('notRegular') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const own: SkipCode | null =
      code === 'ENOENT'
        ? isLink(path)
          ? 'brokenLink'
          : 'noSuchFile'
        : code === 'ELOOP'
          ? 'loop'
          : code === 'EACCES'
            ? 'denied'
            : null;
    return { kind: null, ...(own ? skip(own) : { error: (e as Error).message }) };
  }
}

function skippedEntry(file: string, why: { error: string; code?: SkipCode }): Skipped {
  return { file, error: why.error, ...(why.code ? { code: why.code } : {}) };
}

function isLink(path: string | Buffer): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Image files under `dir` (recursively) as sorted '/'-separated paths relative to it, and the
 * entries that could not be used. Linked folders are followed once (a loop ends there). Names
 * are read as bytes: one that is not UTF-8 is listed escaped and still opens (`fsPath`).
 */
export function scanImages(dir: string): Listing {
  const files: string[] = [];
  const skipped: Skipped[] = [];
  const seen = new Set<string>();
  const walk = (d: { shown: string; bytes: Buffer | null }) => {
    const real = realpathSync(d.bytes ?? d.shown, 'buffer').toString('latin1');
    if (seen.has(real)) return;
    seen.add(real);
    for (const entry of readdirSync(d.bytes ?? d.shown, {
      withFileTypes: true,
      encoding: 'buffer',
    })) {
      const full = childPath(d, entry.name);
      const rel = relative(dir, full.shown).split(sep).join('/');
      const isImage = IMAGE_EXTENSIONS.has(extname(full.shown).toLowerCase());
      if (!isImage && !entry.isDirectory() && !entry.isSymbolicLink()) continue;
      const what = kindOf(full.bytes ?? full.shown);
      if (what.kind === 'dir') walk(full);
      else if (!isImage) continue;
      else if (what.kind === 'file') files.push(rel);
      else skipped.push(skippedEntry(rel, what));
    }
  };
  walk({ shown: dir, bytes: null });
  return { files: files.sort(), skipped };
}

/** Image files under `dir`, as `scanImages` finds them. */
export function listImages(dir: string): string[] {
  return scanImages(dir).files;
}

/** Positional arguments: files as given, folders expanded to the images inside. */
export function expandInputs(inputs: readonly string[]): Listing {
  const files: string[] = [];
  const skipped: Skipped[] = [];
  for (const input of inputs) {
    const what = kindOf(input);
    if (what.kind === 'dir') {
      const inner = scanImages(input);
      files.push(...inner.files.map((f) => join(input, f)));
      skipped.push(...inner.skipped.map((s) => ({ ...s, file: join(input, s.file) })));
    } else if (what.kind === 'file') files.push(input);
    else skipped.push(skippedEntry(input, what));
  }
  return { files, skipped };
}

/** What `openEngine` opened, beyond the engine and its model. */
export interface OpenedModel {
  engine: Engine;
  info: ModelInfo;
  /** A models.json that lists this file marks it untrained (seeded weights), as the page shows. */
  untrained: boolean;
  /** The file was a PyTorch checkpoint, converted to ONNX in memory: what it held. */
  converted: { description: string; ms: number } | null;
}

/**
 * An engine with the model at `path` loaded: the CLI's one way to open a model. A PyTorch
 * checkpoint is converted in memory by the engine (the page's convert: read safely, nothing in
 * the file runs), and stderr says so and how to keep the ONNX.
 */
export async function openEngine(
  path: string,
  options: { threads: number; exif?: ExifMode; fast?: boolean; backend?: 'ort' | 'lens' },
): Promise<OpenedModel> {
  const { backend, ...rest } = options;
  const engine = createNodeEngine(
    backend === 'lens' ? { ...rest, backends: [lensBackend(options.threads)] } : rest,
  );
  const fast = options.fast !== false;
  let info: ModelInfo;
  let converted: OpenedModel['converted'] = null;
  if (isCheckpointPath(path)) {
    const bytes = readInputFile(path, 'not-a-checkpoint');
    const made = await inFile(path, () =>
      engine.convert({
        bytes: ownedBuffer(bytes),
        name: basename(path),
        fp16: false,
        features: false,
        backend: 'wasm',
        threads: options.threads,
        fast,
      }),
    );
    info = made.info;
    converted = { description: made.converted.description, ms: made.converted.ms };
    console.error(
      t('cli.converted', {
        file: terminalSafe(path),
        description: terminalSafe(say(made.converted.messages.description, converted.description)),
        seconds: (converted.ms / 1000).toFixed(1),
        command: `npm run cli -- convert ${terminalSafe(path)}`,
      }),
    );
  } else {
    info = await engine.load({ source: modelFile(path), backend: 'wasm', fast });
  }
  // A rewrite that was made but failed its self-check: say why the file runs as it is.
  if (info.fast.refused === true)
    console.error(terminalSafe(say(fastPathNote(info.fast).message, describeFastPath(info.fast))));
  // A backend that declined the graph: which, and the first thing it could not take.
  for (const d of info.runner.declined)
    console.error(
      terminalSafe(`${d.backend} backend declined: ${d.reason}; ${info.runner.name} runs it`),
    );
  const untrained = converted === null && untrainedEntryFor(path) !== null;
  return { engine, info, untrained, converted };
}

/** Where trained checkpoints are published: the link the page's untrained notice gives. */
export const RELEASE_URL = 'https://github.com/DingXiaoH/RepOptimizers';

/** The untrained caveat the page's notice gives, for stderr, once per model. */
export const untrainedNotice = (model: string): string =>
  t('cli.untrained', {
    model: terminalSafe(model),
    caveat: t('untrained.short'),
    url: RELEASE_URL,
  });

/** The crop size of a preset, for batches of preprocessed tensors. */
export const cropOf = (preset: PresetId): number => PRESETS[preset].crop;

/** A one-line progress bar with rate and ETA on a terminal; silent when stderr is piped. `label` is shown as given (translated by the caller). */
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
    const bar = `${'#'.repeat(filled)}${' '.repeat(width - filled)}`;
    process.stderr.write(
      `\r${t('cli.progress', { label, bar, done: count, total, rate: rate.toFixed(1), eta: mmss(eta) })}`,
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
