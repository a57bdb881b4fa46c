/** The engine in Node: onnxruntime-node, the Node decoders, model files read from disk. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLabels } from '../core/data/labels';
import { LensError } from '../core/errors';
import { Engine } from '../engine/engine';
import { decodeGraph, externalDataFiles, isSiblingDataFile } from '../core/onnx/graph';
import type { EngineDeps, ExternalData, ModelSource } from '../engine/types';
import { decodeBytes, type ExifMode } from './decode-node';
import { nodeSessionFactory } from './ort-node';
import { nodeQuantRunner } from './quantize-node';

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
  // readFileSync may hand out a view of a shared pool (small files): copy unless the view is the
  // whole buffer. Not Buffer#slice, which is a view of the same pool: a 366-byte model read as
  // the pool's first bytes.
  const buffer: ArrayBuffer =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? (bytes.buffer as ArrayBuffer)
      : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
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
  if (bytes.byteLength > 16 * 2 ** 20) return [];
  let names: string[];
  try {
    names = externalDataFiles(decodeGraph(bytes)).filter(isSiblingDataFile);
  } catch {
    return [];
  }
  const out: ExternalData[] = [];
  for (const file of names) {
    const full = join(dirname(path), file);
    if (!existsSync(full)) continue;
    const data = readFileSync(full);
    out.push({
      path: file,
      bytes: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    });
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
    createQuantRunner: nodeQuantRunner(threads),
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
