/**
 * The GhostNet converter against PyTorch: each form the official code saves (target, rep,
 * repghost, hs, csla, deploy), small odd widths, 3x3 and 5x5 depthwise kernels, SE, any class
 * count (tools/make_ghostnet_fixtures.py with the project's tools/repopt_ghostnet.py), fused in
 * TypeScript and run by onnxruntime-node; wrapped .pth files through the checkpoint reader; and
 * the refusals: scales files, a 'rep' file without its fusion BatchNorms, one tensor too many.
 */
import { runOnnx } from './helpers/onnx-run';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../src/core/checkpoint/torch';
import {
  convertStateDict,
  countMacs,
  countParams,
  detectArch,
  seededGhostNet,
  type TensorLike,
} from '../src/core/convert';
import { inspectModel } from '../src/core/model/details';
import { readOnnxModel } from '../src/core/onnx';
import { loadInputs } from './convert-fixtures';
import { ROOT } from './helpers/fixtures';

const DATA = resolve(ROOT, 'test/data/ghostnet');
const FORMS = ['target', 'rep', 'repghost', 'hs', 'csla', 'deploy'] as const;
const DP_TOL = 1e-5;
const LOGIT_TOL = 1e-4;

interface Expected {
  mode: string;
  width: number;
  numClasses: number;
  params: number;
  macs: number;
  inputSize: number;
  logits: number[];
}

interface Index {
  tensors: Record<string, { shape: number[]; offset?: number; dtype: string }>;
  expected: Expected;
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function load(name: string): { sd: Map<string, TensorLike>; expected: Expected } {
  const index = JSON.parse(readFileSync(resolve(DATA, `${name}.json`), 'utf8')) as Index;
  const bin = readFileSync(resolve(DATA, `${name}.bin`));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const sd = new Map<string, TensorLike>();
  for (const [key, e] of Object.entries(index.tensors)) {
    const v = all.subarray(e.offset, e.offset! + numel(e.shape));
    sd.set(key, {
      shape: e.shape,
      data: e.dtype === 'int64' ? BigInt64Array.from(v, (x) => BigInt(x)) : v.slice(),
    });
  }
  return { sd, expected: index.expected };
}

const inputs = loadInputs();
const measured: string[] = [];

async function logitsOf(onnx: Uint8Array, size = 64): Promise<Float32Array> {
  const out = await runOnnx(
    onnx,
    { input: { data: inputs, dims: [2, 3, size, size] } },
    { threads: 1 },
  );
  return out['logits']!.data;
}

function softmaxRows(x: ArrayLike<number>, classes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / classes; r++) {
    const row = Array.from({ length: classes }, (_, k) => x[r * classes + k]!);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

async function expectMatches(
  onnx: Uint8Array,
  logits: readonly number[],
  classes: number,
  label: string,
) {
  const got = await logitsOf(onnx);
  const dLogit = maxDiff(got, logits);
  const dp = maxDiff(softmaxRows(got, classes), softmaxRows(logits, classes));
  measured.push(
    `${label}: max |dlogit| ${dLogit.toExponential(2)}, max |dp| ${dp.toExponential(2)}`,
  );
  expect(dLogit).toBeLessThan(LOGIT_TOL);
  expect(dp).toBeLessThan(DP_TOL);
}

describe.each(FORMS)('GhostNet, %s form', (name) => {
  const { sd, expected } = load(name);

  it('detects the form, classes, parameters and MACs', () => {
    const arch = detectArch(sd);
    expect(arch.family).toBe('ghostnet');
    expect(arch.mode).toBe(expected.mode);
    expect(arch.numClasses).toBe(expected.numClasses);
    expect(arch.se).toBe(true);
    expect(arch.ghost!.bottlenecks.map((b) => b.kernel)).toEqual([null, 3, 5, null, null, 3]);
    expect(arch.ghost!.bottlenecks.map((b) => b.stride)).toEqual([1, 2, 2, 1, 1, 1]);
    expect(countParams(sd)).toBe(expected.params);
    expect(countMacs(sd, expected.inputSize)).toBe(expected.macs);
  });

  it('converts; onnxruntime matches PyTorch within 1e-5 in |dp|', async () => {
    const result = convertStateDict(sd, { inputSize: expected.inputSize });
    expect(result.outputs).toEqual(['logits']);
    expect(Math.round(result.gmacs * 1e9)).toBe(expected.macs);
    const info = readOnnxModel(result.onnx);
    // every BatchNorm folded: only the plain graph's operators
    expect(Object.keys(info.opCounts).sort()).toEqual(
      ['Add', 'Clip', 'Conv', 'Div', 'Flatten', 'Gemm', 'GlobalAveragePool', 'Mul', 'Relu'].sort(),
    );
    expect(info.metadata['family']).toBe('ghostnet');
    expect(info.metadata['preset']).toBe('bicubic-256-224');
    await expectMatches(result.onnx, expected.logits, expected.numClasses, name);
  });
});

describe('GhostNet float16 weights', () => {
  it('stay close to PyTorch with the same top-1', async () => {
    const { sd, expected } = load('rep');
    const onnx = convertStateDict(sd, { inputSize: 64, fp16: true }).onnx;
    const got = await logitsOf(onnx);
    const d = maxDiff(got, expected.logits);
    measured.push(`rep fp16: max |dlogit| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-2);
  });
});

describe('GhostNet-0.5x layout (keys and shapes of the zoo file)', () => {
  it('is RepGhostNet-0.5x with 2,313,968 parameters and 43,314,720 MACs', () => {
    const index = JSON.parse(
      readFileSync(resolve(DATA, 'shapes-0.5x-rep.json'), 'utf8'),
    ) as Index & { expected: { params: number; macs: number } };
    const sd = new Map<string, TensorLike>(
      Object.entries(index.tensors).map(([k, e]) => [k, { shape: e.shape }]),
    );
    const arch = detectArch(sd);
    expect(arch.description).toBe(
      "RepGhostNet-0.5x (RepOptimizers' RepGhostNet 'rep' form, 1000 classes)",
    );
    expect(arch.blocks).toEqual([1, 1, 1, 1, 1, 1, 5, 1, 4]);
    expect(arch.ghost!.width).toBe(0.5);
    expect(countParams(sd)).toBe(index.expected.params);
    expect(index.expected.params).toBe(2_313_968);
    expect(countMacs(sd)).toBe(index.expected.macs);
    expect(index.expected.macs).toBe(43_314_720);
  });
});

describe('GhostNet .pth files through the checkpoint reader', () => {
  const reference = JSON.parse(readFileSync(resolve(DATA, 'reference.json'), 'utf8')) as {
    logits: Record<string, number[]>;
  };
  const read = async (file: string) =>
    readCheckpoint(new Uint8Array(readFileSync(resolve(DATA, file))));

  it.each([
    ['rep.pth', 'model', null, 10],
    ['repghost.pth', 'state_dict_key', 'module.', 5],
    ['deploy.pth', 'state_dict', null, 11],
  ] as const)(
    '%s (%s, prefix %s) converts and matches PyTorch',
    async (file, layout, stripped, classes) => {
      const c = await read(file);
      expect(c.layout).toBe(layout);
      expect(c.stripped).toBe(stripped);
      const result = convertStateDict(c.stateDict, { inputSize: 64 });
      await expectMatches(result.onnx, reference.logits[file]!, classes, file);
    },
  );

  it('refuses a RepOpt-VGG scales file and names it', async () => {
    const c = await read('vgg-scales.pth');
    expect(() => detectArch(c.stateDict)).toThrow(
      /^This is a RepOptimizer scales file for RepOpt-VGG \(13 per-channel scale vectors: stage0\.scale_1x1\.weight, .*\), not a trained model/,
    );
  });

  it('refuses a RepOpt-GhostNet scales file and names it', async () => {
    const c = await read('ghost-scales.pth');
    expect(() => convertStateDict(c.stateDict)).toThrow(
      /^This is a RepOptimizer scales file for RepOpt-GhostNet \(24 per-channel scale vectors: blocks\.0\.0\.ghost1\.cheap_operation\.1\.weight, .*\), not a trained model/,
    );
  });

  it("refuses a 'rep' file without its fusion BatchNorms, naming them", async () => {
    const c = await read('rep-no-fusion.pth');
    let message = '';
    try {
      convertStateDict(c.stateDict);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(
      '12 fusion BatchNorms missing: blocks.0.0.ghost1.fusion_bn.*, blocks.0.0.ghost2.fusion_bn.*, blocks.1.0.ghost1.fusion_bn.*, … (12 in all)',
    );
    expect(message).toContain('not converted');
    expect(message).toContain('norep / repid');
    expect(message).not.toContain('not used');
  });

  it('refuses a RepGhost file with one tensor too many, naming it', async () => {
    const c = await read('repghost-extra.pth');
    expect(() => convertStateDict(c.stateDict)).toThrow(
      /: 1 tensor not used: blocks\.1\.0\.ghost1\.fusion_bn\.1\.weight\. It was not converted/,
    );
  });
});

describe('GhostNet refusals from a state_dict', () => {
  it('a missing SE tensor and a wrong shape are named, never filled in', () => {
    const { sd } = load('target');
    const bad = new Map(sd);
    bad.delete('blocks.2.0.se.conv_expand.bias');
    const w = bad.get('conv_head.bias')!;
    bad.set('conv_head.bias', {
      shape: [w.shape[0]! + 1],
      data: new Float32Array(w.shape[0]! + 1),
    });
    expect(() => convertStateDict(bad)).toThrow(
      /1 tensor missing: blocks\.2\.0\.se\.conv_expand\.bias; conv_head\.bias is \[49\], expected \[48\]/,
    );
  });

  it('a shortcut where in == out and stride 1 is refused as unused', () => {
    const { sd } = load('target');
    const bad = new Map(sd);
    bad.set('blocks.0.0.shortcut.0.weight', { shape: [8, 1, 3, 3], data: new Float32Array(72) });
    expect(() => detectArch(bad)).toThrow(
      /1 shortcut layer not used: blocks\.0\.0\.shortcut\.0\.weight/,
    );
  });
});

afterAll(() => {
  if (measured.length > 0) console.log(`GhostNet vs PyTorch:\n  ${measured.join('\n  ')}`);
});

describe('seeded GhostNet-0.5x (the bundled demo model)', () => {
  const sd = seededGhostNet(0.5, 1000, 1);

  it("has exactly the keys and shapes of PyTorch's 0.5x 'rep' state_dict", () => {
    const index = JSON.parse(readFileSync(resolve(DATA, 'shapes-0.5x-rep.json'), 'utf8')) as Index;
    expect(Object.fromEntries([...sd].map(([k, t]) => [k, t.shape]))).toEqual(
      Object.fromEntries(Object.entries(index.tensors).map(([k, e]) => [k, e.shape])),
    );
  });

  it('converts; the model panel shows its layout and the published RepGhostNet-0.5x figures', () => {
    const { onnx, params, gmacs } = convertStateDict(sd);
    expect(params).toBe(2_313_968);
    expect(Math.round(gmacs * 1e9)).toBe(43_314_720);
    const { details, classifier } = inspectModel(onnx);
    expect(details.repopt).toBeNull();
    expect(details.gmacs! * 1e9).toBeCloseTo(43_314_720, 0);
    expect(details.ghostnet).toEqual({
      architecture: 'RepGhostNet-0.5x',
      mode: 'rep',
      width: 0.5,
      stages: [1, 1, 1, 1, 1, 1, 5, 1, 4],
      bottlenecks: 16,
      seBlocks: 7,
      kernels: [3, 5],
      head: 1280,
      numClasses: 1000,
      checkpointParams: 2_313_968,
    });
    expect(details.published).toMatchObject({
      name: 'RepGhostNet-0.5x (RepOptimizers)',
      checkpoint: 'RepGhostNet-0.5x-acc66.51.pth',
      top1: 66.51,
    });
    expect(classifier).not.toBeNull();
  });

  it('a 0.5x in the target form is RepOpt-GhostNet-0.5x, 66.50 %', () => {
    const target = new Map<string, TensorLike>();
    for (const [k, t] of sd) {
      if (/\.fusion_bn\./.test(k)) continue;
      target.set(k.replace(/\.cheap_operation\.1\./, '.final_bn.'), t);
    }
    const { onnx, arch } = convertStateDict(target);
    expect(arch.description).toBe(
      "RepOpt-GhostNet-0.5x (RepOpt-GhostNet 'target' form, 1000 classes)",
    );
    const { details } = inspectModel(onnx);
    expect(details.published).toMatchObject({
      name: 'RepOpt-GhostNet-0.5x (RepOptimizers)',
      top1: 66.5,
    });
  });
});
