/**
 * The Winograd fast path (src/core/fast) computes what the direct convolutions compute: the
 * rewritten model's logits against the unmodified model's in onnxruntime-node, and top-5 against
 * PyTorch's references, on the real fixture photos.
 *
 * Tolerance: logits within LOGIT_TOL of the largest |logit| of the direct model. Measured with
 * this file (onnxruntime-node 1.30, 2026-11-28), largest over every fixture photo: tiny model F4
 * 3.9e-6, F2 2.0e-6 (its one rewritten layer, 32 channels at 14x14; the tiny model's logits are
 * small next to its features, so the relative figure is its worst case); seeded 4-stage model
 * 9e-7 (fp32 and fp16 weights, six layers); the hand-made 15x15 graph 3.2e-6 on a raw conv output.
 * The bound is 2x the largest measured and stays under 1e-5. Probabilities against PyTorch's:
 * within 1e-5 (measured 3.0e-6, the same as the direct path's).
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertStateDict } from '../src/core/convert';
import { seededStateDict } from '../src/core/convert/seeded';
import {
  applyFastPath,
  computePlans,
  describeFastPath,
  rewriteWinograd,
  type WinogradReport,
} from '../src/core/fast';
import { MATRICES, transformWeights, type Tile } from '../src/core/fast/winograd-math';
import { transformWeightsDense } from './helpers/winograd-dense';
import { softmax, topK } from '../src/core/inference/postprocess';
import { attrValue, decodeModel, encodeModel, type EditNode } from '../src/core/onnx/edit';
import { layoutOnnxModel, writeElements, type NodeSpec } from '../src/core/onnx';
import { PRESETS, preprocess, type PresetId } from '../src/core/preprocess/preprocess';
import { fixturePixels, references, TINY_MODEL } from './helpers/fixtures';

const LOGIT_TOL = 8e-6;

const names = Object.keys(references.images).filter((n) => !n.includes('#'));
const preset = PRESETS[references.model.preset as PresetId];
const inputs = new Map<string, Float32Array>();
async function imageTensor(name: string): Promise<Float32Array> {
  let t = inputs.get(name);
  if (!t) {
    t = preprocess(await fixturePixels(name), preset).tensor;
    inputs.set(name, t);
  }
  return t;
}

async function session(bytes: Uint8Array, external: { path: string; bytes: ArrayBuffer }[] = []) {
  const s = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    ...(external.length
      ? { externalData: external.map((e) => ({ path: e.path, data: new Uint8Array(e.bytes) })) }
      : {}),
  });
  return {
    async run(input: Float32Array, dims: number[]): Promise<Float32Array> {
      const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', input, dims) });
      return out[s.outputNames[0]!]!.data as Float32Array;
    },
    release: () => s.release(),
  };
}

/** max |a - b| / max |a| */
function relError(direct: Float32Array, fast: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < direct.length; i++) {
    d = Math.max(d, Math.abs(direct[i]! - fast[i]!));
    m = Math.max(m, Math.abs(direct[i]!));
  }
  return d / m;
}

const convs = (bytes: Uint8Array): EditNode[] =>
  decodeModel(bytes).graph!.node.filter((n) => n.opType === 'Conv');
const isEligible = (n: EditNode) =>
  [attrValue(n, 'strides') ?? [1, 1], attrValue(n, 'dilations') ?? [1, 1]].every(
    (v) => JSON.stringify(v) === '[1,1]',
  ) &&
  (attrValue(n, 'group') ?? 1) === 1 &&
  JSON.stringify(attrValue(n, 'kernel_shape')) === '[3,3]';
const opCount = (bytes: Uint8Array, op: string) =>
  decodeModel(bytes).graph!.node.filter((n) => n.opType === op).length;

/** The rewritten graph holds the Winograd ops and no eligible 3x3 convolution. */
function expectRewritten(bytes: Uint8Array, report: WinogradReport) {
  expect(convs(bytes).filter(isEligible)).toHaveLength(0);
  // per layer: input transform, product, output transform
  expect(opCount(bytes, 'MatMul')).toBe(3 * report.rewritten);
  expect(opCount(bytes, 'Gather')).toBeGreaterThanOrEqual(report.rewritten);
  const u = decodeModel(bytes).graph!.initializer.filter((t) => /\/U$/.test(t.name));
  expect(u).toHaveLength(report.rewritten);
}

describe('Winograd matrices', () => {
  for (const tile of ['F2', 'F4'] as Tile[]) {
    it(`${tile}: Aᵀ[(G g) ⊙ (Bᵀ d)] is the 1-D correlation of d with g (float64)`, () => {
      const { m, alpha, bt, g, at } = MATRICES[tile];
      let seed = 7;
      const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
      for (let trial = 0; trial < 20; trial++) {
        const d = Array.from({ length: alpha }, rand);
        const w = [rand(), rand(), rand()];
        const u = g.map((row) => row[0]! * w[0]! + row[1]! * w[1]! + row[2]! * w[2]!);
        const v = bt.map((row) => row.reduce((s, b, j) => s + b * d[j]!, 0));
        const y = at.map((row) => row.reduce((s, a, j) => s + a * u[j]! * v[j]!, 0));
        const direct = Array.from(
          { length: m },
          (_, i) => w[0]! * d[i]! + w[1]! * d[i + 1]! + w[2]! * d[i + 2]!,
        );
        y.forEach((yi, i) => expect(Math.abs(yi - direct[i]!)).toBeLessThan(1e-13));
      }
    });
  }
});

describe('transformWeights (U = G g Gᵀ, factored)', () => {
  for (const tile of ['F2', 'F4'] as Tile[]) {
    it(`${tile}: within one float32 ulp of the dense product, every layout position`, () => {
      // 7 output and 5 input channels (not a multiple of anything), weights over six decades
      const k = 7;
      const c = 5;
      let seed = 11;
      const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
      const weights = Float32Array.from(
        { length: k * c * 9 },
        () => (rand() * 2 - 1) * 10 ** (rand() * 6 - 3),
      );
      const a2 = MATRICES[tile].alpha ** 2;
      const fast = new Float32Array(a2 * c * k);
      const dense = new Float32Array(a2 * c * k);
      transformWeights(weights, k, c, tile, fast);
      transformWeightsDense(weights, k, c, tile, dense);
      const f = new Int32Array(fast.buffer);
      const d = new Int32Array(dense.buffer);
      let worst = 0;
      for (let i = 0; i < f.length; i++) worst = Math.max(worst, Math.abs(f[i]! - d[i]!));
      expect(worst).toBeLessThanOrEqual(1);
      // and the dense product is the definition: U[ξ=(0,0)] = g[0][0] * G[0][0]², by hand
      const g00 = MATRICES[tile].g[0]![0]!;
      expect(dense[0]).toBe(Math.fround(weights[0]! * g00 * g00));
      expect(() => transformWeights(weights, k, c, tile, new Float32Array(3))).toThrow(RangeError);
    });
  }
});

describe('the tiny model on every fixture photo', () => {
  const tiny = new Uint8Array(readFileSync(TINY_MODEL));

  for (const tile of ['F4', 'F2'] as Tile[]) {
    it(`${tile}: logits match the direct model, top-5 match PyTorch`, async () => {
      const { bytes, report } = rewriteWinograd(tiny, { choose: () => tile });
      expect(report.rewritten).toBe(1);
      expect(report.total3x3).toBe(6);
      expect(report.layers.filter((l) => l.f === 'direct').map((l) => l.reason)).toEqual(
        Array(5).fill('stride is not 1'),
      );
      expectRewritten(bytes, report);
      const direct = await session(tiny);
      const fast = await session(bytes);
      let worst = 0;
      for (const name of names) {
        const x = await imageTensor(name);
        const a = await direct.run(x, [1, 3, 224, 224]);
        const b = await fast.run(x, [1, 3, 224, 224]);
        worst = Math.max(worst, relError(a, b));
        const ref = references.images[name]!;
        const top = topK(softmax(b), 5);
        expect(
          top.map((t) => t.index),
          name,
        ).toEqual(ref.top5.map((t) => t.index));
        top.forEach((t, i) =>
          expect(Math.abs(t.probability - ref.top5[i]!.probability)).toBeLessThan(1e-5),
        );
      }
      expect(worst).toBeLessThan(LOGIT_TOL);
      await direct.release();
      await fast.release();
    });
  }
});

describe('a seeded RepOpt-VGG with 56x56, 28x28, 14x14 and 7x7 stages', () => {
  // blocks [2, 3, 3, 2]: one or two stride-1 layers at every map size
  const sd = seededStateDict([2, 3, 3, 2], [0.5, 0.5, 0.5, 0.5], 1000, 3);

  for (const fp16 of [false, true]) {
    it(`${fp16 ? 'fp16 weights (Cast)' : 'fp32'}: every stride-1 layer rewritten, logits match, batch of 3`, async () => {
      const { onnx } = convertStateDict(sd, { fp16 });
      const { bytes, report } = rewriteWinograd(onnx);
      expect(report.total3x3).toBe(11);
      expect(report.rewritten).toBe(6);
      expectRewritten(bytes, report);
      // the replaced weights (and, for fp16, their Casts) are gone
      const graph = decodeModel(bytes).graph!;
      expect(graph.initializer.some((t) => t.name.startsWith('stage1.1.weight'))).toBe(false);
      expect(graph.node.some((n) => n.name === 'stage1.1.weight.cast')).toBe(false);
      expect(graph.input.map((v) => v.name)).toEqual(['input']);
      expect(graph.output.map((v) => v.name)).toEqual(['logits']);

      const direct = await session(onnx);
      const fast = await session(bytes);
      const batch = new Float32Array(3 * 3 * 224 * 224);
      const picks = ['chelsea.png', 'coffee.png', 'china.jpg'];
      for (let i = 0; i < picks.length; i++)
        batch.set(await imageTensor(picks[i]!), i * 3 * 224 * 224);
      const a = await direct.run(batch, [3, 3, 224, 224]);
      const b = await fast.run(batch, [3, 3, 224, 224]);
      for (let i = 0; i < 3; i++) {
        const ai = a.subarray(i * 1000, (i + 1) * 1000);
        const bi = b.subarray(i * 1000, (i + 1) * 1000);
        expect(relError(ai, bi)).toBeLessThan(LOGIT_TOL);
        expect(topK(bi, 5).map((t) => t.index)).toEqual(topK(ai, 5).map((t) => t.index));
      }
      // a single image through the batch-free path gives the same as its row in the batch
      const one = await fast.run(await imageTensor('coffee.png'), [1, 3, 224, 224]);
      expect(relError(b.subarray(1000, 2000), one)).toBeLessThan(LOGIT_TOL);
      await direct.release();
      await fast.release();
    });
  }

  it('keeps the transformed weights within the budget: smallest maps step down first', () => {
    const { onnx } = convertStateDict(sd);
    const all = rewriteWinograd(onnx, { choose: () => 'F4' }).report;
    const u = (c: number, f: Tile) => MATRICES[f].alpha ** 2 * c * c * 4;
    // stage widths 32, 64, 128, 256 (layers at 56, 28, 14 (x2), 7 and 28)
    expect(all.transformedWeightBytes).toBe(
      u(32, 'F4') + 2 * u(64, 'F4') + 2 * u(128, 'F4') + u(256, 'F4'),
    );
    const budget = all.transformedWeightBytes - u(256, 'F4') + u(256, 'F2');
    const stepped = rewriteWinograd(onnx, { choose: () => 'F4', budgetBytes: budget }).report;
    expect(stepped.transformedWeightBytes).toBeLessThanOrEqual(budget);
    expect(stepped.layers.filter((l) => l.f === 'F2').map((l) => l.name)).toEqual([
      'stage4.1.conv',
    ]);
    const none = rewriteWinograd(onnx, { budgetBytes: 0 });
    expect(none.report.rewritten).toBe(0);
    expect(none.bytes).toBe(onnx);
  });
});

/** A hand-made graph: ineligible convolutions between two eligible ones, ragged 15x15 map. */
function mixedModel(): Uint8Array {
  const c = 8;
  const conv = (
    name: string,
    input: string,
    attrs: NonNullable<NodeSpec['attributes']>,
    bias: boolean,
  ): NodeSpec => ({
    opType: 'Conv',
    name,
    inputs: bias ? [input, `${name}.w`, `${name}.b`] : [input, `${name}.w`],
    outputs: [name],
    attributes: attrs,
  });
  const nodes: NodeSpec[] = [
    conv('a', 'input', { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } }, false),
    conv('pointwise', 'a', { kernel_shape: { ints: [1, 1] } }, true),
    conv(
      'grouped',
      'pointwise',
      { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] }, group: { int: 2 } },
      true,
    ),
    conv(
      'strided',
      'grouped',
      { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] }, strides: { ints: [2, 2] } },
      true,
    ),
    conv(
      'dilated',
      'strided',
      { kernel_shape: { ints: [3, 3] }, pads: { ints: [2, 2, 2, 2] }, dilations: { ints: [2, 2] } },
      true,
    ),
    conv('b', 'dilated', { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } }, true),
    { opType: 'Relu', name: 'relu', inputs: ['b'], outputs: ['out'] },
  ];
  const shapes: Record<string, number[]> = {
    a: [c, c, 3, 3],
    pointwise: [c, c, 1, 1],
    grouped: [c, c / 2, 3, 3],
    strided: [c, c, 3, 3],
    dilated: [c, c, 3, 3],
    b: [c, c, 3, 3],
  };
  const initializers = Object.entries(shapes).flatMap(([n, dims]) => [
    { name: `${n}.w`, elemType: 'float32' as const, dims },
    ...(n === 'a' ? [] : [{ name: `${n}.b`, elemType: 'float32' as const, dims: [c] }]),
  ]);
  const { bytes, slots } = layoutOnnxModel({
    irVersion: 7,
    opsetVersion: 13,
    producerName: 'test',
    producerVersion: '0',
    docString: '',
    graphName: 'mixed',
    inputs: [{ name: 'input', elemType: 'float32', shape: ['N', c, 15, 15] }],
    outputs: [
      { name: 'out', elemType: 'float32', shape: ['N', c, 8, 8] },
      { name: 'a', elemType: 'float32', shape: ['N', c, 15, 15] },
    ],
    nodes,
    initializers,
    metadata: {},
  });
  let s = 11;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 0.5;
  for (const slot of slots.values())
    writeElements(slot, 'float32', 0, Float32Array.from({ length: slot.length / 4 }, rand));
  return bytes;
}

describe('a graph with ineligible convolutions', () => {
  it('rewrites only the 3x3 stride-1 group-1 undilated ones and keeps both outputs', async () => {
    const model = mixedModel();
    const { bytes, report } = rewriteWinograd(model, { choose: () => 'F4' });
    expect(report.layers).toEqual([
      { name: 'a', f: 'F4', reason: '15x15, 8->8' },
      { name: 'grouped', f: 'direct', reason: 'grouped' },
      { name: 'strided', f: 'direct', reason: 'stride is not 1' },
      { name: 'dilated', f: 'direct', reason: 'dilated' },
      { name: 'b', f: 'F4', reason: '8x8, 8->8' },
    ]);
    expectRewritten(bytes, report);
    // the ineligible ones are untouched, weights included
    const kept = convs(bytes).map((n) => n.name);
    expect(kept).toEqual(['pointwise', 'grouped', 'strided', 'dilated']);
    const before = decodeModel(model).graph!;
    const after = decodeModel(bytes).graph!;
    for (const n of kept) {
      const w = (g: typeof before) => g.initializer.find((t) => t.name === `${n}.w`)!.rawData;
      expect(w(after)).toEqual(w(before));
    }

    const x = new Float32Array(2 * 8 * 15 * 15).map((_, i) => Math.sin(i * 0.7));
    const run = async (b: Uint8Array) => {
      const s = await ort.InferenceSession.create(b, { intraOpNumThreads: 1 });
      const r = await s.run({ input: new ort.Tensor('float32', x, [2, 8, 15, 15]) });
      await s.release();
      return { out: r['out']!.data as Float32Array, a: r['a']!.data as Float32Array };
    };
    const d = await run(model);
    const f = await run(bytes);
    expect(relError(d.a, f.a)).toBeLessThan(LOGIT_TOL);
    expect(relError(d.out, f.out)).toBeLessThan(LOGIT_TOL);
  });

  it('leaves a model with an operator set below 11 alone', () => {
    const m = decodeModel(mixedModel());
    m.opsetImport[0]!.version = 10;
    const old = encodeModel(m).bytes;
    const { bytes, report } = rewriteWinograd(old);
    expect(bytes).toBe(old);
    expect(report.rewritten).toBe(0);
    expect(report.skipped).toMatch(/operator set below 11/);
  });
});

describe('applyFastPath (what the engine calls at load time)', () => {
  const tiny = new Uint8Array(readFileSync(TINY_MODEL));

  it('rewrites for WASM and Node, says how', () => {
    for (const backend of ['wasm', 'node'] as const) {
      const { bytes, info } = applyFastPath(tiny, { enabled: true, backend });
      expect(bytes).not.toBe(tiny);
      expect(info).toMatchObject({ path: 'winograd', reason: null, rewritten: 1, total3x3: 6 });
      expect(info.tiles.F4 + info.tiles.F2).toBe(1);
      expect(describeFastPath(info)).toMatch(/^Winograd: 1 of 6 3x3 convolutions \(F[24] 1\)$/);
    }
  });

  it('keeps U outside the graph as external data, with the same logits as embedded U', async () => {
    const external = applyFastPath(tiny, { enabled: true, backend: 'node' });
    const embedded = applyFastPath(tiny, { enabled: true, backend: 'node', embed: true });
    expect(embedded.external).toEqual([]);
    expect(external.external).toHaveLength(1);
    const files = computePlans(external.external);
    const u = files[0]!;
    expect(u.path).toBe('lens-winograd-u.bin');
    // the graph without U is smaller by U's bytes, less a few dozen bytes of location per tensor
    expect(external.bytes.byteLength).toBeLessThan(
      embedded.bytes.byteLength - external.info.transformedWeightBytes + 256,
    );
    expect(u.bytes.byteLength).toBeGreaterThanOrEqual(external.info.transformedWeightBytes);
    const graph = decodeModel(external.bytes).graph!;
    const outside = graph.initializer.filter((t) => t.dataLocation === 1);
    expect(outside.map((t) => t.name)).toHaveLength(external.info.rewritten);
    expect(outside[0]!.externalData!.find((e) => e.key === 'offset')!.value).toBe('0');
    const a = await session(embedded.bytes);
    const b = await session(external.bytes, files);
    for (const name of names.slice(0, 3)) {
      const x = await imageTensor(name);
      expect(Array.from(await b.run(x, [1, 3, 224, 224]))).toEqual(
        Array.from(await a.run(x, [1, 3, 224, 224])),
      );
    }
    await a.release();
    await b.release();
  });

  it('names U after the model when the model already has a file of that name', () => {
    const { onnx } = convertStateDict(seededStateDict([2, 3, 3, 2], [0.5, 0.5, 0.5, 0.5], 10, 5));
    const model = decodeModel(onnx);
    // the classifier's bias moved out, to a file that happens to have our name
    const bias = model.graph!.initializer.find((t) => t.name === 'linear.bias')!;
    bias.dataLocation = 1;
    bias.externalData = [{ key: 'location', value: 'lens-winograd-u.bin' }];
    bias.rawData = new Uint8Array(0);
    const out = applyFastPath(encodeModel(model).bytes, { enabled: true, backend: 'node' });
    expect(out.info.rewritten).toBe(6);
    expect(out.external.map((p) => p.path)).toEqual(['1-lens-winograd-u.bin']);
    for (const j of out.external[0]!.jobs) expect(j.offset % 4096).toBe(0);
  });

  it('leaves the model as it is when switched off or on WebGPU', () => {
    const off = applyFastPath(tiny, { enabled: false, backend: 'wasm' });
    expect(off.bytes).toBe(tiny);
    expect(describeFastPath(off.info)).toBe('direct convolutions (fast path off)');
    const gpu = applyFastPath(tiny, { enabled: true, backend: 'webgpu' });
    expect(gpu.bytes).toBe(tiny);
    expect(gpu.info.path).toBe('direct');
  });
});

describe('encodeModel with reserved initializers', () => {
  it('starts every slot at a multiple of 4 and round-trips the values through the decoder', () => {
    const tiny = decodeModel(new Uint8Array(readFileSync(TINY_MODEL)));
    // names of every length mod 4, dims of odd sizes: each slot lands on a new remainder
    const reserved = [1, 2, 3, 4, 5, 6, 7].map((n) => ({
      name: `u${'x'.repeat(n)}`,
      dims: [n, 3],
    }));
    const { bytes, slots } = encodeModel(tiny, reserved);
    for (const r of reserved) {
      const slot = slots.get(r.name)!;
      expect(slot.byteOffset % 4, r.name).toBe(0);
      const values = new Float32Array(slot.buffer, slot.byteOffset, slot.length / 4);
      values.forEach((_, i) => (values[i] = r.dims[0]! * 100 + i));
    }
    const back = decodeModel(bytes).graph!.initializer;
    for (const r of reserved) {
      const t = back.find((x) => x.name === r.name)!;
      const raw = t.rawData!;
      const got = new Float32Array(raw.slice().buffer);
      expect([...got]).toEqual(
        Array.from({ length: r.dims[0]! * 3 }, (_, i) => r.dims[0]! * 100 + i),
      );
    }
  });
});
