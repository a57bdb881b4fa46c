/**
 * The page's controller in Node: `createController` over the real worker transport and a real
 * engine (onnxruntime-node) behind a fake worker, with the app's zustand store. What the user sees
 * (the store) is checked against PyTorch's references and the engine's own facts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCompare } from '../src/app/create-compare';
import { createController } from '../src/app/create-controller';
import { LensClient } from '../src/app/lens-client';
import { readPageOptions, sessionOptionsOf } from '../src/app/options';
import { useLens } from '../src/app/store';
import type { Request as WorkerRequest } from '../src/worker/protocol';
import { FakeWorker } from './helpers/fake-worker';
import { testEngine } from './helpers/engine';
import { IMAGES, references, ROOT, TINY_MODEL } from './helpers/fixtures';

/** The app's own manifest: the bundled seeded model, as the page lists it. */
const MANIFEST = readFileSync(resolve(ROOT, 'models/models.json'), 'utf8');
const TINY_NAME = (JSON.parse(MANIFEST) as { models: { name: string }[] }).models[0]!.name;
const urls = { manifest: `file://${resolve(TINY_MODEL, '../models.json')}`, base: 'file:///' };

/** The manifest from the repository; every model URL is a file the engine reads itself. */
const fakeFetch: typeof fetch = (input) => {
  const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
  return Promise.resolve(
    url === urls.manifest ? new Response(MANIFEST) : new Response('', { status: 404 }),
  );
};

function setup(search = '') {
  const posted: WorkerRequest[] = [];
  const spawn = () =>
    new LensClient(() => {
      const worker = new FakeWorker(testEngine());
      const post = worker.postMessage.bind(worker);
      worker.postMessage = (m: WorkerRequest) => {
        posted.push(m);
        post(m);
      };
      return worker;
    });
  const options = readPageOptions(search);
  const objectUrl = () => 'blob:test';
  const controller = createController({
    client: spawn(),
    store: useLens,
    options,
    urls,
    compare: createCompare({
      spawn,
      store: useLens,
      session: () => sessionOptionsOf(options),
      urls,
      objectUrl,
    }),
    language: { initial: 'en', rejectedNotice: null },
    zhLabels: () => Promise.resolve(Array.from({ length: 1000 }, (_, i) => `类 ${i}`)),
    fetch: fakeFetch,
    objectUrl,
  });
  const loads = () =>
    posted.flatMap((m) =>
      m.kind === 'call' && (m.method === 'load' || m.method === 'convert')
        ? [m.args as Record<string, unknown>]
        : [],
    );
  return { controller, loads };
}

const photo = (name: string) =>
  new File([readFileSync(resolve(IMAGES, name))], name, { type: 'image/png' });

afterEach(() => useLens.setState(useLens.getInitialState(), true));

describe('createController', () => {
  it('starts with the manifest model and classifies photos as PyTorch does', async () => {
    const { controller } = setup();
    await controller.start();
    const state = useLens.getState();
    expect(state.status).toMatchObject({ kind: 'ready', name: TINY_NAME });
    expect(state.activeInfo).toMatchObject({ untrained: true, numClasses: 1000 });
    await controller.classifyFiles([photo('chelsea.png'), photo('coffee.png')]);
    const results = useLens.getState().results;
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.state.kind).toBe('done');
      if (r.state.kind !== 'done') continue;
      const want = references.images[r.fileName]!.top5.map((p) => p.index);
      expect(r.state.payload.top5.map((p) => p.index)).toEqual(want);
      expect(r).toMatchObject({ modelName: TINY_NAME, untrained: true });
    }
  });

  it('reports each stage of a load with its time, ready in the time since the choice, and a photo queued during the load waits for the model', async () => {
    const { controller } = setup();
    await controller.start();
    const t0 = performance.now();
    const entry = useLens.getState().manifest!.models[0]!;
    const loading = controller.loadModel({ type: 'manifest', entry });
    expect(useLens.getState().status.kind).toBe('loading');
    const queued = controller.classifyFiles([photo('chelsea.png')]);
    expect(useLens.getState().results[0]).toMatchObject({
      queuedDuringLoad: true,
      state: { kind: 'pending' },
    });
    await loading;
    const elapsed = performance.now() - t0;
    const { status } = useLens.getState();
    if (status.kind !== 'ready') throw new Error(`not ready: ${status.kind}`);
    const phases = status.stages!.map((s) => s.phase);
    // The bundled model's 3x3 convolutions take the fast path, checked at load.
    expect(phases).toEqual(['download', 'session', 'fast', 'warmup']);
    for (const s of status.stages!) expect(s.ms).not.toBeNull();
    const sum = status.stages!.reduce((total, s) => total + s.ms!, 0);
    expect(status.readyMs).toBeCloseTo(status.stages![0]!.startMs + sum, 6);
    expect(status.readyMs!).toBeLessThanOrEqual(elapsed);
    // The engine's own time is part of it, never more.
    expect(status.readyMs!).toBeGreaterThanOrEqual(status.info.loadMs + status.info.warmupMs);
    await queued;
    const [result] = useLens.getState().results;
    if (result?.state.kind !== 'done') throw new Error('the queued photo was not classified');
    expect(result.state.payload.top5.map((p) => p.index)).toEqual(
      references.images['chelsea.png']!.top5.map((p) => p.index),
    );
  });

  it('keeps the model in use when another fails to load, and says which one answers', async () => {
    const { controller } = setup();
    await controller.start();
    const junk = new File(['not a model'], 'junk.onnx');
    await controller.loadModel({ type: 'file', file: junk });
    const { status, activeInfo, choice } = useLens.getState();
    expect(status).toMatchObject({ kind: 'error', name: 'junk.onnx' });
    expect(status.kind === 'error' && status.stillUsing?.name).toBe(TINY_NAME);
    expect(activeInfo?.name).toBe(TINY_NAME);
    expect(choice?.type).toBe('manifest');
  });

  it('converts a checkpoint, registers its ONNX, and loads it with the page options', async () => {
    const { controller, loads } = setup('?threads=1&fast=0&fastbg=64');
    await controller.start();
    const pth = new File(
      [readFileSync(resolve(ROOT, 'test/data/cli/legacy_tiny.pth'))],
      'tiny.pth',
    );
    await controller.openFiles([pth]);
    const state = useLens.getState();
    expect(state.converted.map((c) => c.name)).toEqual(['tiny.onnx']);
    expect(state.status).toMatchObject({ kind: 'ready', name: 'tiny.onnx' });
    expect(state.activeChoice).toMatchObject({ type: 'file' });
    // The comparison model (the other precision of the same checkpoint) takes the same options.
    await controller.compareOtherPrecision(state.converted[0]!);
    expect(useLens.getState().compareStatus).toMatchObject({
      kind: 'ready',
      name: 'tiny-fp16.onnx',
    });
    expect(useLens.getState().converted.map((c) => c.name)).toEqual([
      'tiny.onnx',
      'tiny-fp16.onnx',
    ]);
    const page = { threads: 1, fast: false, fastInBackgroundFrom: 64 * 2 ** 20 };
    expect(loads()).toHaveLength(3);
    for (const args of loads()) expect(args).toMatchObject(page);
  });

  it('passes the label warning on as a message, not as English to be parsed back', async () => {
    const { controller } = setup();
    await controller.start();
    await controller.loadLabels(new File(['a\nb\n'], 'two.txt'));
    const { labelsInfo } = useLens.getState();
    expect(labelsInfo).toMatchObject({ kind: 'user', count: 2, name: 'two.txt' });
    expect(labelsInfo.warning).toMatch(/1000 classes but two.txt lists 2/);
    expect(labelsInfo.warningMessage).toEqual({
      key: 'labelCountFile',
      params: { classes: 1000, labels: 2, source: 'two.txt' },
    });
  });
});
