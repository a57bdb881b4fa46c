/** What `convert` and `info` share: reading files, hashing, checkpoints by shape, architecture text. */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readCheckpoint, type Checkpoint } from '../core/checkpoint/torch';
import { inlineExternalData } from '../core/onnx/inline';
import { siblingDataFiles } from '../node/engine';
import type { DetectedArch, TensorLike } from '../core/convert';
import { LensError, isLensError, type LensErrorCode } from '../core/errors';
import { terminalSafe } from '../core/terminal-safe';
import { columns, padEndColumns } from './columns';
import type { TFunction } from 'i18next';
import { t } from './i18n';

export function readInputFile(path: string, code: LensErrorCode): Uint8Array {
  try {
    const b = readFileSync(path);
    // A view, not `new Uint8Array(b)`: that would copy a 200 MB file.
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(e);
    throw new LensError(code, `Cannot read ${path}: ${reason}.`);
  }
}

/**
 * An ONNX model file's bytes as one buffer, for the commands that work on its bytes (quantize): the
 * external data files it names are read from beside it, as `classify` and the page find them
 * (`modelFile`), and folded in. The working directory is never searched.
 */
export function withSiblingData(path: string, bytes: Uint8Array): Uint8Array {
  // Only small protobuf files are parsed, as the engine does: a model with external data is small.
  if (bytes.byteLength > 16 * 2 ** 20 || bytes[0] !== 0x08) return bytes;
  return inFileSync(path, () => inlineExternalData(bytes, siblingDataFiles(path, bytes)));
}

function inFileSync<T>(path: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (isLensError(e)) throw new LensError(e.code, `${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

export const sha256Hex = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex');

/** Prefixes the file name to a user error, so a batch of commands says which file failed. */
export function inFile<T>(path: string, run: () => Promise<T>): Promise<T> {
  return run().catch((e: unknown) => {
    if (isLensError(e)) throw new LensError(e.code, `${path}: ${e.message}`, { cause: e });
    throw e;
  });
}

/**
 * A checkpoint read for its shapes: only vectors (BatchNorm, branch scales, biases) are read, which
 * is all detection needs (csla vs hs is told by the scale values); kernels stay in the file.
 */
export async function readCheckpointShapes(
  bytes: Uint8Array,
): Promise<{ checkpoint: Checkpoint; weights: Map<string, TensorLike> }> {
  const checkpoint = await readCheckpoint(bytes, { select: (_name, shape) => shape.length <= 1 });
  const weights = new Map<string, TensorLike>();
  for (const [name, shape] of checkpoint.shapes) {
    const data = checkpoint.stateDict.get(name)?.data;
    weights.set(name, data ? { shape, data } : { shape });
  }
  return { checkpoint, weights };
}

/**
 * Where in the file the weights were, for people: "checkpoint['model']", "the whole file", … in
 * the CLI's language, or through `tr` (`english` for JSON).
 */
export function describeLayout(c: Checkpoint, tr: TFunction = t): string {
  const where =
    c.layout === 'pickled_module'
      ? tr('cli.layout.pickled')
      : c.key === null
        ? tr('cli.layout.bare')
        : tr('cli.layout.key', { key: c.key });
  const stripped = c.stripped ? tr('cli.layout.stripped', { prefix: c.stripped }) : '';
  const others = Object.keys(c.extras);
  const ignored = others.length > 0 ? tr('cli.layout.ignored', { keys: others.join(', ') }) : '';
  return tr('cli.layout.line', { format: c.format, where, stripped, ignored });
}

export const fmtInt = (n: number): string => n.toLocaleString('en-US');
const fmtList = (xs: readonly number[]) => `[${xs.map((x) => String(x)).join(', ')}]`;

/** The same wording as tools/export_onnx.py's manifest entries, plus SE and non-target modes. */
export function architectureLine(a: DetectedArch): string {
  if (a.family === 'ghostnet') {
    const w = a.ghost?.width;
    return `GhostNet ${a.mode}, stages ${fmtList(a.blocks)}, width ${w == null ? 'custom' : String(w)}${a.se ? ', with SE' : ''}`;
  }
  return `RepOpt-VGG ${a.mode}, blocks ${fmtList(a.blocks)}, widths ${fmtList(a.widths)}${a.se ? ', with SE' : ''}`;
}

/** The GMACs row's value, shared by `convert` and `info`. */
export const gmacsText = (gmacs: number | string, size: number): string =>
  t('cli.arch.gmacs', { gmacs: String(gmacs), size });

/** `name  value` lines for the architecture, shared by `convert` and `info`. */
export function architectureRows(
  a: Pick<DetectedArch, 'name' | 'blocks' | 'widths' | 'channels' | 'numClasses' | 'se'> & {
    mode: string;
    family?: DetectedArch['family'];
    ghost?: DetectedArch['ghost'];
    description?: string;
  },
): [string, string][] {
  const g = a.family === 'ghostnet' ? a.ghost : undefined;
  if (g) {
    const kernels = [...new Set(g.bottlenecks.map((b) => b.kernel).filter((k) => k !== null))];
    const se = g.bottlenecks.filter((b) => b.se !== null).length;
    return [
      [t('cli.rows.architecture'), (a.description ?? 'GhostNet').replace(/ \(.*$/, '')],
      [t('cli.rows.mode'), a.mode],
      [
        t('cli.rows.blocks'),
        t('cli.arch.ghostStages', { blocks: fmtList(a.blocks), n: g.bottlenecks.length }),
      ],
      [t('cli.rows.widths'), g.width === null ? t('cli.arch.ghostCustom') : `${g.width}x`],
      [t('cli.rows.channels'), fmtList(a.channels)],
      [
        t('cli.rows.kernels'),
        t('cli.arch.ghostKernels', {
          kernels: kernels
            .sort((x, y) => x - y)
            .map((k) => `${k}x${k}`)
            .join(', '),
          head: g.head,
        }),
      ],
      [t('cli.rows.classes'), String(a.numClasses)],
      [t('cli.rows.se'), t('cli.arch.ghostSe', { n: se })],
    ];
  }
  return [
    [t('cli.rows.architecture'), a.name ? `RepOpt-VGG-${a.name}` : t('cli.arch.custom')],
    [t('cli.rows.mode'), a.mode],
    [t('cli.rows.blocks'), t('cli.arch.blocks', { blocks: fmtList(a.blocks) })],
    [t('cli.rows.widths'), fmtList(a.widths)],
    [t('cli.rows.channels'), fmtList(a.channels)],
    [t('cli.rows.classes'), String(a.numClasses)],
    [t('cli.rows.se'), a.se ? t('cli.arch.yes') : t('cli.arch.no')],
  ];
}

/**
 * `name  value` rows, names padded by terminal columns (Chinese names line up too); a value's own newlines continue it on the next lines. Each line is passed
 * through terminalSafe as a last guard (callers escape file strings themselves, which also turns
 * their newlines into \n; escaping is idempotent on safe text).
 */
export function printRows(rows: readonly [string, string][]): void {
  const width = Math.max(...rows.map(([k]) => columns(k))) + 2;
  for (const [k, v] of rows) {
    const [first = '', ...rest] = v.split('\n').map(terminalSafe);
    process.stdout.write(`${padEndColumns(k, width)}${first}\n`);
    for (const line of rest) process.stdout.write(`${' '.repeat(width)}${line}\n`);
  }
}

/** Writes through a temporary file and a rename: an interrupted run never leaves half a file. */
export function writeAtomically(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}
