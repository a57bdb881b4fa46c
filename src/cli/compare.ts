/** `compare`: do two models (e.g. fp32 and fp16 exports) say the same on the same images? */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { LensError } from '../core/errors';
import { isPresetId } from '../core/preprocess/preprocess';
import type { ExifMode } from '../node/decode-node';
import { PreprocessPool } from '../node/preprocess-pool';
import { parsePositiveInt } from './args';
import { cropOf, expandInputs, openEngine, progress, skippedLine, untrainedNotice } from './common';
import { say, t } from './i18n';
import { printSafeJson, terminalSafe } from './safe-output';

export const compareUsage = `repopt-lens compare --model A.onnx --model B.onnx --data <dir|image>... [--preset P] [--threads N] [--no-fast] [--json]`;

export interface CompareReport {
  models: [string, string];
  count: number;
  /** Share of images whose top-1 class is the same. */
  top1Agreement: number;
  /** Mean of |top5(A) ∩ top5(B)| / 5. */
  top5Overlap: number;
  maxAbsProbabilityDiff: number;
  meanAbsProbabilityDiff: number;
  disagreements: { file: string; a: number; b: number }[];
  /** Per model, what its scores are when not plain logits (e.g. probabilities as given). */
  notes?: string[];
}

export async function compareCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string', multiple: true },
      data: { type: 'string', multiple: true },
      preset: { type: 'string', default: 'torchvision-256-224' },
      exif: { type: 'string', default: 'apply' },
      threads: { type: 'string', default: '2' },
      'no-fast': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const models = values.model ?? [];
  const inputs = [...(values.data ?? []), ...positionals];
  if (models.length !== 2 || inputs.length === 0)
    throw new LensError('usage', t('cli.usage', { usage: compareUsage }));
  if (!isPresetId(values.preset))
    throw new LensError('usage', t('cli.unknownPreset', { preset: values.preset }));
  const preset = values.preset;
  const { files, skipped } = expandInputs(inputs);
  for (const s of skipped) console.error(skippedLine(s));
  if (files.length === 0)
    throw new LensError('bad-dataset', t('cli.noImages', { where: inputs.join(', ') }));
  const threads = parsePositiveInt('--threads', values.threads);
  const [a, b] = await Promise.all(
    models.map((m) => openEngine(m, { threads, fast: !values['no-fast'] })),
  );
  models.forEach((m, i) => {
    if ([a, b][i]!.untrained) console.error(untrainedNotice(m));
  });
  const pool = new PreprocessPool();
  const bar = progress(files.length, t('cli.phase.compare'));
  const size = cropOf(preset);
  let agree1 = 0;
  let overlap = 0;
  let maxDiff = 0;
  let sumDiff = 0;
  let values_ = 0;
  let count = 0;
  const disagreements: CompareReport['disagreements'] = [];
  try {
    for (const file of files) {
      const tensor = await pool.run(file, preset, values.exif as ExifMode);
      const [ra] = await a!.engine.classifyTensors({ input: tensor, count: 1, size });
      const [rb] = await b!.engine.classifyTensors({ input: tensor, count: 1, size });
      const pa = ra!.probabilities;
      const pb = rb!.probabilities;
      if (pa.length !== pb.length)
        throw new LensError(
          'model-incompatible',
          t('cli.compare.classCounts', { a: pa.length, b: pb.length }),
        );
      const ta = ra!.top5.map((t) => t.index);
      const tb = rb!.top5.map((t) => t.index);
      if (ta[0] === tb[0]) agree1++;
      else disagreements.push({ file, a: ta[0]!, b: tb[0]! });
      overlap += ta.filter((i) => tb.includes(i)).length / 5;
      for (let i = 0; i < pa.length; i++) {
        const d = Math.abs(pa[i]! - pb[i]!);
        if (d > maxDiff) maxDiff = d;
        sumDiff += d;
      }
      values_ += pa.length;
      count++;
      bar.tick();
    }
  } finally {
    bar.done();
    await pool.close();
    await Promise.all([a!.engine.dispose(), b!.engine.dispose()]);
  }
  const result: CompareReport = {
    models: [basename(models[0]!), basename(models[1]!)],
    count,
    top1Agreement: agree1 / count,
    top5Overlap: overlap / count,
    maxAbsProbabilityDiff: maxDiff,
    meanAbsProbabilityDiff: sumDiff / values_,
    disagreements,
  };
  const notes = [a!, b!].flatMap((m, i) =>
    m.info.notes.map((n) => `${basename(models[i]!)}: ${n}`),
  );
  if (notes.length > 0) result.notes = notes;
  if (values.json) printSafeJson(result);
  else {
    const names = [terminalSafe(result.models[0]), terminalSafe(result.models[1])] as const;
    console.log(t('cli.compare.heading', { a: names[0], b: names[1], count }));
    console.log(
      t('cli.compare.agreement', {
        top1: (result.top1Agreement * 100).toFixed(2),
        top5: (result.top5Overlap * 100).toFixed(2),
      }),
    );
    console.log(
      t('cli.compare.difference', {
        max: result.maxAbsProbabilityDiff.toExponential(3),
        mean: result.meanAbsProbabilityDiff.toExponential(3),
      }),
    );
    for (const [i, m] of [a!, b!].entries())
      m.info.notes.forEach((english, k) => {
        const note = terminalSafe(say(m.info.messages.notes[k] ?? null, english));
        console.log(t('cli.compare.note', { model: names[i === 0 ? 0 : 1], note }));
      });
  }
  return 0;
}
