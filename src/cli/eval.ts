/**
 * `eval`: top-1/top-5 on an ImageNet-style folder, with the page's preprocessing, softmax and
 * labels. Decoding and preprocessing run in worker threads; inference batches on this thread.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LensError } from '../core/errors';
import type { Message } from '../core/message';
import {
  mergeResults,
  parseGroundTruth,
  parseShard,
  parseShardReport,
  matchGroundTruth,
  samplesFromGroundTruth,
  samplesFromWnidFolders,
  shard,
  summarize,
  type Layout,
  type Sample,
  type SampleResult,
} from '../core/data/eval';
import { labelFor } from '../core/data/labels';
import { isPresetId, type PresetId } from '../core/preprocess/preprocess';
import type { ExifMode } from '../node/decode-node';
import { PreprocessPool } from '../node/preprocess-pool';
import type { Engine } from '../engine/engine';
import { parsePositiveInt } from './args';
import {
  bundledLabels,
  bundledWnids,
  cropOf,
  openEngine,
  untrainedNotice,
  printJson,
  progress,
  scanImages,
  skipReason,
  type Skipped,
} from './common';
import { say, t } from './i18n';
import { writeAtomically } from './model-files';
import { terminalSafe } from './safe-output';

export const evalUsage = `repopt-lens eval --model <model.onnx> --data <dir> [--labels <ground-truth.txt> [--strict]] [--limit N] [--shard i/n] [--batch B] [--preset P] [--exif ignore|apply] [--threads N] [--no-fast] [--json] [--out results.json]
repopt-lens eval --merge a.json b.json ... [--json]`;

export interface EvalReport {
  model: string;
  data: string;
  layout: Layout;
  preset: PresetId;
  shard: { index: number; count: number } | null;
  /** What the model's scores are when not plain logits (probabilities as given, few classes). */
  notes?: string[];
  /** Set when the run was interrupted (Ctrl-C): the figures cover the images done so far. */
  partial?: boolean;
  count: number;
  skipped: { file: string; error: string }[];
  /** With --labels: images the ground-truth file lists that are not in the folder. */
  missing?: number;
  top1: number;
  top5: number;
  correct1: number;
  correct5: number;
  seconds: number;
  imagesPerSecond: number;
  worstClasses: { index: number; label: string; count: number; top1: number }[];
  mismatches: { file: string; label: number; predicted: number; probability: number }[];
  results: SampleResult[];
}

function findLayout(
  dir: string,
  groundTruthFile: string | undefined,
  strict: boolean,
): { layout: Layout; samples: Sample[]; skipped: Skipped[]; missing?: number } {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new LensError('bad-dataset', t('cli.eval.notAFolder', { dir }));
  const { files, skipped } = scanImages(dir);
  if (files.length === 0) throw new LensError('bad-dataset', t('cli.noImages', { where: dir }));
  if (groundTruthFile) {
    const truth = parseGroundTruth(readFileSync(groundTruthFile, 'utf8'));
    const unreadable = new Set(skipped.map((s) => s.file));
    if (strict)
      return {
        layout: 'flat-with-ground-truth',
        samples: samplesFromGroundTruth(files, truth, unreadable),
        skipped,
        missing: 0,
      };
    const { samples, missing } = matchGroundTruth(files, truth, unreadable);
    if (samples.length === 0 && skipped.length === 0)
      throw new LensError(
        'bad-dataset',
        t('cli.eval.noneListed', { count: missing.length, example: missing[0] ?? '' }),
      );
    return { layout: 'flat-with-ground-truth', samples, skipped, missing: missing.length };
  }
  const subfolders = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
  if (subfolders.length === 0) {
    throw new LensError('bad-dataset', t('cli.eval.noClassFolders', { dir }));
  }
  return {
    layout: 'wnid-folders',
    samples: samplesFromWnidFolders(files, bundledWnids()),
    skipped,
  };
}

function report(
  base: Omit<
    EvalReport,
    'count' | 'top1' | 'top5' | 'correct1' | 'correct5' | 'worstClasses' | 'mismatches'
  >,
  labels: string[],
): EvalReport {
  const s = summarize(base.results);
  return {
    ...base,
    count: s.count,
    top1: s.top1,
    top5: s.top5,
    correct1: s.correct1,
    correct5: s.correct5,
    worstClasses: s.worstClasses.map((c) => ({ ...c, label: labelFor(labels, c.index) })),
    mismatches: s.mismatches,
  };
}

export async function evalCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      data: { type: 'string' },
      labels: { type: 'string' },
      limit: { type: 'string' },
      shard: { type: 'string' },
      batch: { type: 'string', default: '1' },
      preset: { type: 'string', default: 'torchvision-256-224' },
      exif: { type: 'string', default: 'ignore' },
      threads: { type: 'string', default: '2' },
      'no-fast': { type: 'boolean', default: false },
      workers: { type: 'string' },
      merge: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const labels = bundledLabels();
  // The notes' messages by their English text (what the report keeps), for the summary.
  const noteMessages = new Map<string, Message>();
  const interrupt = { requested: false };
  const onInterrupt = () => {
    interrupt.requested = true;
  };
  try {
    let result: EvalReport;
    if (values.merge) {
      if (positionals.length === 0)
        throw new LensError('usage', t('cli.usage', { usage: evalUsage }));
      const parts = positionals.map((f) => {
        let text: string;
        try {
          text = readFileSync(f, 'utf8');
        } catch (e) {
          const reason = (e as Error).message;
          throw new LensError('bad-dataset', t('cli.eval.cannotRead', { file: f, reason }), {
            cause: e,
          });
        }
        return parseShardReport(text, f);
      });
      const first = parts[0]!;
      if (!isPresetId(first.preset))
        throw new LensError(
          'bad-dataset',
          t('cli.eval.mergeUnknownPreset', { file: positionals[0]!, preset: first.preset }),
        );
      const firstPreset: PresetId = first.preset;
      for (const p of parts) {
        if (p.model !== first.model || p.preset !== first.preset)
          throw new LensError(
            'bad-dataset',
            t('cli.eval.mergeMixed', { model: p.model, preset: p.preset }),
          );
      }
      const seconds = parts.reduce((a, p) => a + p.seconds, 0);
      const results = mergeResults(parts.map((p) => p.results));
      result = report(
        {
          model: first.model,
          data: first.data,
          layout: first.layout,
          preset: firstPreset,
          shard: null,
          skipped: parts.flatMap((p) => p.skipped),
          // Every shard counts the same list against the same folder.
          ...(parts.some((p) => p.missing !== undefined)
            ? { missing: Math.max(...parts.map((p) => p.missing ?? 0)) }
            : {}),
          seconds,
          imagesPerSecond: seconds > 0 ? results.length / seconds : 0,
          results,
        },
        labels,
      );
    } else {
      if (!values.model || !values.data)
        throw new LensError('usage', t('cli.usage', { usage: evalUsage }));
      if (!isPresetId(values.preset))
        throw new LensError('usage', t('cli.unknownPreset', { preset: values.preset }));
      if (values.exif !== 'apply' && values.exif !== 'ignore')
        throw new LensError('usage', t('cli.badExif', { value: values.exif }));
      const exif: ExifMode = values.exif;
      const preset = values.preset;
      const batch = parsePositiveInt('--batch', values.batch);
      const threads = parsePositiveInt('--threads', values.threads);
      const limit = values.limit === undefined ? null : parsePositiveInt('--limit', values.limit);
      const workers =
        values.workers === undefined ? undefined : parsePositiveInt('--workers', values.workers);
      const shardSpec = values.shard ? parseShard(values.shard) : null;
      const {
        layout,
        samples: all,
        skipped: unreadable,
        missing,
      } = findLayout(values.data, values.labels, values.strict);
      let samples = shard(all, shardSpec);
      if (limit !== null) samples = samples.slice(0, limit);
      const { engine, info, untrained } = await openEngine(values.model, {
        threads,
        exif,
        fast: !values['no-fast'],
      });
      if (untrained) console.error(untrainedNotice(values.model));
      info.notes.forEach((n, i) => {
        const m = info.messages.notes[i];
        if (m) noteMessages.set(n, m);
      });
      // Ctrl-C: the run stops at the next batch, and what it gathered is written below, marked
      // partial. Held until the output is written, so a Ctrl-C after the last batch cannot kill the
      // process mid-write; a second Ctrl-C kills it at once (`once`), as a user expects.
      process.once('SIGINT', onInterrupt);
      const run = await evaluate(engine, samples, interrupt, {
        dir: values.data,
        preset,
        exif,
        batch,
        ...(workers !== undefined ? { workers } : {}),
      });
      for (const [n, m] of run.noteMessages) noteMessages.set(n, m);
      result = report(
        {
          model: basename(values.model),
          data: resolve(values.data),
          layout,
          preset,
          shard: shardSpec,
          ...(run.partial ? { partial: true } : {}),
          ...(info.notes.length + run.notes.length > 0
            ? { notes: [...new Set([...info.notes, ...run.notes])] }
            : {}),
          skipped: [...unreadable, ...run.skipped],
          ...(missing !== undefined ? { missing } : {}),
          seconds: run.seconds,
          imagesPerSecond: run.results.length / run.seconds,
          results: run.results.sort((a, b) => (a.file < b.file ? -1 : 1)),
        },
        labels,
      );
    }
    return writeReport(result, values, noteMessages);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/**
 * `--out` (written whole or not at all), then the summary. Exit 0, or 130 (128 + SIGINT, the
 * shell's convention) when Ctrl-C cut the run short: the figures are then partial.
 */
function writeReport(
  result: EvalReport,
  values: { out?: string; json?: boolean },
  noteMessages: ReadonlyMap<string, Message>,
): number {
  // JSON keeps each skipped entry as {file, error}; the reason's catalogue code is for people.
  const json = { ...result, skipped: result.skipped.map(({ file, error }) => ({ file, error })) };
  if (values.out)
    writeAtomically(values.out, new TextEncoder().encode(JSON.stringify(json, null, 2) + '\n'));
  if (values.json) printJson(json);
  else printSummary(result, noteMessages);
  return result.partial ? 130 : 0;
}

/**
 * Inference over the samples: decoding and preprocessing run ahead in worker threads by a
 * bounded window (memory stays flat), inference batches through the engine. A file that fails is
 * skipped with its reason, whenever its failure arrives. Ctrl-C stops at the next batch and the
 * results so far come back marked partial.
 */
async function evaluate(
  engine: Engine,
  samples: Sample[],
  interrupt: { requested: boolean },
  options: { dir: string; preset: PresetId; exif: ExifMode; batch: number; workers?: number },
): Promise<{
  results: SampleResult[];
  skipped: Skipped[];
  seconds: number;
  partial: boolean;
  notes: string[];
  noteMessages: Map<string, Message>;
}> {
  const { batch, preset } = options;
  const pool = new PreprocessPool(options.workers);
  const bar = progress(samples.length, t('cli.phase.eval'));
  const results: SampleResult[] = [];
  const skipped: Skipped[] = [];
  const notes = new Set<string>();
  const noteMessages = new Map<string, Message>();
  const t0 = performance.now();
  type Outcome = { tensor: Float32Array } | { error: string };
  try {
    const window = Math.max(4, batch * 3);
    const pending: (Promise<Outcome> | null)[] = samples.map(() => null);
    const start = (i: number) => {
      if (i >= samples.length) return;
      // Settled into a value at once: a rejection must never wait unobserved for its turn.
      pending[i] = pool.run(join(options.dir, samples[i]!.file), preset, options.exif).then(
        (tensor) => ({ tensor }),
        (e: unknown) => ({ error: (e as Error).message }),
      );
    };
    for (let i = 0; i < window; i++) start(i);
    const size = cropOf(preset);
    const plane = 3 * size * size;
    for (let i = 0; i < samples.length && !interrupt.requested; i += batch) {
      const group: { sample: Sample; tensor: Float32Array }[] = [];
      for (let j = i; j < Math.min(i + batch, samples.length); j++) {
        const sample = samples[j]!;
        const outcome = await pending[j]!;
        if ('tensor' in outcome) group.push({ sample, tensor: outcome.tensor });
        else skipped.push({ file: sample.file, error: outcome.error });
        pending[j] = null;
        start(j + window);
      }
      if (group.length > 0) {
        const input = new Float32Array(plane * group.length);
        group.forEach((g, k) => input.set(g.tensor, k * plane));
        const ranked = await engine.classifyTensors({ input, count: group.length, size });
        group.forEach((g, k) => {
          const top = ranked[k]!.top5;
          const { scoreNote, scoreMessage } = ranked[k]!;
          if (scoreNote) notes.add(scoreNote);
          if (scoreNote && scoreMessage) noteMessages.set(scoreNote, scoreMessage);
          results.push({
            file: g.sample.file,
            label: g.sample.label,
            top5: top.map((t) => t.index),
            probability: top[0]!.probability,
          });
        });
      }
      bar.tick(Math.min(batch, samples.length - i));
    }
  } finally {
    bar.done();
    await pool.close();
    await engine.dispose();
  }
  return {
    results,
    skipped,
    seconds: (performance.now() - t0) / 1000,
    // Set only when a Ctrl-C left samples undone (one after the last batch changes nothing).
    partial: results.length + skipped.length < samples.length,
    notes: [...notes],
    noteMessages,
  };
}

function printSummary(r: EvalReport, noteMessages: ReadonlyMap<string, Message>): void {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const shard = r.shard ? t('cli.eval.shard', { index: r.shard.index, count: r.shard.count }) : '';
  console.log(
    t('cli.eval.heading', {
      model: terminalSafe(r.model),
      data: terminalSafe(r.data),
      layout: r.layout,
      preset: r.preset,
      shard,
    }),
  );
  console.log(
    t('cli.eval.figures', {
      count: r.count,
      top1: pct(r.top1),
      correct1: r.correct1,
      top5: pct(r.top5),
      correct5: r.correct5,
      rate: r.imagesPerSecond.toFixed(1),
      ms: (1000 / r.imagesPerSecond).toFixed(1),
    }),
  );
  for (const note of r.notes ?? [])
    console.log(terminalSafe(say(noteMessages.get(note) ?? null, note)));
  if (r.missing) console.log(t('cli.eval.missing', { count: r.missing }));
  if (r.skipped.length > 0) {
    console.log(t('cli.eval.skipped', { count: r.skipped.length }));
    for (const s of r.skipped.slice(0, 10))
      console.log(
        t('cli.eval.skippedFile', {
          file: terminalSafe(s.file),
          error: terminalSafe(skipReason(s)),
        }),
      );
  }
  if (r.worstClasses.length > 0) {
    console.log(t('cli.eval.worst'));
    for (const c of r.worstClasses.slice(0, 5))
      console.log(
        t('cli.eval.worstRow', {
          top1: pct(c.top1).padStart(7),
          index: String(c.index).padStart(4),
          label: terminalSafe(c.label),
          count: c.count,
        }),
      );
  }
}
