/** The committed tiny ONNX model computes what PyTorch computed for it (tools/make_references.py). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeSession } from '../src/node/ort-node';
import { FIXTURES, TINY_MODEL } from './helpers/fixtures';

interface SeededReference {
  input_shape: [number, number, number, number];
  input: number[];
  logits: number[];
}

describe('models/repopt-tiny.onnx', () => {
  it('matches PyTorch logits on a seeded input (onnxruntime-node)', async () => {
    const ref = JSON.parse(
      readFileSync(resolve(FIXTURES, 'repopt-tiny-reference.json'), 'utf8'),
    ) as SeededReference;
    const session = await createNodeSession(new Uint8Array(readFileSync(TINY_MODEL)), 1);
    expect(session.inputs[0]).toMatchObject({ name: 'input', type: 'float32' });
    expect(session.outputs[0]).toMatchObject({ name: 'logits' });
    session.bind('input', 'logits');
    const logits = await session.run(Float32Array.from(ref.input), ref.input_shape);
    expect(logits).toHaveLength(ref.logits.length);
    const maxDiff = Math.max(...ref.logits.map((l, i) => Math.abs(l - logits[i]!)));
    expect(maxDiff).toBeLessThan(1e-4);
    await session.dispose();
  });
});
