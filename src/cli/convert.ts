/**
 * `convert`: a RepOpt-VGG checkpoint (.pth) to ONNX without Python, with the same safe reader and
 * converter the page runs in its worker, then the model's entry in models/models.json.
 */
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { readCheckpoint, type Checkpoint } from '../core/checkpoint/torch';
import {
  convertStateDict,
  CONVERTER_VERSION,
  badValuesError,
  describeBadValues,
  detectArch,
  findBadValues,
  GHOSTNET_PRESET,
  type ConvertProgress,
  type DetectedArch,
} from '../core/convert';
import { LensError } from '../core/errors';
import { DEFAULT_PRESET, isPresetId } from '../core/preprocess/preprocess';
import { ghostNetPublished } from '../core/model/ghostnet';
import { PUBLISHED } from '../core/model/published';
import { readManifestFile, upsertManifest, type ManifestEntryJson } from './manifest-file';
import {
  architectureLine,
  architectureRows,
  describeLayout,
  fmtInt,
  gmacsText,
  inFile,
  printRows,
  readCheckpointShapes,
  readInputFile,
  sha256Hex,
  writeAtomically,
} from './model-files';
import { english, t } from './i18n';
import { printSafeJson, terminalSafe } from './safe-output';

export const convertUsage =
  'repopt-lens convert <checkpoint.pth> [-o models/<name>.onnx] [--fp16] [--features] [--id ID] [--name NAME] [--untrained] [--preset P] [--manifest models/models.json] [--allow-non-finite] [--json]';

const DEFAULT_MANIFEST = resolve(import.meta.dirname, '../../models/models.json');
const INPUT_SIZE = 224;
const PAPER =
  'Re-parameterizing Your Optimizers rather than Architectures (arXiv:2205.15242), ImageNet-1k val';

/** One line on a terminal, redrawn in place; nothing at all when stderr is piped. */
function statusLine() {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return {
    show(text: string, force = false) {
      if (!tty || (!force && performance.now() - last < 80)) return;
      last = performance.now();
      process.stderr.write(`\r\x1b[2K${text}`);
    },
    clear() {
      if (tty) process.stderr.write('\r\x1b[2K');
    },
  };
}

const bar = (p: ConvertProgress, width = 24) => {
  const filled = Math.round((p.done / p.total) * width);
  const done = `${'#'.repeat(filled)}${' '.repeat(width - filled)}`;
  return t('cli.convert.converting', { bar: done, done: p.done, total: p.total, block: p.block });
};

/**
 * Reads the checkpoint twice over the same bytes: first its shapes only, so a file of another
 * architecture is refused before its weights are copied out, then every tensor. The file's bytes
 * go out of scope on return; the caller holds the tensors only.
 */
async function readWeights(path: string, status: ReturnType<typeof statusLine>) {
  const bytes = readInputFile(path, 'not-a-checkpoint');
  const name = terminalSafe(basename(path));
  status.show(t('cli.convert.reading', { file: name, bytes: fmtInt(bytes.length) }), true);
  const sha256 = sha256Hex(bytes);
  return inFile(path, async () => {
    const { weights } = await readCheckpointShapes(bytes);
    const arch = detectArch(weights);
    status.show(t('cli.convert.readingWeights', { arch: arch.description }), true);
    const checkpoint: Checkpoint = await readCheckpoint(bytes);
    return { checkpoint, arch, sha256, size: bytes.length };
  });
}

/** "RepGhostNet-0.5x" from "RepGhostNet-0.5x (…form, 1000 classes)". */
const ghostName = (arch: DetectedArch) =>
  arch.description.replace(/ \(.*$/, '').replace(/,.*$/, '');

function defaultId(arch: DetectedArch, fp16: boolean, untrained: boolean): string {
  const base =
    arch.family === 'ghostnet'
      ? `${ghostName(arch)
          .toLowerCase()
          .replace(/[^a-z0-9.]+/g, '-')}-${arch.mode}`
      : arch.name
        ? `repopt-vgg-${arch.name.toLowerCase()}`
        : 'repopt-vgg-custom';
  return `${base}${fp16 ? '-fp16' : ''}${untrained ? '-untrained' : ''}`;
}

function defaultName(arch: DetectedArch, fp16: boolean, untrained: boolean): string {
  const tags = [fp16 ? 'float16' : null, untrained ? 'untrained' : null].filter(Boolean);
  const base =
    arch.family === 'ghostnet'
      ? `${ghostName(arch)} (${arch.mode} form)`
      : arch.name
        ? `RepOpt-VGG-${arch.name}`
        : `RepOpt-VGG (custom, ${arch.mode} mode)`;
  return tags.length > 0 ? `${base} (${tags.join(', ')})` : base;
}

/** The paper's accuracy applies to the released models only: target mode, ImageNet-1k. */
function publishedFor(arch: DetectedArch, untrained: boolean): ManifestEntryJson['published'] {
  if (arch.family === 'ghostnet') {
    const g = untrained
      ? null
      : ghostNetPublished({
          width: arch.ghost?.width ?? null,
          numClasses: arch.numClasses,
          mode: arch.mode,
        });
    return g ? { top1: g.top1, top5: null, source: `${g.name}, official README` } : null;
  }
  if (!arch.name || untrained || arch.mode !== 'target' || arch.numClasses !== 1000) return null;
  return { top1: PUBLISHED[arch.name].top1, top5: null, source: PAPER };
}

/**
 * GhostNets were evaluated with timm's Resize(256, bicubic) + CenterCrop(224): their preset when
 * this build has it, the usual default otherwise.
 */
function defaultPreset(arch: DetectedArch): string {
  return arch.family === 'ghostnet' && isPresetId(GHOSTNET_PRESET)
    ? GHOSTNET_PRESET
    : DEFAULT_PRESET;
}

export async function convertCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      fp16: { type: 'boolean', default: false },
      features: { type: 'boolean', default: false },
      id: { type: 'string' },
      name: { type: 'string' },
      untrained: { type: 'boolean', default: false },
      preset: { type: 'string' },
      manifest: { type: 'string', default: DEFAULT_MANIFEST },
      json: { type: 'boolean', default: false },
      'allow-non-finite': { type: 'boolean', default: false },
    },
  });
  const allowNonFinite = values['allow-non-finite'];
  const [input, ...extra] = positionals;
  if (!input || extra.length > 0)
    throw new LensError('usage', t('cli.usage', { usage: convertUsage }));
  if (values.preset !== undefined && !isPresetId(values.preset)) {
    throw new LensError('usage', t('cli.unknownPreset', { preset: values.preset }));
  }
  if (values.id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(values.id)) {
    throw new LensError('usage', t('cli.convert.badId', { id: values.id }));
  }
  const { fp16, features, untrained } = values;
  const manifest = resolve(values.manifest);
  readManifestFile(manifest); // a broken manifest fails now, before anything is written
  const status = statusLine();
  const t0 = performance.now();

  const { checkpoint, arch, sha256: sourceSha256, size } = await readWeights(input, status);
  const preset = values.preset ?? defaultPreset(arch);
  const t1 = performance.now();
  let result: ReturnType<typeof convertStateDict>;
  try {
    result = convertStateDict(checkpoint.stateDict, {
      fp16,
      features,
      sourceSha256,
      preset,
      inputSize: INPUT_SIZE,
      allowNonFinite,
      onProgress: (p) => status.show(bar(p), p.done === p.total),
    });
  } catch (e) {
    status.clear();
    const bad = findBadValues(checkpoint.stateDict);
    if (bad.length > 0 && e instanceof LensError && e.message === badValuesError(bad).message) {
      throw new LensError(e.code, t('cli.convert.allowNonFinite', { message: e.message }), {
        cause: e,
      });
    }
    throw e;
  }
  if (result.badValues.length > 0) {
    status.clear();
    const bad = terminalSafe(describeBadValues(result.badValues));
    process.stderr.write(`${t('cli.convert.nonFiniteWarning', { values: bad })}\n`);
  }
  const t2 = performance.now();

  const id = values.id ?? defaultId(arch, fp16, untrained);
  const out = resolve(values.out ?? join(dirname(manifest), `${id}.onnx`));
  status.show(
    t('cli.convert.writing', { file: terminalSafe(out), bytes: fmtInt(result.onnx.length) }),
    true,
  );
  writeAtomically(out, result.onnx);
  const sha256 = sha256Hex(result.onnx);
  const file = relative(dirname(manifest), out).split(sep).join('/');
  const entry: ManifestEntryJson = {
    id,
    name: values.name ?? defaultName(arch, fp16, untrained),
    file: isAbsolute(file) ? out : file,
    architecture: architectureLine(arch),
    inputSize: INPUT_SIZE,
    preset,
    numClasses: arch.numClasses,
    published: publishedFor(arch, untrained),
    params: result.params,
    gmacs: Math.round(result.gmacs * 1e6) / 1e6,
    source: `converted from ${basename(input)} (sha256 ${sourceSha256}) by repopt-lens convert ${CONVERTER_VERSION}`,
    untrained,
    bytes: result.onnx.length,
    sha256,
  };
  // The page fetches entries relative to the manifest and serves that folder only: an entry
  // outside it ("../../x.onnx") could never load, so it is not written; the note says how.
  const outside = file.startsWith('../') || isAbsolute(file);
  const action = outside ? 'not-registered' : upsertManifest(manifest, entry);
  const t3 = performance.now();
  status.clear();
  const hint = outside
    ? english('cli.convert.outsideManifest', {
        file: out,
        folder: dirname(manifest),
        inside: join(dirname(manifest), basename(out)),
      })
    : null;
  if (outside && !values.json) {
    const folder = terminalSafe(dirname(manifest));
    const inside = terminalSafe(join(dirname(manifest), basename(out)));
    process.stderr.write(
      `${t('cli.convert.outsideManifest', { file: terminalSafe(out), folder, inside })}\n`,
    );
  }

  const seconds = (a: number, b: number) => Math.round(b - a) / 1000;
  const outputs = result.outputs;
  if (values.json) {
    printSafeJson({
      checkpoint: {
        file: input,
        bytes: size,
        sha256: sourceSha256,
        format: checkpoint.format,
        layout: checkpoint.layout,
        key: checkpoint.key,
        stripped: checkpoint.stripped,
        ignored: Object.keys(checkpoint.extras),
      },
      architecture: { ...arch, name: arch.name ? `RepOpt-VGG-${arch.name}` : null },
      params: result.params,
      macs: Math.round(result.gmacs * 1e9),
      gmacs: entry.gmacs,
      output: {
        file: out,
        bytes: entry.bytes,
        sha256,
        weights: fp16 ? 'float16' : 'float32',
        outputs,
      },
      ...(result.badValues.length > 0 ? { badValues: result.badValues } : {}),
      manifest: { file: manifest, id, action, ...(hint ? { note: hint } : {}) },
      entry,
      seconds: { read: seconds(t0, t1), convert: seconds(t1, t2), total: seconds(t0, t3) },
    });
    return 0;
  }
  printRows([
    // The file names and the checkpoint's keys come from outside: escaped.
    [
      t('cli.rows.checkpoint'),
      t('cli.convert.checkpoint', {
        file: terminalSafe(input),
        bytes: fmtInt(size),
        layout: terminalSafe(describeLayout(checkpoint)),
      }),
    ],
    ...architectureRows(arch),
    [t('cli.rows.params'), t('cli.convert.params', { params: fmtInt(result.params) })],
    [t('cli.rows.gmacs'), gmacsText(entry.gmacs, INPUT_SIZE)],
    [
      t('cli.rows.wrote'),
      t('cli.convert.wrote', {
        file: terminalSafe(out),
        bytes: fmtInt(entry.bytes),
        weights: fp16 ? 'float16' : 'float32',
        outputs: outputs.join(', '),
      }),
    ],
    [t('cli.rows.sha256'), sha256],
    [
      t('cli.rows.manifest'),
      t('cli.convert.manifest', {
        file: terminalSafe(manifest),
        action: t(`cli.convert.${action}`),
        id,
        published: entry.published ? t('cli.convert.withPublished') : '',
      }),
    ],
    [
      t('cli.rows.time'),
      t('cli.convert.time', {
        read: seconds(t0, t1),
        convert: seconds(t1, t2),
        total: seconds(t0, t3),
      }),
    ],
  ]);
  return 0;
}
