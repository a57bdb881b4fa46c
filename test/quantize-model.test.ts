/**
 * int8 end to end on the tiny model and the fixture photos: the written model loads in
 * onnxruntime-node and fuses into QLinearConv, its logits stay close to float, and every figure in
 * the report equals a recomputation here from the two models' own outputs (plain softmax, plain
 * SQNR). A hostile layer (one channel stretched 100x, compensated in the next layer so the float
 * model computes the same function) shows up as the worst layer; `keepFloat: auto:1` recovers most
 * of the loss.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertStateDict } from '../src/core/convert';
import { seededStateDict } from '../src/core/convert/seeded';
import { readOnnxModel } from '../src/core/onnx';
import { decodeModel } from '../src/core/onnx/edit';
import { DataType, toNumber } from '../src/core/onnx/proto';
import { writeElements } from '../src/core/onnx/raw';
import { layoutOnnxModel } from '../src/core/onnx/writer';
import {
  planQuantization,
  type CalibrationImage,
  type CalibrationMethod,
  type QuantizeResult,
} from '../src/core/quantize';
import { lensError } from './helpers/errors';
import { TINY_MODEL } from './helpers/fixtures';
import { fixtureImages, quantizeWith } from './helpers/quantize';

let images: CalibrationImage[];
beforeAll(async () => {
  images = await fixtureImages();
});

async function logitsOf(bytes: Uint8Array, imgs: readonly CalibrationImage[]) {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 });
  const out: Float32Array[] = [];
  for (const img of imgs) {
    const r = await session.run({
      [session.inputNames[0]!]: new ort.Tensor('float32', img.tensor, [1, 3, 224, 224]),
    });
    out.push(r[session.outputNames[0]!]!.data as Float32Array);
  }
  await session.release();
  return out;
}

const sqnr = (f: Float32Array, q: Float32Array) => {
  let s = 0;
  let n = 0;
  f.forEach((v, i) => {
    s += v * v;
    n += (v - q[i]!) ** 2;
  });
  return 10 * Math.log10(s / n);
};
const softmax = (x: Float32Array) => {
  const m = Math.max(...x);
  const e = Array.from(x, (v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
};
const top = (p: number[], k: number) =>
  p
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);

/** The report's overall figures, recomputed from the two models' logits. */
function recompute(f: Float32Array[], q: Float32Array[]) {
  const dbs = f.map((fi, i) => sqnr(fi, q[i]!));
  let agree = 0;
  let overlap = 0;
  let max = 0;
  let sum = 0;
  let count = 0;
  f.forEach((fi, i) => {
    const pf = softmax(fi);
    const pq = softmax(q[i]!);
    const tf = top(pf, 5);
    const tq = top(pq, 5);
    if (tf[0] === tq[0]) agree++;
    overlap += tf.filter((c) => tq.includes(c)).length / 5;
    pf.forEach((v, c) => {
      const d = Math.abs(v - pq[c]!);
      max = Math.max(max, d);
      sum += d;
      count++;
    });
  });
  return {
    dbs,
    mean: dbs.reduce((a, b) => a + b, 0) / dbs.length,
    worst: Math.min(...dbs),
    top1: agree / f.length,
    top5: overlap / f.length,
    max,
    meanDiff: sum / count,
  };
}

describe('int8 quantization of the tiny model on the fixture photos', () => {
  const tiny = new Uint8Array(readFileSync(TINY_MODEL));
  let floatLogits: Float32Array[];
  const results = new Map<CalibrationMethod, QuantizeResult>();
  beforeAll(async () => {
    floatLogits = await logitsOf(tiny, images);
    for (const m of ['minmax', 'percentile', 'kl'] as const)
      results.set(m, await quantizeWith(tiny, images, m));
  });

  it.each(['minmax', 'percentile', 'kl'] as const)(
    '%s: QDQ with int8 weights, fused by onnxruntime into QLinearConv; metadata says how',
    async (method) => {
      const { bytes, report } = results.get(method)!;
      const graph = decodeModel(bytes).graph!;
      const ops = graph.node.map((n) => n.opType);
      expect(ops.filter((o) => o === 'QuantizeLinear')).toHaveLength(8);
      const producer = new Map(graph.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
      const inits = new Map(graph.initializer.map((t) => [t.name, t]));
      for (const n of graph.node.filter((x) => x.opType === 'Conv' || x.opType === 'Gemm')) {
        const [x, w] = n.input.map((i) => producer.get(i));
        expect(x?.opType).toBe('DequantizeLinear');
        expect(w?.opType).toBe('DequantizeLinear');
        expect(inits.get(w!.input[0]!)?.dataType).toBe(DataType['INT8']);
      }
      expect(graph.initializer.filter((t) => t.dataType === DataType['FLOAT']).length).toBe(
        graph.initializer.filter((t) => t.name.endsWith('_scale')).length,
      );
      // onnxruntime fuses DQ -> Conv -> Relu -> Q into QLinearConv (and the classifier into QGemm).
      const file = join(mkdtempSync(join(tmpdir(), 'lens-int8-')), 'optimized.onnx');
      const session = await ort.InferenceSession.create(bytes, {
        graphOptimizationLevel: 'extended',
        optimizedModelFilePath: file,
      });
      await session.release();
      const fused = decodeModel(new Uint8Array(readFileSync(file))).graph!.node.map(
        (n) => n.opType,
      );
      expect(fused.filter((o) => o === 'QLinearConv')).toHaveLength(6);
      expect(fused).not.toContain('Conv');
      const meta = readOnnxModel(bytes).metadata;
      expect(meta).toMatchObject({
        quantization_method: method,
        quantization_images: String(images.length),
        quantization_percentile: method === 'percentile' ? '99.99' : '',
        quantization_date: '2026-11-28T00:00:00.000Z',
        quantization_source_sha256: '0'.repeat(64),
      });
      expect(report.images).toBe(images.length);
    },
  );

  it.each(['minmax', 'percentile', 'kl'] as const)(
    "%s: the report's figures equal a recomputation from the two models' logits",
    async (method) => {
      const { bytes, report } = results.get(method)!;
      const q = await logitsOf(bytes, images);
      const r = recompute(floatLogits, q);
      const a = report.agreement;
      a.logitsSqnrDb.forEach((p, i) => {
        expect(p.image).toBe(images[i]!.name);
        expect(p.db).toBeCloseTo(r.dbs[i]!, 6);
      });
      expect(a.meanLogitsSqnrDb).toBeCloseTo(r.mean, 6);
      expect(a.worstLogitsSqnrDb).toBeCloseTo(r.worst, 6);
      expect(a.top1Agreement).toBe(r.top1);
      expect(a.top5Overlap).toBeCloseTo(r.top5, 12);
      expect(a.maxAbsProbabilityDiff).toBeCloseTo(r.max, 9);
      expect(a.meanAbsProbabilityDiff).toBeCloseTo(r.meanDiff, 12);
      // The classifier's output is the logits: the layer report's last SQNR is over all images.
      const sum = floatLogits.reduce(
        (acc, f, i) => {
          f.forEach((v, c) => {
            acc.s += v * v;
            acc.n += (v - q[i]![c]!) ** 2;
          });
          return acc;
        },
        { s: 0, n: 0 },
      );
      expect(report.layers.at(-1)!.sqnrDb).toBeCloseTo(10 * Math.log10(sum.s / sum.n), 6);
      console.log(
        `tiny ${method}: logits SQNR mean ${r.mean.toFixed(2)} dB, worst photo ${r.worst.toFixed(2)} dB, top-1 agreement ${(r.top1 * 100).toFixed(1)}%, top-5 overlap ${(r.top5 * 100).toFixed(1)}%`,
      );
      const acts = report.layers.flatMap((l) => [l.input, l.output]).filter((a) => a !== null);
      if (method !== 'kl') {
        expect(r.mean).toBeGreaterThanOrEqual(20);
        expect(r.worst).toBeGreaterThanOrEqual(15);
      } else {
        // Entropy calibration clips, it never widens: every range within what was observed, and
        // at least one clipped well inside it. On this tiny seeded model that clipping is what
        // costs the logits (the SQNR logged above): untrained activations have no outliers to drop.
        for (const a of acts)
          expect(a.range[1]).toBeLessThanOrEqual(a.observed[1] * (1 + 1e-6) + 1e-9);
        expect(acts.some((a) => a.range[1] < 0.9 * a.observed[1])).toBe(true);
      }
      if (method === 'minmax')
        for (const a of acts) expect(a.range[1]).toBeGreaterThanOrEqual(a.observed[1] * (1 - 1e-6));
    },
  );

  it('percentile: onnxruntime-web (WASM, run here in Node) gives the same int8 logits', async () => {
    const { bytes } = results.get('percentile')!;
    const node = await logitsOf(bytes, images);
    ortWeb.env.wasm.numThreads = 1;
    const session = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const worst = { vsNode: Infinity, vsFloat: Infinity };
    for (const [i, img] of images.entries()) {
      const out = await session.run({
        input: new ortWeb.Tensor('float32', img.tensor, [1, 3, 224, 224]),
      });
      const web = out['logits']!.data as Float32Array;
      worst.vsNode = Math.min(worst.vsNode, sqnr(node[i]!, web));
      worst.vsFloat = Math.min(worst.vsFloat, sqnr(floatLogits[i]!, web));
    }
    await session.release();
    console.log(
      `tiny percentile in onnxruntime-web: worst photo ${Number.isFinite(worst.vsNode) ? `${worst.vsNode.toFixed(1)} dB` : 'identical'} against onnxruntime-node's int8, ${worst.vsFloat.toFixed(2)} dB against float`,
    );
    expect(worst.vsNode).toBeGreaterThan(40);
    expect(worst.vsFloat).toBeGreaterThanOrEqual(15);
  });

  it('refuses a model that is already quantized, and one with nothing to quantize', () => {
    const again = lensError(() => planQuantization(results.get('minmax')!.bytes));
    expect(again.code).toBe('model-incompatible');
    expect(again.message).toMatch(/already quantized \(QuantizeLinear, DequantizeLinear\)/);
    const reluOnly = layoutOnnxModel({
      irVersion: 7,
      opsetVersion: 13,
      producerName: 'test',
      producerVersion: '0',
      docString: '',
      graphName: 'relu',
      inputs: [{ name: 'input', elemType: 'float32', shape: ['N', 3, 224, 224] }],
      outputs: [{ name: 'logits', elemType: 'float32', shape: ['N', 3, 224, 224] }],
      nodes: [{ opType: 'Relu', name: 'relu', inputs: ['input'], outputs: ['logits'] }],
      initializers: [],
      metadata: {},
    }).bytes;
    const none = lensError(() => planQuantization(reluOnly));
    expect(none.code).toBe('model-incompatible');
    expect(none.message).toMatch(/no Conv, Gemm or MatMul with float weights/);
    expect(lensError(() => planQuantization(new Uint8Array([1, 2, 3]))).code).toBe('not-a-model');
  });
});

describe('other float exports', () => {
  it('fp16 weights behind Cast: quantized from their float16 values, the Casts dropped', async () => {
    const sd = seededStateDict([1, 1, 2, 1], [0.25, 0.25, 0.25, 0.5], 1000, 7);
    const fp16 = convertStateDict(sd, { fp16: true }).onnx;
    const some = images.slice(0, 4);
    const { bytes, report } = await quantizeWith(fp16, some, 'percentile');
    const graph = decodeModel(bytes).graph!;
    expect(graph.node.map((n) => n.opType)).not.toContain('Cast');
    expect(graph.initializer.some((t) => t.dataType === DataType['FLOAT16'])).toBe(false);
    const [f, q] = [await logitsOf(fp16, some), await logitsOf(bytes, some)];
    const dbs = f.map((x, i) => sqnr(x, q[i]!));
    expect(report.agreement.logitsSqnrDb.map((p) => p.db)).toEqual(
      dbs.map((d) => expect.closeTo(d, 6) as unknown as number),
    );
    expect(Math.min(...dbs)).toBeGreaterThan(20);
  });
});

describe('a classifier that is not a RepOpt-VGG (MatMul + Add head)', () => {
  it('quantizes the MatMul weight per output column and keeps the logits close', async () => {
    const { bytes, slots } = layoutOnnxModel({
      irVersion: 7,
      opsetVersion: 13,
      producerName: 'test',
      producerVersion: '0',
      docString: '',
      graphName: 'mm',
      inputs: [{ name: 'input', elemType: 'float32', shape: ['N', 3, 224, 224] }],
      outputs: [{ name: 'logits', elemType: 'float32', shape: ['N', 10] }],
      nodes: [
        {
          opType: 'Conv',
          name: 'conv',
          inputs: ['input', 'w', 'b'],
          outputs: ['c'],
          attributes: { strides: { ints: [4, 4] }, pads: { ints: [1, 1, 1, 1] } },
        },
        { opType: 'Relu', name: 'relu', inputs: ['c'], outputs: ['r'] },
        { opType: 'GlobalAveragePool', name: 'gap', inputs: ['r'], outputs: ['g'] },
        { opType: 'Flatten', name: 'flat', inputs: ['g'], outputs: ['f'] },
        { opType: 'MatMul', name: 'mm', inputs: ['f', 'm'], outputs: ['mo'] },
        { opType: 'Add', name: 'add', inputs: ['mo', 'mb'], outputs: ['logits'] },
      ],
      initializers: [
        { name: 'w', elemType: 'float32', dims: [16, 3, 3, 3] },
        { name: 'b', elemType: 'float32', dims: [16] },
        { name: 'm', elemType: 'float32', dims: [16, 10] },
        { name: 'mb', elemType: 'float32', dims: [10] },
      ],
      metadata: {},
    });
    let seed = 1;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
    const m = Float32Array.from({ length: 160 }, (_, i) => rand() * (1 + (i % 10)));
    writeElements(
      slots.get('w')!,
      'float32',
      0,
      Float32Array.from({ length: 432 }, () => rand()),
    );
    writeElements(
      slots.get('b')!,
      'float32',
      0,
      Float32Array.from({ length: 16 }, () => rand() / 5),
    );
    writeElements(slots.get('m')!, 'float32', 0, m);
    writeElements(
      slots.get('mb')!,
      'float32',
      0,
      Float32Array.from({ length: 10 }, () => rand() / 5),
    );

    const some = images.slice(0, 5);
    const q = await quantizeWith(bytes, some, 'minmax');
    const graph = decodeModel(q.bytes).graph!;
    const scale = graph.initializer.find((t) => t.name === 'm_scale')!;
    const view = new DataView(scale.rawData!.buffer, scale.rawData!.byteOffset, 40);
    for (let col = 0; col < 10; col++) {
      let max = 0;
      for (let k = 0; k < 16; k++) max = Math.max(max, Math.abs(m[k * 10 + col]!));
      expect(view.getFloat32(col * 4, true)).toBe(Math.fround(max / 127));
    }
    const dq = graph.node.find((n) => n.output[0] === 'm_dequantized')!;
    expect(toNumber(dq.attribute.find((a) => a.name === 'axis')?.i)).toBe(1);
    const [f, i8] = [await logitsOf(bytes, some), await logitsOf(q.bytes, some)];
    const dbs = f.map((x, i) => sqnr(x, i8[i]!));
    q.report.agreement.logitsSqnrDb.forEach((p, i) => expect(p.db).toBeCloseTo(dbs[i]!, 6));
    expect(Math.min(...dbs)).toBeGreaterThan(25);
  });
});

describe('a hostile layer', () => {
  /** A small seeded RepOpt-VGG; `k` stretches channel 3 of stage2.0 and shrinks what reads it. */
  function seeded(k: number): Uint8Array {
    const sd = seededStateDict([1, 1, 2, 1], [0.25, 0.25, 0.25, 0.5], 1000, 7);
    const data = (name: string) => sd.get(name)!.data as Float32Array;
    data('stage2.0.bn.weight')[3]! *= k;
    data('stage2.0.bn.bias')[3]! *= k;
    const next = data('stage3.0.conv.weight');
    const [cout, cin] = sd.get('stage3.0.conv.weight')!.shape as [number, number];
    for (let o = 0; o < cout; o++) for (let j = 0; j < 9; j++) next[(o * cin + 3) * 9 + j]! /= k;
    return convertStateDict(sd).onnx;
  }

  it('is the worst layer in the report, and keeping it float recovers most of the loss', async () => {
    const clean = seeded(1);
    const hostile = seeded(100);
    // The float models compute the same function (ReLU commutes with the positive scale).
    const [fc, fh] = [await logitsOf(clean, images), await logitsOf(hostile, images)];
    fc.forEach((l, i) => expect(sqnr(l, fh[i]!)).toBeGreaterThan(80));

    const base = await quantizeWith(clean, images, 'minmax');
    const bad = await quantizeWith(hostile, images, 'minmax');
    const fixed = await quantizeWith(hostile, images, 'minmax', { auto: 1 });
    expect(bad.report.worst[0]).toBe('stage2.0.conv');
    expect(fixed.report.keptFloat).toEqual(['stage2.0.conv']);
    expect(fixed.report.layers.find((l) => l.name === 'stage2.0.conv')!.float).toBe(true);
    // Its weights stay float in the file; the other layers' are int8.
    const inits = new Map(decodeModel(fixed.bytes).graph!.initializer.map((t) => [t.name, t]));
    expect(inits.get('stage2.0.weight')?.dataType).toBe(DataType['FLOAT']);
    expect(inits.get('stage3.0.weight_quantized')?.dataType).toBe(DataType['INT8']);

    const db = (r: QuantizeResult) => r.report.agreement;
    const lost = db(base).meanLogitsSqnrDb - db(bad).meanLogitsSqnrDb;
    const regained = db(fixed).meanLogitsSqnrDb - db(bad).meanLogitsSqnrDb;
    console.log(
      `hostile layer (minmax): worst ${bad.report.worst.slice(0, 3).join(', ')}; ` +
        `added SQNR of stage2.0.conv ${bad.report.layers.find((l) => l.name === 'stage2.0.conv')!.addedSqnrDb.toFixed(2)} dB; ` +
        `logits mean/worst: clean ${db(base).meanLogitsSqnrDb.toFixed(2)}/${db(base).worstLogitsSqnrDb.toFixed(2)}, ` +
        `hostile ${db(bad).meanLogitsSqnrDb.toFixed(2)}/${db(bad).worstLogitsSqnrDb.toFixed(2)}, ` +
        `auto:1 ${db(fixed).meanLogitsSqnrDb.toFixed(2)}/${db(fixed).worstLogitsSqnrDb.toFixed(2)} dB`,
    );
    expect(lost).toBeGreaterThan(10);
    expect(regained).toBeGreaterThan(lost / 2);
    expect(db(fixed).worstLogitsSqnrDb - db(bad).worstLogitsSqnrDb).toBeGreaterThan(
      (db(base).worstLogitsSqnrDb - db(bad).worstLogitsSqnrDb) / 2,
    );
  });
});
