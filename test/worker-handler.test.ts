/**
 * The worker's handler in Node: real decoding, real preprocessing, real inference
 * (onnxruntime-node on the tiny model), with the transport mocked. The top-5 must equal PyTorch's.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLabels } from '../src/core/data/labels';
import { decodePng } from '../src/core/image/png';
import { createNodeSession } from '../src/node/ort-node';
import { createHandler, type WorkerDeps } from '../src/worker/handler';
import type { ClassifyPayload, Request, Response } from '../src/worker/protocol';
import { IMAGES, references, ROOT, TINY_MODEL } from './helpers/fixtures';

const labels = parseLabels(
  readFileSync(resolve(ROOT, 'src/data/imagenet1k-labels.txt'), 'utf8'),
).labels;

function harness(overrides: Partial<WorkerDeps> = {}) {
  const sent: Response[] = [];
  const deps: WorkerDeps = {
    decode: async (file) => ({
      image: (await decodePng(new Uint8Array(await file.arrayBuffer()))).image,
      orientation: null,
      rotated: false,
    }),
    createSession: (bytes) => createNodeSession(bytes, 1),
    fetchModel: (url, onProgress) => {
      const bytes = new Uint8Array(readFileSync(new URL(url)));
      onProgress(bytes.byteLength, bytes.byteLength);
      return Promise.resolve(bytes);
    },
    labels,
    ...overrides,
  };
  const handle = createHandler(deps, (m) => sent.push(m));
  const reply = async (request: Request) => {
    await handle(request);
    return sent.filter((m) => m.id === request.id);
  };
  return { handle, reply, sent };
}

const modelUrl = new URL(`file://${TINY_MODEL}`).href;
const pngFixtures = Object.keys(references.images).filter((n) => n.endsWith('.png'));
const blob = (name: string) => new Blob([readFileSync(resolve(IMAGES, name))]);

describe('worker handler (onnxruntime-node, mocked transport)', () => {
  it('loads a model with progress, then classifies each PNG fixture as PyTorch does', async () => {
    const { reply } = harness();
    const load = await reply({
      kind: 'load-model',
      id: 1,
      source: { type: 'url', url: modelUrl, name: 'tiny' },
      backend: 'auto',
    });
    expect(load.map((m) => m.kind)).toEqual(['progress', 'progress', 'model-ready']);
    const ready = load.at(-1) as Extract<Response, { kind: 'model-ready' }>;
    expect(ready.info).toMatchObject({
      inputName: 'input',
      outputName: 'logits',
      numClasses: 1000,
      labelWarning: null,
    });

    expect(pngFixtures.length).toBeGreaterThanOrEqual(5);
    let id = 10;
    for (const name of pngFixtures) {
      const ref = references.images[name]!;
      const [msg] = await reply({
        kind: 'classify',
        id: id++,
        file: blob(name),
        name,
        preset: 'torchvision-256-224',
      });
      expect(msg?.kind, name).toBe('classified');
      const result = (msg as { result: ClassifyPayload }).result;
      expect(result.cropSha256, name).toBe(ref.presets['torchvision-256-224']!.crop_sha256);
      expect(
        result.top5.map((p) => p.index),
        name,
      ).toEqual(ref.top5.map((p) => p.index));
      result.top5.forEach((p, i) =>
        expect(Math.abs(p.probability - ref.top5[i]!.probability), name).toBeLessThan(1e-4),
      );
      expect(result.top5[0]!.label).toBe(labels[ref.top5[0]!.index]);
      const maxLogitDiff = Math.max(...ref.logits.map((l, i) => Math.abs(l - result.logits[i]!)));
      expect(maxLogitDiff, name).toBeLessThan(1e-3);
      expect(result.cropRgba.byteLength).toBe(224 * 224 * 4);
    }
  });

  it('answers classify before any model with a no-model error', async () => {
    const { reply } = harness();
    const [msg] = await reply({
      kind: 'classify',
      id: 1,
      file: blob('chelsea.png'),
      name: 'chelsea.png',
      preset: 'torchvision-256-224',
    });
    expect(msg).toMatchObject({ kind: 'error', error: { code: 'no-model', name: 'LensError' } });
  });

  it('keeps the previous model when a bad model is loaded, and goes on classifying', async () => {
    const { reply } = harness();
    await reply({
      kind: 'load-model',
      id: 1,
      source: { type: 'url', url: modelUrl, name: 'tiny' },
      backend: 'auto',
    });
    const bad = new TextEncoder().encode('this is not a model').buffer;
    const replies = await reply({
      kind: 'load-model',
      id: 2,
      source: { type: 'bytes', bytes: bad, name: 'bad.onnx' },
      backend: 'auto',
    });
    expect(replies.at(-1)).toMatchObject({ kind: 'error', error: { code: 'not-a-model' } });
    const [msg] = await reply({
      kind: 'classify',
      id: 3,
      file: blob('chelsea.png'),
      name: 'chelsea.png',
      preset: 'torchvision-256-224',
    });
    expect(msg?.kind).toBe('classified');
  });

  it('reports a decode error for the one bad image and classifies the next', async () => {
    const { handle, sent } = harness();
    await handle({
      kind: 'load-model',
      id: 1,
      source: { type: 'url', url: modelUrl, name: 'tiny' },
      backend: 'auto',
    });
    // Sent together: the queue keeps their order and one failure does not stop the next.
    await Promise.all([
      handle({
        kind: 'classify',
        id: 2,
        file: new Blob(['not a png']),
        name: 'x.png',
        preset: 'torchvision-256-224',
      }),
      handle({
        kind: 'classify',
        id: 3,
        file: blob('tiny-7x5.png'),
        name: 'tiny-7x5.png',
        preset: 'repopt-official-224-224',
      }),
    ]);
    expect(sent.filter((m) => m.id === 2)[0]).toMatchObject({
      kind: 'error',
      error: { name: 'LensError' },
    });
    const ok = sent.filter((m) => m.id === 3)[0] as { result: ClassifyPayload };
    expect(ok.result.preset).toBe('repopt-official-224-224');
    expect(ok.result.cropSha256).toBe(
      references.images['tiny-7x5.png']!.presets['repopt-official-224-224']!.crop_sha256,
    );
  });

  it('warns when the class count does not match the labels', async () => {
    const { reply } = harness({ labels: labels.slice(0, 10) });
    const load = await reply({
      kind: 'load-model',
      id: 1,
      source: { type: 'url', url: modelUrl, name: 'tiny' },
      backend: 'auto',
    });
    const ready = load.at(-1) as Extract<Response, { kind: 'model-ready' }>;
    expect(ready.info.labelWarning).toMatch(/1000 classes but the labels list 10/);
    const [msg] = await reply({
      kind: 'classify',
      id: 2,
      file: blob('chelsea.png'),
      name: 'c',
      preset: 'torchvision-256-224',
    });
    const top = (msg as { result: ClassifyPayload }).result.top5;
    expect(
      top.every((p) => p.label === (p.index < 10 ? labels[p.index] : `class ${p.index}`)),
    ).toBe(true);
  });
});
