/** The engine in Node: onnxruntime-node, the Node decoders, model files read from disk. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLabels } from '../core/data/labels';
import { LensError } from '../core/errors';
import { Engine } from '../engine/engine';
import { ownedBuffer } from '../core/bytes/owned';
import { siblingDataFilesOf } from '../core/onnx/graph';
import type { EngineDeps, ExternalData, ModelSource } from '../engine/types';
import { decodeBytes, type ExifMode } from './decode-node';
import { nodeSessionFactory } from './ort-node';
import { CalibrationSet } from './quantize-node';

const DATA = resolve(import.meta.dirname, '../data');

export function bundledLabels(): string[] {
  return parseLabels(readFileSync(join(DATA, 'imagenet1k-labels.txt'), 'utf8')).labels;
}

export function bundledWnids(): string[] {
  return readFileSync(join(DATA, 'imagenet1k-wnids.txt'), 'utf8').trim().split('\n');
}

/** A model file as the engine's source; a file that cannot be read says so by name. */
export function modelFile(path: string, name = path.split(/[\\/]/).pop() ?? path): ModelSource {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new LensError(
      'model-fetch-failed',
      `Cannot read the model ${path}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  // readFileSync may hand out a view of a shared pool (small files).
  const buffer = ownedBuffer(bytes);
  const externalData = siblingDataFiles(path, new Uint8Array(buffer));
  return {
    type: 'bytes',
    bytes: buffer,
    name,
    ...(externalData.length > 0 ? { externalData } : {}),
  };
}

/**
 * The ONNX external data files a model names that sit beside it (`model.onnx.data`), read so
 * the model loads as onnxruntime would load it from its path. Only small models are parsed (the
 * .onnx of a model with external data is small); a missing file is left to the load's message.
 */
export function siblingDataFiles(path: string, bytes: Uint8Array): ExternalData[] {
  const out: ExternalData[] = [];
  for (const file of siblingDataFilesOf(bytes)) {
    const full = join(dirname(path), file);
    if (!existsSync(full)) continue;
    const data = readFileSync(full);
    out.push({ path: file, bytes: ownedBuffer(data) });
  }
  return out;
}

export function createNodeEngine(
  options: { threads?: number; exif?: ExifMode } & Partial<EngineDeps> = {},
): Engine {
  const { threads = 2, exif = 'apply', ...overrides } = options;
  return new Engine({
    decode: async (blob, request) =>
      decodeBytes(new Uint8Array(await blob.arrayBuffer()), request?.exif ?? exif),
    createSession: nodeSessionFactory(threads),
    calibrationFiles: (paths, preset, mode) => new CalibrationSet(paths, preset, mode),
    fetchModel: (url, onProgress) => {
      const bytes = new Uint8Array(
        readFileSync(url.startsWith('file:') ? fileURLToPath(url) : url),
      );
      onProgress(bytes.byteLength, bytes.byteLength);
      return Promise.resolve(bytes);
    },
    labels: { name: 'ImageNet-1k', labels: bundledLabels() },
    ...overrides,
  });
}
