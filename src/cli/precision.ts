/**
 * `precision`: what breaks in fp16 and int8, layer by layer (docs/precision.md). A float model (an
 * ONNX file, or a checkpoint converted on the way, whose BatchNorms are then checked too) runs
 * beside its fp16 simulation and its int8 QDQ model over a folder of images.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { readCheckpoint, toFloat32 } from '../core/checkpoint/torch';
import { convertStateDict } from '../core/convert';
import { LensError } from '../core/errors';
import { ownedBuffer } from '../core/bytes/owned';
import { readOnnxModel } from '../core/onnx';
import {
  batchNormsOfStateDict,
  bnReport,
  findingNote,
  type BnReport,
  type PrecisionReport,
} from '../core/precision';
import { DEFAULT_PRESET, isPresetId, type PresetId } from '../core/preprocess/preprocess';
import { CALIBRATION_METHODS, isCalibrationMethod, planQuantization } from '../core/quantize';
import type { LoadPhase, ModelSource } from '../engine/types';
import type { ExifMode } from '../node/decode-node';
import { createNodeEngine, modelFile } from '../node/engine';
import { parsePositiveInt } from './args';
import { expandInputs, progress, skippedLine } from './common';
import { say, t } from './i18n';
import { inFile, readInputFile, sha256Hex } from './model-files';
import { spread } from './quantize';
import { printSafeJson, terminalSafe } from './safe-output';

export const precisionUsage =
  'repopt-lens precision <model.onnx|checkpoint.pth> --calib <dir> [--bn <checkpoint.pth>] [--method minmax|percentile|kl] [--limit N] [--preset P] [--json]';

const usage = (why: string) =>
  new LensError('bad-dataset', t('cli.precision.usage', { why, usage: precisionUsage }));

const isCheckpointFile = (path: string, file: Uint8Array) =>
  /\.(pth|pt|bin|ckpt|tar)$/i.test(path) ||
  (file[0] === 0x50 && file[1] === 0x4b) ||
  file[0] === 0x80;

/** The BatchNorms of a checkpoint's state_dict (null when it has none). */
async function checkpointBatchNorms(path: string): Promise<BnReport | null> {
  const checkpoint = await inFile(path, () => readCheckpoint(readInputFile(path, 'not-a-model')));
  const dict = new Map([...checkpoint.stateDict].map(([k, v]) => [k, toFloat32(v)]));
  return bnReport('checkpoint', batchNormsOfStateDict(dict));
}

export async function precisionCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      calib: { type: 'string', multiple: true },
      bn: { type: 'string' },
      method: { type: 'string', default: 'percentile' },
      limit: { type: 'string' },
      preset: { type: 'string' },
      exif: { type: 'string', default: 'ignore' },
      threads: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
    },
  });
  const [input, ...extra] = positionals;
  if (!input || extra.length > 0) throw usage(t('cli.precision.oneModel'));
  if (!values.calib || values.calib.length === 0) throw usage(t('cli.precision.needCalib'));
  if (!isCalibrationMethod(values.method))
    throw usage(
      t('cli.quantize.badMethod', {
        methods: CALIBRATION_METHODS.join(', '),
        value: values.method,
      }),
    );
  const method = values.method;
  if (values.exif !== 'apply' && values.exif !== 'ignore')
    throw usage(t('cli.badExif', { value: values.exif }));
  const exif: ExifMode = values.exif;
  const limit = values.limit === undefined ? null : parsePositiveInt('--limit', values.limit);
  const threads = parsePositiveInt('--threads', values.threads);
  for (const c of values.calib)
    if (!existsSync(c)) throw usage(t('cli.quantize.noCalib', { path: c }));

  const file = readInputFile(input, 'not-a-model');
  let bytes = file;
  let model: ModelSource = modelFile(input);
  let batchNorm: BnReport | null = null;
  if (isCheckpointFile(input, file)) {
    const checkpoint = await inFile(input, () => readCheckpoint(file));
    const dict = new Map([...checkpoint.stateDict].map(([k, v]) => [k, toFloat32(v)]));
    batchNorm = bnReport('checkpoint', batchNormsOfStateDict(dict));
    bytes = convertStateDict(checkpoint.stateDict, { sourceSha256: sha256Hex(file) }).onnx;
    model = { type: 'bytes', bytes: ownedBuffer(bytes), name: basename(input) };
  }
  if (values.bn) batchNorm = await checkpointBatchNorms(values.bn);
  await inFile(input, () => Promise.resolve().then(() => planQuantization(bytes)));
  const declared = readOnnxModel(bytes).metadata['preset'];
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
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  process.once('SIGINT', onInterrupt);
  const t0 = performance.now();
  let result;
  try {
    // The page's engine call, with the files read here (decoded ahead in worker threads).
    result = await engine.precision({
      source: model,
      images: { paths: files, exif },
      preset,
      method,
      threads,
      batchNorm,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.phase !== 'calibrate' && p.phase !== 'measure') return;
        if (p.phase !== phase) {
          bar?.done();
          phase = p.phase;
          bar = progress(p.total ?? files.length, t(`cli.phase.${p.phase}`));
        }
        bar!.tick();
      },
    });
  } finally {
    process.off('SIGINT', onInterrupt);
    (bar as ReturnType<typeof progress> | null)?.done();
    await engine.dispose();
  }
  const report = result.report;
  const summary = {
    model: input,
    preset,
    calibration: {
      files: files.length,
      used: report.images,
      skipped: result.skipped.map(({ name, error }) => ({ file: name, error })),
    },
    seconds: (performance.now() - t0) / 1000,
    report,
  };
  if (values.json) printSafeJson(summary);
  else printReport(basename(input), report);
  return 0;
}

const db = (x: number) => x.toFixed(1);

function printSide(name: 'fp16' | 'int8', r: PrecisionReport): void {
  const s = r[name];
  console.log(
    t('cli.precision.side', {
      name,
      first: s.firstBreak ? terminalSafe(s.firstBreak) : t('cli.precision.none'),
      top1: (s.agreement.top1Agreement * 100).toFixed(1),
      sqnr: db(s.agreement.meanLogitsSqnrDb),
    }),
  );
  s.ranking.slice(0, 5).forEach((f, i) => {
    const note = findingNote(f);
    console.log(`  ${i + 1}. ${terminalSafe(say(note.message, note.text))}`);
  });
}

function printReport(input: string, r: PrecisionReport): void {
  console.log(
    t('cli.precision.heading', {
      input: terminalSafe(input),
      images: r.images,
      method: `${r.method}${r.percentile !== null ? ` ${r.percentile}` : ''}`,
    }),
  );
  printSide('fp16', r);
  printSide('int8', r);
  if (r.batchNorm) {
    const b = r.batchNorm;
    console.log(
      t('cli.precision.bn', {
        source: b.source,
        count: b.batchNorms,
        channels: b.channels,
        flagged: b.flagged,
      }),
    );
    for (const c of b.ranking.slice(0, 3))
      console.log(
        `  ${terminalSafe(c.bn)}[${c.channel}]  |mean|/std ${c.meanOverStd.toExponential(2)}  |gamma|/std ${c.gainOverStd.toExponential(2)}  folded |bias| ${c.foldedBias.toExponential(2)}`,
      );
  } else console.log(t('cli.precision.noBn'));
  console.log(t('cli.precision.layers'));
  for (const l of r.layers)
    console.log(
      `  ${l.activations.maxAbs.toExponential(2).padStart(10)} ${db(l.fp16.channelSqnrDb).padStart(7)} ${db(l.int8.channelSqnrDb).padStart(7)}  ${terminalSafe(l.name)}`,
    );
}
