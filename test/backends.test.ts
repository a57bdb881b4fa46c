/**
 * The session seam: backends asked in order claim a graph or decline it with a reason, the runtime
 * takes the rest, and the engine reports which one runs (ModelInfo.runner).
 */
import { describe, expect, it } from 'vitest';
import { openSession, RUNTIME_NAME, type SessionBackend } from '../src/engine/backends';
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
});
