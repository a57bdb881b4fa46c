/**
 * The session seam: backends asked in order claim a graph or decline it with a reason, the runtime
 * takes the rest, and the engine reports which one runs (ModelInfo.runner).
 */
import { describe, expect, it } from 'vitest';
import { openSession, RUNTIME_NAME, type SessionBackend } from '../src/engine/backends';
import { lensBackend } from '../src/node/lens-node';
import { nodeSessionFactory } from '../src/node/ort-node';
import { imageBlob, testEngine, tinyBytes } from './helpers/engine';
import { references } from './helpers/fixtures';

const runtime = nodeSessionFactory(1);

/** A backend that takes graphs up to `maxBytes` by handing them to onnxruntime-node. */
const sized = (name: string, maxBytes: number): SessionBackend => ({
  name,
  open: async (bytes, options) =>
    bytes.byteLength <= maxBytes
      ? { session: await runtime(bytes, options) }
      : { declined: `the graph has ${bytes.byteLength} bytes, more than ${maxBytes}` },
});

describe('openSession', () => {
  it('asks the backends in order and records why the earlier ones declined', async () => {
    const source = tinyBytes();
    const bytes = new Uint8Array(source.type === 'bytes' ? source.bytes : new ArrayBuffer(0));
    const { session, runner } = await openSession(
      [sized('small', 10), sized('large', 1e9)],
      runtime,
      bytes,
      { backend: 'wasm' },
    );
    expect(runner).toEqual({
      name: 'large',
      declined: [
        { backend: 'small', reason: `the graph has ${bytes.byteLength} bytes, more than 10` },
      ],
    });
    await session.dispose();
    const none = await openSession([sized('small', 10)], runtime, bytes, { backend: 'wasm' });
    expect(none.runner.name).toBe(RUNTIME_NAME);
    await none.session.dispose();
  });

  it('the engine reports the backend that runs the model, and it answers as PyTorch does', async () => {
    const engine = testEngine({ backends: [sized('small', 10)] });
    const info = await engine.load({ source: tinyBytes(), backend: 'wasm' });
    expect(info.runner.name).toBe(RUNTIME_NAME);
    expect(info.runner.declined.map((d) => d.backend)).toEqual(['small']);
    const claimed = testEngine({ backends: [sized('any', 1e9)] });
    expect((await claimed.load({ source: tinyBytes(), backend: 'wasm' })).runner).toEqual({
      name: 'any',
      declined: [],
    });
    const r = await claimed.classify({
      file: imageBlob('chelsea.png'),
      preset: 'torchvision-256-224',
    });
    expect(r.top5.map((p) => p.index)).toEqual(
      references.images['chelsea.png']!.top5.map((p) => p.index),
    );
  });

  it('skips a backend the options do not ask for: it is not listed as declining', async () => {
    const source = tinyBytes();
    const bytes = new Uint8Array(source.type === 'bytes' ? source.bytes : new ArrayBuffer(0));
    const optIn: SessionBackend = {
      ...sized('lens-like', 1e9),
      wanted: (o) => o.kernels === 'lens',
    };
    const skipped = await openSession([optIn], runtime, bytes, { backend: 'wasm' });
    expect(skipped.runner).toEqual({ name: RUNTIME_NAME, declined: [] });
    await skipped.session.dispose();
    const asked = await openSession([optIn], runtime, bytes, { backend: 'wasm', kernels: 'lens' });
    expect(asked.runner).toEqual({ name: 'lens-like', declined: [] });
    await asked.session.dispose();
  });

  it('the lens kernels run Winograd on the layers the fast path rule picks, checked like the rewrite; ?fast=0 runs every layer as written', async () => {
    for (const fast of [true, false]) {
      const ours = await testEngine({ backends: [lensBackend(1)] }).load({
        source: tinyBytes(),
        backend: 'wasm',
        fast,
      });
      const rewrite = await testEngine().load({ source: tinyBytes(), backend: 'wasm', fast });
      expect(ours.runner).toEqual({ name: 'lens', declined: [] });
      const facts = (f: typeof ours.fast) => ({
        path: f.path,
        reason: f.reason,
        rewritten: f.rewritten,
        total3x3: f.total3x3,
        tiles: f.tiles,
        transformedWeightBytes: f.transformedWeightBytes,
        layers: f.layers,
      });
      expect(facts(ours.fast)).toEqual(facts(rewrite.fast));
      if (fast) {
        expect(ours.fast.path).toBe('winograd');
        // The self-check ran: the kernels' Winograd against the same graph as written.
        expect(ours.fast.check?.images).toBe(2);
        expect(ours.fast.check!.maxAbsDiff).toBeLessThanOrEqual(
          ours.fast.check!.bound * ours.fast.check!.scale,
        );
      } else expect(ours.fast).toMatchObject({ path: 'direct', reason: 'fast path off' });
    }
  });
});
