/** `classify`: the engine the page runs, on files from the command line. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LensError } from '../core/errors';
import { isPresetId, type PresetId } from '../core/preprocess/preprocess';
import { fsPath } from '../node/byte-paths';
import type { ExifMode } from '../node/decode-node';
import { parsePositiveInt } from './args';
import {
  expandInputs,
  openEngine,
  printJson,
  skippedLine,
  untrainedNotice,
  type Skipped,
} from './common';
import { english, errorDetail, say, t } from './i18n';
import { terminalSafe } from './safe-output';

export const classifyUsage = `repopt-lens classify --model <model.onnx> [--preset P] [--exif apply|ignore] [--threads N] [--no-fast] [--backend ort|lens] [--json] <image|dir>...`;

export async function classifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      preset: { type: 'string', default: 'torchvision-256-224' },
      exif: { type: 'string', default: 'apply' },
      threads: { type: 'string', default: '2' },
      'no-fast': { type: 'boolean', default: false },
      backend: { type: 'string', default: 'ort' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.model || positionals.length === 0)
    throw new LensError('usage', t('cli.usage', { usage: classifyUsage }));
  if (!isPresetId(values.preset))
    throw new LensError('usage', t('cli.unknownPreset', { preset: values.preset }));
  if (values.exif !== 'apply' && values.exif !== 'ignore')
    throw new LensError('usage', t('cli.badExif', { value: values.exif }));
  const preset: PresetId = values.preset;
  const exif: ExifMode = values.exif;
  if (values.backend !== 'ort' && values.backend !== 'lens')
    throw new LensError('bad-dataset', t('cli.badBackend', { value: values.backend }));
  const threads = parsePositiveInt('--threads', values.threads);
  const { files, skipped } = expandInputs(positionals);
  const { engine, info, untrained } = await openEngine(values.model, {
    threads,
    exif,
    fast: !values['no-fast'],
    backend: values.backend,
  });
  info.notes.forEach((note, i) => console.error(say(info.messages.notes[i] ?? null, note)));
  // The page flags an untrained model's every answer: so does the CLI (and its JSON, in English).
  if (untrained) console.error(untrainedNotice(values.model));
  const untrainedNote = untrained ? english('untrained.short') : null;

  const out: {
    file: string;
    top5: { index: number; label: string; probability: number }[];
    logits: Float32Array;
    orientationNote?: string;
    scoreNote?: string;
    untrainedNote?: string;
  }[] = [];
  // Every file is tried; the unreadable ones are reported one by one and set the exit code.
  const errors: Skipped[] = [...skipped];
  for (const s of skipped) console.error(skippedLine(s));
  try {
    for (const file of files) {
      try {
        const r = await engine.classify({ file: new Blob([readFileSync(fsPath(file))]), preset });
        out.push({
          file,
          top5: r.top5,
          logits: r.logits,
          ...(r.orientationNote ? { orientationNote: r.orientationNote } : {}),
          ...(r.scoreNote ? { scoreNote: r.scoreNote } : {}),
          ...(untrainedNote ? { untrainedNote } : {}),
        });
        if (!values.json) {
          const orientation = r.orientationNote && say(r.messages.orientation, r.orientationNote);
          console.log(`${file}${orientation ? `  (${orientation})` : ''}`);
          for (const p of r.top5)
            console.log(
              `  ${(p.probability * 100).toFixed(2).padStart(6)}%  ${String(p.index).padStart(4)}  ${p.label}`,
            );
          if (r.scoreNote) console.log(`  (${say(r.messages.score, r.scoreNote)})`);
          if (untrained) console.log(`  (${t('untrained.tag')})`);
        }
      } catch (e) {
        const error = (e as Error).message;
        errors.push({ file, error });
        console.error(
          t('cli.fileError', { file: terminalSafe(file), detail: terminalSafe(errorDetail(e)) }),
        );
      }
    }
  } finally {
    await engine.dispose();
  }
  if (values.json) printJson(out);
  return errors.length > 0 ? 1 : 0;
}
