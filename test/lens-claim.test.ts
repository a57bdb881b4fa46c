/**
 * What the lens backend claims and declines, and the ops the RepOpt fixtures do not use
 * (depthwise Conv, Clip, HardSigmoid, residual Add, Reshape, MatMul + Add, Gemm with transB 0 and
 * alpha/beta, Softmax) on a small graph built here, against onnxruntime-node.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimModel } from '../src/core/lens/graph';
import { decodeModel } from '../src/core/onnx/edit';
import { ModelProto } from '../src/core/onnx/proto';
import { openSession, RUNTIME_NAME } from '../src/engine/backends';
import { lensBackend, createLensNodeSession } from '../src/node/lens-node';
import { createNodeSession, nodeSessionFactory } from '../src/node/ort-node';
import { ROOT } from './helpers/fixtures';
import { randomArray, relError } from './helpers/lens';
import { float, floatTensor, i64, int, ints, io, node } from './helpers/onnx-graph';

const tiny = () => readFileSync(resolve(ROOT, 'models/repopt-tiny.onnx'));

/** The tiny model with one edit to its decoded form. */
function edited(edit: (m: ReturnType<typeof decodeModel>) => void): Uint8Array {
  const m = decodeModel(tiny());
  edit(m);
  return ModelProto.encode(m).finish();
}

describe('claim', () => {
  it('claims the tiny model, fusing each Relu into its Conv', () => {
    const c = claimModel(tiny());
    expect(c.claimed).toBe(true);
    if (!c.claimed) return;
    expect(c.graph.ops.map((o) => o.op)).toEqual([
      ...Array<string>(6).fill('conv'),
      'gap',
      'flatten',
      'dense',
    ]);
  });

  it('declines with the first node it cannot take', () => {
    const bytes = edited((m) => {
      m.graph!.node[1]!.opType = 'LeakyRelu';
      m.graph!.node[3]!.opType = 'Elu';
    });
    expect(claimModel(bytes)).toEqual({
      claimed: false,
      reason: { node: '/stage0/relu/Relu', opType: 'LeakyRelu' },
    });
  });

  it('declines a supported op with unsupported attributes, saying which', () => {
    const bytes = edited((m) => {
      const conv = m.graph!.node[2]!;
      conv.attribute = conv.attribute.map((a) =>
        a.name === 'dilations' ? { ...a, ints: [2, 2] } : a,
      );
    });
    const c = claimModel(bytes);
    expect(c).toMatchObject({
      claimed: false,
      reason: { opType: 'Conv', detail: 'dilations 2,2' },
    });
  });

  it('the engine seam falls back to onnxruntime-node and says why', async () => {
    const bytes = edited((m) => {
      m.graph!.node[1]!.opType = 'LeakyRelu';
    });
    const runtime = nodeSessionFactory(1);
    const fallback = await openSession([lensBackend(1)], runtime, bytes, { backend: 'wasm' });
    expect(fallback.runner).toEqual({
      name: RUNTIME_NAME,
      declined: [{ backend: 'lens', reason: 'LeakyRelu node /stage0/relu/Relu is not supported' }],
    });
    expect(fallback.session.choice.reason).toBe('onnxruntime-node (native CPU)');
    const ours = await openSession([lensBackend(1)], runtime, tiny(), { backend: 'wasm' });
    expect(ours.runner).toEqual({ name: 'lens', declined: [] });
    expect(ours.session.choice.reason).toMatch(
      /^lens WebAssembly kernels \((relaxed|simd128), 1 thread/,
    );
    await fallback.session.dispose();
    await ours.session.dispose();
  });
});

// A small graph of the ops the converter fixtures do not reach.
const f = floatTensor;

function opsModel(opset: number): Uint8Array {
  const C = 8;
  const graph = {
    name: 'ops',
    node: [
      node(
        'Conv',
        ['x', 'w0', 'b0'],
        ['c0'],
        [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1])],
      ),
      node('Clip', ['c0', 'lo', 'hi'], ['r0']),
      node('Conv', ['r0', 'wd', 'bd'], ['d0'], [int('group', C), ints('pads', [1, 1, 1, 1])]),
      node('HardSigmoid', ['d0'], ['hs'], [float('alpha', 0.25), float('beta', 0.4)]),
      node('Mul', ['d0', 'hs'], ['hsw']),
      node('Conv', ['hsw', 'w1', 'b1'], ['p1'], [ints('kernel_shape', [1, 1])]),
      node('Add', ['p1', 'r0'], ['res']),
      node('Sigmoid', ['res'], ['sg']),
      node('Mul', ['res', 'chan'], ['sc']),
      node('Add', ['sc', 'sg'], ['sum']),
      node('GlobalAveragePool', ['sum'], ['gap']),
      node('Reshape', ['gap', 'shape'], ['flat']),
      node('MatMul', ['flat', 'wm'], ['mm']),
      node('Add', ['mm', 'bm'], ['h']),
      node('Relu', ['h'], ['hr']),
      node('Gemm', ['hr', 'wg', 'bg'], ['logits'], [float('alpha', 0.7), float('beta', 1.5)]),
      node('Softmax', ['logits'], ['prob'], [int('axis', 1)]),
    ],
    initializer: [
      f('w0', [C, 3, 3, 3], 1),
      f('b0', [C], 2),
      { ...f('lo', [], 0), rawData: new Uint8Array(new Float32Array([0]).buffer) },
      { ...f('hi', [], 0), rawData: new Uint8Array(new Float32Array([0.6]).buffer) },
      f('wd', [C, 1, 3, 3], 3),
      f('bd', [C], 4),
      f('w1', [C, C, 1, 1], 5),
      f('b1', [C], 6),
      f('chan', [1, C, 1, 1], 7),
      i64('shape', [0, -1]),
      f('wm', [C, 12], 8),
      f('bm', [12], 9),
      f('wg', [12, 10], 10, 2),
      f('bg', [10], 11),
    ],
    input: [io('x', ['N', 3, 20, 18])],
    output: [io('prob', ['N', 10]), io('res', ['N', C, 10, 9])],
  };
  return ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: opset }],
    graph,
  }).finish();
}

describe('ops beyond the RepOpt fixtures', () => {
  it.each([13, 11])('match onnxruntime-node (opset %i)', async (opset) => {
    const bytes = opsModel(opset);
    const load = await createLensNodeSession(bytes);
    if (!load.claimed) throw new Error(JSON.stringify(load.reason));
    expect(load.model.convMethods).toEqual(['im2col', 'depthwise', 'gemm-1x1']);
    const ort = await createNodeSession(bytes, 1);
    const dims = [3, 3, 20, 18] as const;
    const x = randomArray(3 * 3 * 20 * 18, 12, 2);
    load.session.bind('x', 'prob', 'res');
    ort.bind('x', 'prob', 'res');
    const got = await load.session.runWithFeatures(x, dims);
    const want = await ort.runWithFeatures(x, dims);
    const dp = relError(got.logits, want.logits);
    const dres = relError(got.features.data, want.features.data);
    console.log(
      `ops opset ${opset}: prob rel. error ${dp.toExponential(2)}, res ${dres.toExponential(2)}`,
    );
    expect(got.features.dims).toEqual(want.features.dims);
    expect(dp).toBeLessThanOrEqual(1e-5);
    expect(dres).toBeLessThanOrEqual(1e-5);
    await ort.dispose();
  });
});
