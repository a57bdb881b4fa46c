/** An engine over onnxruntime-node and the project's PNG decoder, for Node tests. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodePng } from '../../src/core/image/png';
import { Engine } from '../../src/engine/engine';
import type { EngineDeps, ModelSource } from '../../src/engine/types';
import { bundledLabels } from '../../src/node/engine';
import { nodeSessionFactory } from '../../src/node/ort-node';
import { IMAGES, TINY_MODEL } from './fixtures';

export const LABELS = bundledLabels();

export function testEngine(overrides: Partial<EngineDeps> = {}): Engine {
  return new Engine({
    decode: async (file) => ({
      image: (await decodePng(new Uint8Array(await file.arrayBuffer()))).image,
      orientation: null,
      rotated: false,
    }),
    createSession: nodeSessionFactory(1),
    fetchModel: (url, onProgress) => {
      const bytes = new Uint8Array(readFileSync(new URL(url)));
      onProgress(bytes.byteLength, bytes.byteLength);
      return Promise.resolve(bytes);
    },
    labels: { name: 'ImageNet-1k', labels: LABELS },
    ...overrides,
  });
}

export const tinyUrl: ModelSource = {
  type: 'url',
  url: new URL(`file://${TINY_MODEL}`).href,
  name: 'tiny',
};

export function bytesSource(bytes: Uint8Array, name: string): ModelSource {
  return { type: 'bytes', bytes: bytes.slice().buffer, name };
}

export const tinyBytes = (): ModelSource =>
  bytesSource(new Uint8Array(readFileSync(TINY_MODEL)), 'tiny.onnx');

export const imageBlob = (name: string): Blob => new Blob([readFileSync(resolve(IMAGES, name))]);
