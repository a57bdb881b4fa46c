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

  it('the lens kernels report their own Winograd as the fast path; ?fast=0 runs every layer as written', async () => {
    for (const fast of [true, false]) {
      const engine = testEngine({ backends: [lensBackend(1)] });
      const info = await engine.load({ source: tinyBytes(), backend: 'wasm', fast });
      expect(info.runner).toEqual({ name: 'lens', declined: [] });
      // The tiny model: six 3x3 convolutions, the stride-1 ones on the kernels' Winograd.
      expect(info.fast.total3x3).toBe(6);
      if (fast) {
        expect(info.fast.path).toBe('winograd');
        expect(info.fast.tiles.F4).toBe(info.fast.rewritten);
        expect(info.fast.rewritten).toBe(
          info.fast.layers.filter((l) => !l.reason.includes('stride is not 1')).length,
        );
        expect(info.fast.check).toBeUndefined();
      } else expect(info.fast).toMatchObject({ path: 'direct', reason: 'fast path off' });
      const r = await engine.classify({
        file: imageBlob('chelsea.png'),
        preset: 'torchvision-256-224',
      });
      const ref = references.images['chelsea.png']!.top5;
      expect(r.top5.map((p) => p.index)).toEqual(ref.map((p) => p.index));
      r.top5.forEach((p, i) =>
        expect(Math.abs(p.probability - ref[i]!.probability)).toBeLessThan(1e-5),
      );
    }
  });
});
