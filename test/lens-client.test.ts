/**
 * The page's worker client against a fake worker that runs the real transport (`serve`) over a
 * real engine (onnxruntime-node): typed replies, progress, cancellation, faults and crashes.
 */
import { describe, expect, it } from 'vitest';
import { LensClient } from '../src/app/lens-client';
import type { Faults } from '../src/worker/protocol';
import { FakeWorker } from './helpers/fake-worker';
import { withFaults } from '../src/worker/faults';
import { nodeSessionFactory } from '../src/node/ort-node';
import { imageBlob, testEngine, tinyBytes, tinyUrl } from './helpers/engine';
import { references } from './helpers/fixtures';
import { lensRejection } from './helpers/errors';

function setup() {
  const workers: FakeWorker[] = [];
  const client = new LensClient(() => {
    const w = new FakeWorker(testEngine());
    workers.push(w);
    return w;
  });
  return { client, workers };
}

describe('LensClient over the real transport', () => {
  it('sends a label file to the worker, which reads and parses it (issue 12 row 19)', async () => {
    const { client, workers } = setup();
    await client.load({ source: tinyBytes(), backend: 'wasm' });
    // A blank first line and CRLF must not shift anything: 1000 names, class i is "name i".
    const text = '\r\n' + Array.from({ length: 1000 }, (_, i) => `name ${i}`).join('\r\n');
    const file = new Blob([text]);
    const state = await client.setLabels({ file, name: 'mine.txt' });
    expect(state).toEqual({ count: 1000, source: 'mine.txt', warning: null, warningMessage: null });
    // The page sent the file itself, not a parsed list: the parsing happened in the worker.
    const call = workers[0]!.posted.find((m) => m.kind === 'call' && m.method === 'setLabels');
    expect(call && 'args' in call && (call.args as { file?: unknown }).file).toBe(file);
    const result = await client.classify({
      file: imageBlob('chelsea.png'),
      preset: 'torchvision-256-224',
    });
    const top = references.images['chelsea.png']!.top5[0]!.index;
    expect(result.top5[0]!.label).toBe(`name ${top}`);

    // Too large: refused by its size before it is read; bad syntax: the parser's message. Both
    // keep the labels in use.
    const huge = new Blob([new Uint8Array(17 * 2 ** 20)]);
    expect(await lensRejection(client.setLabels({ file: huge, name: 'huge.txt' }))).toEqual({
      code: 'bad-labels',
      message:
        'The label file is too large (17.0 MB, limit 16 MB): a label file lists one name per class.',
    });
    const bad = new Blob(['{"0": "a",']);
    expect((await lensRejection(client.setLabels({ file: bad, name: 'bad.json' }))).code).toBe(
      'bad-labels',
    );
    expect((await client.inspect())?.labelSource).toBe('mine.txt');
  });

  it('loads with progress and answers each call with its own typed result', async () => {
    const { client } = setup();
    const phases: string[] = [];
    const info = await client.load({
      source: tinyBytes(),
      backend: 'wasm',
      onProgress: (p) => phases.push(p.phase),
    });
    expect(info.numClasses).toBe(1000);
    expect(phases).toContain('session');
    const result = await client.classify({
      file: imageBlob('chelsea.png'),
      preset: 'torchvision-256-224',
    });
    expect(result.top5.map((p) => p.index)).toEqual(
      references.images['chelsea.png']!.top5.map((p) => p.index),
    );
    const labels = await client.setLabels({ labels: ['a'], name: 'one.txt' });
    expect(labels).toEqual({
      count: 1,
      source: 'one.txt',
      warning: expect.stringMatching(/1000 classes but one.txt lists 1/) as unknown,
      warningMessage: {
        key: 'labelCountFile',
        params: { classes: 1000, labels: 1, source: 'one.txt' },
      },
    });
    expect((await client.inspect())?.labelSource).toBe('one.txt');
  });

  it('rebuilds errors as LensErrors with their code', async () => {
    const { client } = setup();
    const e = await lensRejection(
      client.classify({ file: imageBlob('chelsea.png'), preset: 'torchvision-256-224' }),
    );
    expect(e.code).toBe('no-model'); // lensRejection accepts only a LensError
  });

  it('turns an aborted signal into a cancel message, and the load rejects as aborted', async () => {
    const { client, workers } = setup();
    const controller = new AbortController();
    const load = client.load({ source: tinyUrl, backend: 'wasm', signal: controller.signal });
    controller.abort();
    expect(await lensRejection(load)).toMatchObject({ code: 'aborted' });
    expect(workers[0]!.posted.map((m) => m.kind)).toEqual(['call', 'cancel']);
  });

  it('fails every pending call with worker-crashed, starts a fresh worker and reports it', async () => {
    const { client, workers } = setup();
    const crashes: [string, boolean][] = [];
    client.onCrash = (message, reload) => crashes.push([message, reload]);
    await client.load({ source: tinyBytes(), backend: 'wasm' });
    const pending = client.classify({
      file: imageBlob('chelsea.png'),
      preset: 'torchvision-256-224',
    });
    client.crash();
    expect(await lensRejection(pending)).toMatchObject({ code: 'worker-crashed' });
    expect(crashes).toEqual([[expect.stringMatching(/worker crashed \(requested\)/), true]]);
    expect(workers).toHaveLength(2);
    expect(workers[0]!.terminated).toBe(true);
    // The new worker works once a model is loaded again.
    await client.load({ source: tinyBytes(), backend: 'wasm' });
    expect((await client.inspect())?.name).toBe('tiny.onnx');
  });

  it('stops asking for reloads after 3 crashes within a minute', () => {
    const { client, workers } = setup();
    const reloads: boolean[] = [];
    client.onCrash = (_m, reload) => reloads.push(reload);
    for (let i = 0; i < 4; i++) workers.at(-1)!.die('boom');
    expect(reloads).toEqual([true, true, true, false]);
  });

  it('sends persistent faults to each new worker, and the inference crash only once', () => {
    const { client, workers } = setup();
    client.injectFaults({ webgpuFailure: true });
    client.crashInNextInference();
    expect(workers[0]!.posted.map((m) => (m.kind === 'faults' ? m.faults : m.kind))).toEqual([
      { webgpuFailure: true },
      { crashInInference: true },
    ]);
    workers[0]!.die('x');
    expect(workers[1]!.posted).toEqual([
      { kind: 'faults', id: expect.any(Number) as unknown, faults: { webgpuFailure: true } },
    ]);
  });
});

describe('withFaults', () => {
  it('makes WebGPU creation fail on request and leaves sessions alone otherwise', async () => {
    const faults: Faults = {};
    const seen: string[] = [];
    // A runtime that prepares the model for the backend it chose, as onnxruntime-web's adapter does.
    const create = withFaults(async (bytes, options) => {
      for (const runtime of ['webgpu', 'wasm'] as const)
        await options.prepare?.(bytes, runtime).then(
          () => seen.push(`${runtime} ok`),
          (e: Error) => seen.push(`${runtime}: ${e.message}`),
        );
      return nodeSessionFactory(1)(bytes, options);
    }, faults);
    const bytes = new Uint8Array(
      await (
        await import('node:fs/promises')
      ).readFile(new URL(tinyUrl.type === 'url' ? tinyUrl.url : '')),
    );
    const a = await create(bytes, { backend: 'wasm' });
    faults.webgpuFailure = true;
    const b = await create(bytes, { backend: 'wasm' });
    expect(seen).toEqual([
      'webgpu ok',
      'wasm ok',
      'webgpu: simulated WebGPU failure (test hook)',
      'wasm ok',
    ]);
    expect((await a.run(new Float32Array(3 * 224 * 224), [1, 3, 224, 224])).length).toBe(1000);
    await Promise.all([a.dispose(), b.dispose()]);
  });
});
