/** Loads the converter fixtures written by tools/make_convert_fixtures.py (raw float32 + index). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DetectedArch, TensorLike } from '../src/core/convert';
import { ROOT } from './helpers/fixtures';

export const CONVERT_DATA = resolve(ROOT, 'test/data/convert');

interface IndexEntry {
  shape: number[];
  /** In floats; absent in keys-and-shapes-only files. */
  offset: number;
  dtype: 'float32' | 'int64';
}

export interface FixtureExpected {
  arch: Omit<DetectedArch, 'description' | 'channels'>;
  params: number;
  macs: number;
  inputSize: number;
  logits: number[];
  featuresShape: number[];
  features: number[];
}

export const FIXTURES = [
  'target',
  'target-se',
  'repvgg',
  'repvgg-se',
  'hs',
  'hs-se',
  'csla',
  'csla-se',
];

const readIndex = (name: string) =>
  JSON.parse(readFileSync(resolve(CONVERT_DATA, `${name}.json`), 'utf8')) as {
    tensors: Record<string, IndexEntry>;
    expected?: FixtureExpected;
  };

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A fixture's state_dict as the checkpoint reader would give it (int64 counters included). */
export function loadFixture(name: string): {
  sd: Map<string, TensorLike>;
  expected: FixtureExpected;
} {
  const index = readIndex(name);
  const bin = readFileSync(resolve(CONVERT_DATA, `${name}.bin`));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const sd = new Map<string, TensorLike>();
  for (const [key, e] of Object.entries(index.tensors)) {
    const values = all.subarray(e.offset, e.offset + numel(e.shape));
    const data =
      e.dtype === 'int64' ? BigInt64Array.from(values, (v) => BigInt(v)) : values.slice();
    sd.set(key, { shape: e.shape, data });
  }
  return { sd, expected: index.expected! };
}

/** Keys and shapes only (e.g. resnet18.json): zero-filled float32 tensors. */
export function loadShapesOnly(name: string): Map<string, TensorLike> {
  const index = readIndex(name);
  return new Map(
    Object.entries(index.tensors).map(([k, e]) => [
      k,
      {
        shape: e.shape,
        data: e.dtype === 'int64' ? new BigInt64Array(1) : new Float32Array(numel(e.shape)),
      },
    ]),
  );
}

/** The two shared inputs, float32 [2, 3, 64, 64]. */
export function loadInputs(): Float32Array {
  const bin = readFileSync(resolve(CONVERT_DATA, 'inputs.bin'));
  return new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
}
