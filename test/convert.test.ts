/**
 * The converter against PyTorch: every block mode, with and without SE, fused in TypeScript and
 * run by onnxruntime-node, must give the logits and features of the official *unfused* forward
 * (tools/make_convert_fixtures.py), in float32 and in float16.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  convertStateDict,
  countMacs,
  countParams,
  detectArch,
  type TensorLike,
} from '../src/core/convert';
import { readOnnxModel } from '../src/core/onnx';
import { topK } from '../src/core/inference/postprocess';
import { CONVERT_DATA, FIXTURES, loadFixture, loadInputs } from './convert-fixtures';

const FP32_TOL = 1e-4;
// Float16 weights (the classifier's kept in float32): the largest |logit - PyTorch| measured over
// all fixtures was 1.25e-2 (repvgg-se), with logits of std 2-4; the test allows twice that.
const FP16_TOL = 2.5e-2;

const inputs = loadInputs();
const measured: string[] = [];

async function run(onnx: Uint8Array, size: number, outputs: string[]) {
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1 });
  try {
    const feeds = { input: new ort.Tensor('float32', inputs, [2, 3, size, size]) };
    const result = await session.run(feeds, outputs);
    return Object.fromEntries(outputs.map((o) => [o, result[o]!])) as Record<string, ort.Tensor>;
  } finally {
    await session.release();
  }
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

const top5 = (logits: ArrayLike<number>, classes: number, row: number) =>
  topK(Array.from(logits).slice(row * classes, (row + 1) * classes), 5).map((r) => r.index);

const sha256 = (name: string) =>
  createHash('sha256')
    .update(readFileSync(resolve(CONVERT_DATA, `${name}.bin`)))
    .digest('hex');

/** Parameters of the fused graph, from the channel plan: one kernel + bias per block, SE, linear. */
function fusedParams(sd: Map<string, TensorLike>) {
  const arch = detectArch(sd);
  const c = arch.channels;
  const stageOf = [0, ...arch.blocks.flatMap((n, s) => Array<number>(n).fill(s + 1))];
  let n = 0;
  let cin = 3;
  for (const s of stageOf) {
    const o = c[s]!;
    n += o * cin * 9 + o + (arch.se ? 2 * o * Math.floor(o / 4) + Math.floor(o / 4) + o : 0);
    cin = o;
  }
  return n + cin * arch.numClasses + arch.numClasses;
}

describe.each(FIXTURES)('convert %s', (name) => {
  const { sd, expected } = loadFixture(name);
  const size = expected.inputSize;
  const classes = expected.arch.numClasses;

  it('detects the architecture, parameters and MACs', () => {
    const arch = detectArch(sd);
    expect(arch).toMatchObject(expected.arch);
    expect(arch.description).toContain(`${expected.arch.mode} mode`);
    expect(countParams(sd)).toBe(expected.params);
    expect(countMacs(sd, size)).toBe(expected.macs);
  });

  it('float32: logits and features match PyTorch; features pool to the logits', async () => {
    const progress: string[] = [];
    const result = convertStateDict(sd, {
      features: true,
      inputSize: size,
      sourceSha256: sha256(name),
      onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.block}`),
    });
    expect(result.params).toBe(expected.params);
    expect(result.gmacs * 1e9).toBeCloseTo(expected.macs, 0);
    const blocks = 1 + expected.arch.blocks.reduce((a, b) => a + b, 0);
    expect(progress).toHaveLength(blocks + 1);
    expect(progress[0]).toBe(`1/${blocks + 1} stage0`);
    expect(progress.at(-1)).toBe(`${blocks + 1}/${blocks + 1} linear`);

    const out = await run(result.onnx, size, ['logits', 'features']);
    const logits = out['logits']!.data as Float32Array;
    const features = out['features']!;
    expect(out['logits']!.dims).toEqual([2, classes]);
    expect(features.dims).toEqual(expected.featuresShape);
    const dLogits = maxAbsDiff(logits, expected.logits);
    const dFeatures = maxAbsDiff(features.data as Float32Array, expected.features);
    measured.push(
      `${name}: fp32 logits ${dLogits.toExponential(2)}, features ${dFeatures.toExponential(2)}, ${result.onnx.length} bytes`,
    );
    expect(dLogits).toBeLessThan(FP32_TOL);
    expect(dFeatures).toBeLessThan(FP32_TOL);
    for (const row of [0, 1])
      expect(top5(logits, classes, row)).toEqual(top5(expected.logits, classes, row));

    // GAP(features) . linear.weight^T + linear.bias, in float64, is the logits output
    const [, c, h, w] = features.dims as number[];
    const f = features.data as Float32Array;
    const lw = sd.get('linear.weight')!.data as Float32Array;
    const lb = sd.get('linear.bias')!.data as Float32Array;
    let dHead = 0;
    for (let n = 0; n < 2; n++) {
      const pooled = Array.from({ length: c! }, (_, ch) => {
        let s = 0;
        for (let i = 0; i < h! * w!; i++) s += f[(n * c! + ch) * h! * w! + i]!;
        return s / (h! * w!);
      });
      for (let k = 0; k < classes; k++) {
        const z = pooled.reduce((s, v, ch) => s + v * lw[k * c! + ch]!, lb[k]!);
        dHead = Math.max(dHead, Math.abs(z - logits[n * classes + k]!));
      }
    }
    expect(dHead).toBeLessThan(FP32_TOL);
  });

  it('float16 weights: close to PyTorch, same top-5, half the size', async () => {
    const fp32 = convertStateDict(sd, { inputSize: size });
    const result = convertStateDict(sd, { inputSize: size, fp16: true });
    const logits = (await run(result.onnx, size, ['logits']))['logits']!.data as Float32Array;
    const d = maxAbsDiff(logits, expected.logits);
    measured.push(
      `${name}: fp16 logits ${d.toExponential(2)}, ${result.onnx.length} bytes (fp32 ${fp32.onnx.length})`,
    );
    expect(d).toBeLessThan(FP16_TOL);
    for (const row of [0, 1])
      expect(top5(logits, classes, row)).toEqual(top5(expected.logits, classes, row));
    const info = readOnnxModel(result.onnx);
    expect(info.metadata['weights']).toBe('float16');
    expect(info.opCounts['Cast']).toBeGreaterThan(0);
    expect(info.paramsByType['float16']).toBeGreaterThan(info.paramsByType['float32']! * 10);
    expect(result.onnx.length).toBeLessThan(fp32.onnx.length * 0.62);
  });

  it('round-trips its metadata and graph summary through readOnnxModel', () => {
    const result = convertStateDict(sd, {
      features: true,
      inputSize: size,
      sourceSha256: sha256(name),
      preset: 'squash-256-224',
    });
    const info = readOnnxModel(result.onnx);
    const a = expected.arch;
    expect(info.opset).toBe(13);
    expect(info.irVersion).toBe(7);
    expect(info.producer.name).toBe('repopt-lens');
    expect(info.inputs).toEqual([
      { name: 'input', elemType: 'float32', shape: ['N', 3, size, size] },
    ]);
    expect(info.outputs).toEqual([
      { name: 'logits', elemType: 'float32', shape: ['N', classes] },
      { name: 'features', elemType: 'float32', shape: ['N', ...expected.featuresShape.slice(1)] },
    ]);
    expect(info.metadata).toMatchObject({
      architecture: 'RepOpt-VGG',
      mode: a.mode,
      blocks: JSON.stringify(a.blocks),
      widths: JSON.stringify(a.widths),
      se: String(a.se),
      num_classes: String(classes),
      preset: 'squash-256-224',
      source_sha256: sha256(name),
      weights: 'float32',
    });
    expect(info.metadata['converter']).toMatch(/^repopt-lens convert \d+\.\d+\.\d+$/);
    expect(info.params).toBe(fusedParams(sd));
    const blocks = 1 + a.blocks.reduce((x, y) => x + y, 0);
    const se = a.se ? blocks : 0;
    expect(info.opCounts).toEqual({
      Conv: blocks + 2 * se,
      Relu: blocks + se,
      GlobalAveragePool: 1 + se,
      Flatten: 1,
      Gemm: 1,
      ...(a.se ? { Sigmoid: se, Mul: se } : {}),
    });
  });
});

describe('convert defaults', () => {
  it('declares [N, 3, 224, 224] -> logits only, with the default preset, and runs at 224', async () => {
    const { sd, expected } = loadFixture('hs');
    const result = convertStateDict(sd);
    const info = readOnnxModel(result.onnx);
    expect(info.inputs[0]!.shape).toEqual(['N', 3, 224, 224]);
    expect(info.outputs.map((o) => o.name)).toEqual(['logits']);
    expect(info.metadata['preset']).toBe('torchvision-256-224');
    expect(info.metadata['source_sha256']).toBeUndefined();
    const session = await ort.InferenceSession.create(result.onnx, { intraOpNumThreads: 1 });
    const x = new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i));
    const out = await session.run({ input: new ort.Tensor('float32', x, [1, 3, 224, 224]) });
    await session.release();
    const logits = out['logits']!.data as Float32Array;
    expect(logits).toHaveLength(expected.arch.numClasses);
    expect(logits.every(Number.isFinite)).toBe(true);
  });
});

describe('convert options', () => {
  it('is deterministic and checks the sha256 it records', () => {
    const { sd } = loadFixture('target');
    expect(convertStateDict(sd, { fp16: true }).onnx).toEqual(
      convertStateDict(sd, { fp16: true }).onnx,
    );
    expect(() => convertStateDict(sd, { sourceSha256: 'abc' })).toThrow(/not a sha256/);
    expect(() => convertStateDict(sd, { inputSize: 0 })).toThrow(/positive whole number/);
  });
});

afterAll(() => {
  if (measured.length > 0) console.log(`convert tolerances:\n  ${measured.join('\n  ')}`);
});
