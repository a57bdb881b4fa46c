/**
 * `quantize`: a float model (ONNX, or a checkpoint converted on the way) to int8 in QDQ form,
 * calibrated on a folder of images with the model's preset, and the report that says which layer
 * loses the most.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readCheckpoint } from '../core/checkpoint/torch';
import { convertStateDict } from '../core/convert';
import { ownedBuffer } from '../core/bytes/owned';
import { LensError } from '../core/errors';
import { readOnnxModel } from '../core/onnx';
import { DEFAULT_PRESET, isPresetId, type PresetId } from '../core/preprocess/preprocess';
import {
  CALIBRATION_METHODS,
  DEFAULT_PERCENTILE,
  isCalibrationMethod,
  planQuantization,
  type KeepFloat,
  type QuantReport,
} from '../core/quantize';
import type { ExifMode } from '../node/decode-node';
import type { LoadPhase, ModelSource } from '../engine/types';
import { createNodeEngine } from '../node/engine';
import { parsePositiveInt } from './args';
import { expandInputs, progress, skipReason, skippedLine } from './common';
import { padStartColumns } from './columns';
import { t } from './i18n';
import { inFile, readInputFile, sha256Hex, withSiblingData, writeAtomically } from './model-files';
import { printSafeJson, terminalSafe } from './safe-output';

export const quantizeUsage =
  'repopt-lens quantize <model.onnx|checkpoint.pth> --calib <dir> [--method minmax|percentile|kl] [--percentile P] [--limit N] [--keep-float <layer,...>|auto:<k>] [--preset P] -o <out.onnx> [--json]';

const usage = (why: string) =>
  new LensError('usage', t('cli.quantize.usage', { why, usage: quantizeUsage }));

/**
 * A float ONNX model from an .onnx file (with its external data, found beside it as every command
 * finds it), or from a checkpoint through the converter.
 */
async function floatModel(
  path: string,
): Promise<{ model: ModelSource; bytes: Uint8Array; sha256: string }> {
  const file = readInputFile(path, 'not-a-model');
  const sha256 = sha256Hex(file);
  const isZip = file[0] === 0x50 && file[1] === 0x4b;
  const isPickle = file[0] === 0x80;
  if (/\.(pth|pt|bin|ckpt|tar)$/i.test(path) || isZip || isPickle) {
    const checkpoint = await inFile(path, () => readCheckpoint(file));
    const bytes = convertStateDict(checkpoint.stateDict, { sourceSha256: sha256 }).onnx;
    const model: ModelSource = { type: 'bytes', bytes: ownedBuffer(bytes), name: basename(path) };
    return { model, bytes, sha256 };
  }
  // The data files beside the model, folded in: the quantizer reads every weight. The sha256 stays
  // the file's own (what `info` and the page show for it).
  const bytes = withSiblingData(path, file);
  const model: ModelSource = { type: 'bytes', bytes: ownedBuffer(bytes), name: basename(path) };
  return { model, bytes, sha256 };
}

/** Whether two paths name one file (after links: same device and inode). */
function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

export function parseKeepFloat(value: string | undefined): KeepFloat | null {
  if (value === undefined) return null;
  const auto = /^auto:(.*)$/.exec(value);
  if (auto) {
    if (!/^\d+$/.test(auto[1]!)) throw usage(t('cli.quantize.keepFloatAuto', { value: auto[1]! }));
    return { auto: Number(auto[1]) };
  }
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw usage(t('cli.quantize.keepFloatNames'));
  return { names };
}

/** N files spread evenly over the sorted list (class folders each get their share). */
export function spread<T>(files: readonly T[], limit: number | null): T[] {
  if (limit === null || limit >= files.length) return [...files];
  return Array.from({ length: limit }, (_, i) => files[Math.floor((i * files.length) / limit)]!);
}

export async function quantizeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      calib: { type: 'string', multiple: true },
      method: { type: 'string', default: 'percentile' },
      percentile: { type: 'string' },
      limit: { type: 'string' },
      'keep-float': { type: 'string' },
      preset: { type: 'string' },
      exif: { type: 'string', default: 'ignore' },
      threads: { type: 'string', default: '2' },
      out: { type: 'string', short: 'o' },
      json: { type: 'boolean', default: false },
    },
  });
  const [input, ...extra] = positionals;
  if (!input || extra.length > 0) throw usage(t('cli.quantize.oneModel'));
  if (!values.out) throw usage(t('cli.quantize.needOut'));
  if (!values.calib || values.calib.length === 0) throw usage(t('cli.quantize.needCalib'));
  if (!isCalibrationMethod(values.method))
    throw usage(
      t('cli.quantize.badMethod', {
        methods: CALIBRATION_METHODS.join(', '),
        value: values.method,
      }),
    );
  const method = values.method;
  let percentile = DEFAULT_PERCENTILE;
  if (values.percentile !== undefined) {
    percentile = Number(values.percentile);
    if (!/^\d+(\.\d+)?$/.test(values.percentile.trim()) || !(percentile > 0 && percentile <= 100))
      throw usage(t('cli.quantize.badPercentile', { value: values.percentile }));
    if (method !== 'percentile') throw usage(t('cli.quantize.percentileOnly'));
  }
  if (values.exif !== 'apply' && values.exif !== 'ignore')
    throw usage(t('cli.badExif', { value: values.exif }));
  const exif: ExifMode = values.exif;
  const limit = values.limit === undefined ? null : parsePositiveInt('--limit', values.limit);
  const threads = parsePositiveInt('--threads', values.threads);
  const keepFloat = parseKeepFloat(values['keep-float']);
  for (const c of values.calib)
    if (!existsSync(c)) throw usage(t('cli.quantize.noCalib', { path: c }));

  const out = resolve(values.out);
  if (existsSync(out) && statSync(out).isDirectory())
    throw usage(t('cli.quantize.outIsFolder', { path: out }));

  // The float model must survive: -o naming it (by another path, a link or a hard link) is refused.
  if (sameFile(input, out)) throw usage(t('cli.quantize.outIsInput', { path: values.out }));

  const source = await floatModel(input);
  // Refused (already quantized, nothing to quantize, ...) before any image is read.
  await inFile(input, () => Promise.resolve().then(() => planQuantization(source.bytes)));
  const declared = readOnnxModel(source.bytes).metadata['preset'];
  const presetName =
    values.preset ?? (declared && isPresetId(declared) ? declared : DEFAULT_PRESET);
  if (!isPresetId(presetName)) throw usage(t('cli.unknownPreset', { preset: presetName }));
  const preset: PresetId = presetName;

  const listing = expandInputs(values.calib);
  for (const s of listing.skipped) process.stderr.write(`${skippedLine(s)}\n`);
  const files = spread(listing.files, limit);
  if (files.length === 0)
    throw new LensError(
      'bad-dataset',
      t('cli.quantize.noCalibImages', { where: values.calib.join(', ') }),
    );

  const engine = createNodeEngine({ threads, exif });
  let bar: ReturnType<typeof progress> | null = null;
  let phase: LoadPhase | null = null;
  const labels: Partial<Record<LoadPhase, string>> = {
    calibrate: t('cli.phase.calibrate'),
    rank: t('cli.phase.rank'),
    measure: t('cli.phase.measure'),
  };
  const t0 = performance.now();
  // Ctrl-C stops at the next image; nothing is written.
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  process.once('SIGINT', onInterrupt);
  let result;
  try {
    // The same engine call as the page's, with the files read here (decoded ahead in threads).
    result = await engine.quantize({
      source: source.model,
      images: { paths: files, exif },
      method,
      percentile,
      keepFloat,
      preset,
      threads,
      sourceSha256: source.sha256,
      signal: stop.signal,
      onProgress: (p) => {
        const label = labels[p.phase];
        if (label === undefined) return;
        if (p.phase !== phase) {
          bar?.done();
          phase = p.phase;
          bar = progress(p.total ?? files.length, label);
        }
        bar!.tick();
      },
    });
  } finally {
    process.off('SIGINT', onInterrupt);
    (bar as ReturnType<typeof progress> | null)?.done();
    await engine.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const int8 = new Uint8Array(result.onnx);
  writeAtomically(out, int8);
  const skipped = result.skipped.map(({ name, error }) => ({ file: name, error }));
  const summary = {
    model: input,
    output: out,
    bytes: { float: source.bytes.length, int8: int8.length },
    sha256: sha256Hex(int8),
    preset,
    calibration: { files: files.length, used: result.report.images, skipped },
    seconds,
    report: result.report,
  };
  if (values.json) printSafeJson(summary);
  else printReport(summary.report, { ...summary, input: basename(input) });
  return 0;
}

const f2 = (x: number) => x.toFixed(2);

function printReport(
  r: QuantReport,
  s: {
    input: string;
    output: string;
    bytes: { float: number; int8: number };
    calibration: { skipped: { file: string; error: string }[] };
    seconds: number;
  },
): void {
  const a = r.agreement;
  const skipped = s.calibration.skipped.length;
  const lines = [
    t('cli.quantize.heading', {
      input: terminalSafe(s.input),
      output: terminalSafe(s.output),
      floatMb: (s.bytes.float / 1e6).toFixed(1),
      int8Mb: (s.bytes.int8 / 1e6).toFixed(1),
      seconds: s.seconds.toFixed(1),
    }),
    t('cli.quantize.method', {
      method: `${r.method}${r.percentile !== null ? ` ${r.percentile}` : ''}`,
      images: r.images,
      skipped: skipped ? t('cli.quantize.methodSkipped', { count: skipped }) : '',
      kept: r.keptFloat.length
        ? t('cli.quantize.methodKept', { layers: r.keptFloat.map(terminalSafe).join(', ') })
        : '',
    }),
    t('cli.quantize.agreement', {
      top1: f2(a.top1Agreement * 100),
      top5: f2(a.top5Overlap * 100),
      max: a.maxAbsProbabilityDiff.toExponential(3),
      mean: a.meanAbsProbabilityDiff.toExponential(3),
    }),
    t('cli.quantize.sqnr', { mean: f2(a.meanLogitsSqnrDb), worst: f2(a.worstLogitsSqnrDb) }),
    t('cli.quantize.layers'),
  ];
  for (const s2 of s.calibration.skipped.slice(0, 5)) {
    const error = terminalSafe(skipReason(s2));
    process.stderr.write(`${t('cli.quantize.skipped', { file: terminalSafe(s2.file), error })}\n`);
  }
  for (const l of lines) console.log(l);
  const byName = new Map(r.layers.map((l) => [l.name, l]));
  const c = (key: 'added' | 'out' | 'in' | 'scale' | 'zp', width: number) =>
    padStartColumns(t(`cli.quantize.columns.${key}`), width);
  console.log(
    `  ${c('added', 9)} ${c('out', 8)} ${c('in', 8)}  ${c('scale', 10)} ${c('zp', 3)}  ${t('cli.quantize.columns.layer')}`,
  );
  for (const name of r.worst) {
    const l = byName.get(name)!;
    const o = l.output;
    console.log(
      `  ${f2(l.addedSqnrDb).padStart(9)} ${f2(l.sqnrDb).padStart(8)} ${f2(l.inputSqnrDb).padStart(8)}  ${padStartColumns(o ? o.scale.toExponential(3) : t('cli.quantize.float'), 10)} ${(o ? String(o.zeroPoint) : '-').padStart(3)}  ${terminalSafe(l.name)}${l.float ? t('cli.quantize.floatTag') : ''}`,
    );
  }
  const ops = Object.entries(r.ops)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(t('cli.quantize.ops', { ops }));
}
