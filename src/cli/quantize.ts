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
import { LensError } from '../core/errors';
import { readOnnxModel } from '../core/onnx';
import { DEFAULT_PRESET, isPresetId, type PresetId } from '../core/preprocess/preprocess';
import {
  CALIBRATION_METHODS,
  DEFAULT_PERCENTILE,
  isCalibrationMethod,
  planQuantization,
  quantizeModel,
  type KeepFloat,
  type QuantPhase,
  type QuantReport,
} from '../core/quantize';
import type { ExifMode } from '../node/decode-node';
import { CalibrationSet, nodeQuantRunner } from '../node/quantize-node';
import { parsePositiveInt } from './args';
import { cropOf, expandInputs, progress } from './common';
import { inFile, readInputFile, sha256Hex, writeAtomically } from './model-files';
import { printSafeJson, terminalSafe } from './safe-output';

export const quantizeUsage =
  'repopt-lens quantize <model.onnx|checkpoint.pth> --calib <dir> [--method minmax|percentile|kl] [--percentile P] [--limit N] [--keep-float <layer,...>|auto:<k>] [--preset P] -o <out.onnx> [--json]';

const usage = (why: string) => new LensError('bad-dataset', `${why}\nusage: ${quantizeUsage}`);

/** A float ONNX model from an .onnx file, or from a checkpoint through the converter. */
async function floatModel(path: string): Promise<{ bytes: Uint8Array; sha256: string }> {
  const file = readInputFile(path, 'not-a-model');
  const sha256 = sha256Hex(file);
  const isZip = file[0] === 0x50 && file[1] === 0x4b;
  const isPickle = file[0] === 0x80;
  if (/\.(pth|pt|bin|ckpt|tar)$/i.test(path) || isZip || isPickle) {
    const checkpoint = await inFile(path, () => readCheckpoint(file));
    return { bytes: convertStateDict(checkpoint.stateDict, { sourceSha256: sha256 }).onnx, sha256 };
  }
  return { bytes: file, sha256 };
}

export function parseKeepFloat(value: string | undefined): KeepFloat | null {
  if (value === undefined) return null;
  const auto = /^auto:(.*)$/.exec(value);
  if (auto) {
    if (!/^\d+$/.test(auto[1]!))
      throw usage(`--keep-float auto:<k> needs a whole number k, not "${auto[1]}".`);
    return { auto: Number(auto[1]) };
  }
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw usage('--keep-float needs layer names or auto:<k>.');
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
  if (!input || extra.length > 0) throw usage('quantize takes one model.');
  if (!values.out) throw usage('Say where to write the int8 model: -o <out.onnx>.');
  if (!values.calib || values.calib.length === 0)
    throw usage('quantize needs calibration images: --calib <folder of images>.');
  if (!isCalibrationMethod(values.method))
    throw usage(
      `--method must be one of ${CALIBRATION_METHODS.join(', ')}, not "${values.method}".`,
    );
  const method = values.method;
  let percentile = DEFAULT_PERCENTILE;
  if (values.percentile !== undefined) {
    percentile = Number(values.percentile);
    if (!/^\d+(\.\d+)?$/.test(values.percentile.trim()) || !(percentile > 0 && percentile <= 100))
      throw usage(`--percentile must be a number in (0, 100], not "${values.percentile}".`);
    if (method !== 'percentile') throw usage('--percentile applies to --method percentile only.');
  }
  if (values.exif !== 'apply' && values.exif !== 'ignore')
    throw usage(`--exif must be apply or ignore, not "${values.exif}".`);
  const exif: ExifMode = values.exif;
  const limit = values.limit === undefined ? null : parsePositiveInt('--limit', values.limit);
  const threads = parsePositiveInt('--threads', values.threads);
  const keepFloat = parseKeepFloat(values['keep-float']);
  for (const c of values.calib)
    if (!existsSync(c)) throw usage(`--calib ${c}: no such file or folder.`);

  const out = resolve(values.out);
  if (existsSync(out) && statSync(out).isDirectory()) throw usage(`-o ${out} is a folder.`);

  const source = await floatModel(input);
  // Refused (already quantized, nothing to quantize, ...) before any image is read.
  await inFile(input, () => Promise.resolve().then(() => planQuantization(source.bytes)));
  const declared = readOnnxModel(source.bytes).metadata['preset'];
  const presetName =
    values.preset ?? (declared && isPresetId(declared) ? declared : DEFAULT_PRESET);
  if (!isPresetId(presetName)) throw usage(`Unknown preset "${presetName}".`);
  const preset: PresetId = presetName;

  const listing = expandInputs(values.calib);
  for (const s of listing.skipped) process.stderr.write(`${terminalSafe(s.file)}: ${s.error}\n`);
  const files = spread(listing.files, limit);
  if (files.length === 0)
    throw new LensError(
      'bad-dataset',
      `No calibration images found in ${values.calib.join(', ')} (looked for .jpg, .png, .webp, .gif, .bmp, .tif, .avif).`,
    );

  const set = new CalibrationSet(files, preset, exif);
  let bar: ReturnType<typeof progress> | null = null;
  let phase: QuantPhase | null = null;
  const labels: Record<QuantPhase, string> = {
    calibrate: 'calibrate',
    rank: 'rank layers',
    measure: 'measure',
  };
  const t0 = performance.now();
  // Ctrl-C stops at the next image; nothing is written.
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  process.once('SIGINT', onInterrupt);
  let result;
  try {
    result = await quantizeModel(source.bytes, {
      method,
      percentile,
      keepFloat,
      images: () => set.images(),
      imageCount: files.length,
      size: cropOf(preset),
      createRunner: nodeQuantRunner(threads),
      sourceSha256: source.sha256,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.phase !== phase) {
          bar?.done();
          phase = p.phase;
          bar = progress(files.length - set.skipped.size, labels[p.phase]);
        }
        bar!.tick();
      },
    });
  } catch (e) {
    if ((e as LensError).code === 'bad-dataset' && set.skipped.size > 0)
      throw new LensError(
        'bad-dataset',
        `No calibration image could be decoded (${set.skipped.size} skipped; first: ${[...set.skipped][0]!.join(': ')}).`,
      );
    throw e;
  } finally {
    process.off('SIGINT', onInterrupt);
    (bar as ReturnType<typeof progress> | null)?.done();
    await set.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  writeAtomically(out, result.bytes);
  const skipped = [...set.skipped].map(([file, error]) => ({ file, error }));
  const summary = {
    model: input,
    output: out,
    bytes: { float: source.bytes.length, int8: result.bytes.length },
    sha256: sha256Hex(result.bytes),
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
  const lines = [
    `${terminalSafe(s.input)} -> ${terminalSafe(s.output)} (${(s.bytes.float / 1e6).toFixed(1)} MB -> ${(s.bytes.int8 / 1e6).toFixed(1)} MB) in ${s.seconds.toFixed(1)} s`,
    `method ${r.method}${r.percentile !== null ? ` ${r.percentile}` : ''}, ${r.images} calibration images${s.calibration.skipped.length ? `, ${s.calibration.skipped.length} skipped (unreadable)` : ''}${r.keptFloat.length ? `, kept float: ${r.keptFloat.map(terminalSafe).join(', ')}` : ''}`,
    `int8 vs float: top-1 agreement ${f2(a.top1Agreement * 100)}%  top-5 overlap ${f2(a.top5Overlap * 100)}%  |dp| max ${a.maxAbsProbabilityDiff.toExponential(3)} mean ${a.meanAbsProbabilityDiff.toExponential(3)}`,
    `logits SQNR: mean ${f2(a.meanLogitsSqnrDb)} dB, worst image ${f2(a.worstLogitsSqnrDb)} dB`,
    'layers, most added noise first (SQNR of the output vs float over the calibration set; added = the noise this layer adds):',
  ];
  for (const s2 of s.calibration.skipped.slice(0, 5))
    process.stderr.write(`skipped ${terminalSafe(s2.file)}: ${terminalSafe(s2.error)}\n`);
  for (const l of lines) console.log(l);
  const byName = new Map(r.layers.map((l) => [l.name, l]));
  console.log(
    `  ${'added dB'.padStart(9)} ${'out dB'.padStart(8)} ${'in dB'.padStart(8)}  ${'out scale'.padStart(10)} ${'zp'.padStart(3)}  layer`,
  );
  for (const name of r.worst) {
    const l = byName.get(name)!;
    const o = l.output;
    console.log(
      `  ${f2(l.addedSqnrDb).padStart(9)} ${f2(l.sqnrDb).padStart(8)} ${f2(l.inputSqnrDb).padStart(8)}  ${(o ? o.scale.toExponential(3) : 'float').padStart(10)} ${(o ? String(o.zeroPoint) : '-').padStart(3)}  ${terminalSafe(l.name)}${l.float ? ' (float)' : ''}`,
    );
  }
  console.log(
    `ops: ${Object.entries(r.ops)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
}
