/** `classify`: the browser's pipeline (the same worker handler) on files from the command line. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { isPresetId, type PresetId } from '../core/preprocess/preprocess';
import { createNodeSession } from '../node/ort-node';
import { decodeBytes, type ExifMode } from '../node/decode-node';
import { createHandler } from '../worker/handler';
import type { ClassifyPayload, Response } from '../worker/protocol';
import { LensError, deserializeError } from '../core/errors';
import { bundledLabels, expandInputs, printJson } from './common';

export const classifyUsage = `repopt-lens classify --model <model.onnx> [--preset P] [--exif apply|ignore] [--threads N] [--json] <image|dir>...`;

export async function classifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      preset: { type: 'string', default: 'torchvision-256-224' },
      exif: { type: 'string', default: 'apply' },
      threads: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.model || positionals.length === 0)
    throw new LensError('bad-dataset', `usage: ${classifyUsage}`);
  if (!isPresetId(values.preset))
    throw new LensError('bad-dataset', `Unknown preset "${values.preset}".`);
  const preset: PresetId = values.preset;
  const exif = values.exif as ExifMode;
  const files = expandInputs(positionals);
  const replies = new Map<number, Response>();
  const handle = createHandler(
    {
      decode: async (blob) => decodeBytes(new Uint8Array(await blob.arrayBuffer()), exif),
      createSession: (bytes) => createNodeSession(bytes, Number(values.threads)),
      fetchModel: () => Promise.resolve(new Uint8Array(readFileSync(values.model!))),
      labels: bundledLabels(),
    },
    (m) => replies.set(m.id, m),
  );
  await handle({
    kind: 'load-model',
    id: 0,
    source: { type: 'url', url: values.model, name: basename(values.model) },
    backend: 'wasm',
  });
  const loaded = replies.get(0);
  if (loaded?.kind === 'error') throw deserializeError(loaded.error);

  const out: {
    file: string;
    top5: { index: number; label: string; probability: number }[];
    logits: Float32Array;
    orientationNote?: string;
  }[] = [];
  const errors: { file: string; error: string }[] = [];
  for (const [i, file] of files.entries()) {
    const id = i + 1;
    await handle({
      kind: 'classify',
      id,
      file: new Blob([readFileSync(file)]),
      name: file,
      preset,
    });
    const reply = replies.get(id);
    if (reply?.kind === 'classified') {
      const r: ClassifyPayload = reply.result;
      out.push({
        file,
        top5: r.top5,
        logits: r.logits,
        ...(r.orientationNote ? { orientationNote: r.orientationNote } : {}),
      });
      if (!values.json) {
        console.log(`${file}${r.orientationNote ? `  (${r.orientationNote})` : ''}`);
        for (const p of r.top5)
          console.log(
            `  ${(p.probability * 100).toFixed(2).padStart(6)}%  ${String(p.index).padStart(4)}  ${p.label}`,
          );
      }
    } else if (reply?.kind === 'error') {
      errors.push({ file, error: reply.error.message });
      console.error(`${file}: ${reply.error.message}`);
    }
  }
  if (values.json) printJson(out);
  return errors.length > 0 ? 1 : 0;
}
