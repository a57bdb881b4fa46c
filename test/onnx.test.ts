/** The ONNX writer and reader (protobufjs with the vendored schema) and the float16 rounding. */
import { runOnnx } from './helpers/onnx-run';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LensError } from '../src/core/errors';
import {
  float16Bits,
  float16Value,
  layoutOnnxModel,
  readOnnxModel,
  writeElements,
  type ModelSpec,
} from '../src/core/onnx';
import protobuf from 'protobufjs';
import { onnxDescriptor } from '../src/core/onnx/generated/schema';
import { CONVERT_DATA } from './convert-fixtures';
import { ROOT, TINY_MODEL } from './helpers/fixtures';

describe('float16Bits', () => {
  it("rounds float64 values exactly as numpy's astype(float16)", () => {
    const ref = JSON.parse(readFileSync(resolve(CONVERT_DATA, 'float16.json'), 'utf8')) as {
      values: number[];
      bits: number[];
    };
    const bad = ref.values
      .map((v, i) => ({ v, want: ref.bits[i]!, got: float16Bits(v) }))
      .filter((r) => r.got !== r.want);
    expect(bad).toEqual([]);
    expect(ref.values.length).toBeGreaterThan(900);
  });

  it('inverts with float16Value on every finite pattern', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      const got = float16Bits(float16Value(bits));
      if (got !== bits) throw new Error(`0x${bits.toString(16)} -> 0x${got.toString(16)}`);
    }
    expect(float16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(float16Value(0x7c00)).toBe(Infinity);
  });
});

/** y = (x + c) * Cast(h), c float32 [3], h float16 [3]. */
const SPEC: ModelSpec = {
  irVersion: 7,
  opsetVersion: 13,
  producerName: 'test',
  producerVersion: '0',
  docString: 'a test graph',
  graphName: 'g',
  inputs: [{ name: 'x', elemType: 'float32', shape: ['N', 3] }],
  outputs: [{ name: 'y', elemType: 'float32', shape: ['N', 3] }],
  initializers: [
    { name: 'c', elemType: 'float32', dims: [3] },
    { name: 'h', elemType: 'float16', dims: [3] },
  ],
  nodes: [
    {
      opType: 'Cast',
      name: 'cast',
      inputs: ['h'],
      outputs: ['h32'],
      attributes: { to: { int: 1 } },
    },
    { opType: 'Add', name: 'add', inputs: ['x', 'c'], outputs: ['s'] },
    { opType: 'Mul', name: 'mul', inputs: ['s', 'h32'], outputs: ['y'] },
  ],
  metadata: { hello: 'world', ünïcode: 'ok ✓' },
};

describe('layoutOnnxModel', () => {
  it('writes a model onnxruntime runs, with initializers filled in place', async () => {
    const { bytes, slots } = layoutOnnxModel(SPEC);
    expect(slots.get('c')).toHaveLength(12);
    expect(slots.get('h')).toHaveLength(6);
    writeElements(slots.get('c')!, 'float32', 0, new Float64Array([1, 2, 3]));
    writeElements(slots.get('h')!, 'float16', 1, new Float32Array([0.5, 1 / 3]));
    writeElements(slots.get('h')!, 'float16', 0, new Float32Array([-2]));
    expect(() => writeElements(slots.get('c')!, 'float32', 2, new Float32Array(2))).toThrow(
      RangeError,
    );

    const out = await runOnnx(bytes, { x: { data: new Float32Array([1, 1, 1]), dims: [1, 3] } });
    expect(Array.from(out['y']!.data)).toEqual([-4, 1.5, 4 * float16Value(float16Bits(1 / 3))]);

    // protobufjs's reflection decoder (not the app's precompiled one) reads it back, raw_data included
    const ModelProto = protobuf.Root.fromJSON(onnxDescriptor).lookupType('onnx.ModelProto');
    const decoded = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number }) as {
      graph: {
        initializer: { name: string; dims: number[]; dataType: number; rawData: Uint8Array }[];
      };
    };
    const [c, h] = decoded.graph.initializer;
    expect(c).toMatchObject({ name: 'c', dims: [3], dataType: 1 });
    expect(Array.from(new Float32Array(new Uint8Array(c!.rawData).buffer))).toEqual([1, 2, 3]);
    expect(h).toMatchObject({ name: 'h', dims: [3], dataType: 10 });
  });
});

describe('readOnnxModel', () => {
  it('summarises its own output', () => {
    const info = readOnnxModel(layoutOnnxModel(SPEC).bytes);
    expect(info).toEqual({
      irVersion: 7,
      opset: 13,
      producer: { name: 'test', version: '0' },
      graphName: 'g',
      docString: 'a test graph',
      inputs: [{ name: 'x', elemType: 'float32', shape: ['N', 3] }],
      outputs: [{ name: 'y', elemType: 'float32', shape: ['N', 3] }],
      metadata: { hello: 'world', ünïcode: 'ok ✓' },
      params: 6,
      paramsByType: { float32: 3, float16: 3 },
      initializers: 2,
      nodes: 3,
      opCounts: { Cast: 1, Add: 1, Mul: 1 },
    });
  });

  it("reads a model PyTorch's exporter wrote (models/repopt-tiny.onnx)", () => {
    const info = readOnnxModel(new Uint8Array(readFileSync(TINY_MODEL)));
    expect(info.opset).toBe(13);
    expect(info.producer.name).toBe('pytorch');
    expect(info.inputs).toEqual([
      { name: 'input', elemType: 'float32', shape: ['N', 3, 224, 224] },
    ]);
    expect(info.outputs).toEqual([{ name: 'logits', elemType: 'float32', shape: ['N', 1000] }]);
    // counted by the onnx Python package on the same file
    expect(info.opCounts).toEqual({ Conv: 6, Relu: 6, GlobalAveragePool: 1, Flatten: 1, Gemm: 1 });
    expect(info.params).toBe(181_856);
    expect(info.initializers).toBe(14);
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['random bytes', Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24)],
    ['a PNG', new Uint8Array(readFileSync(resolve(ROOT, 'e2e/fixtures/images/coffee.png')))],
    ['a zip (.pth)', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0, 1, 2, 3, 4])],
    ['JSON text', new TextEncoder().encode('{"models": []}')],
    [
      'a text file named .onnx',
      new Uint8Array(readFileSync(resolve(ROOT, 'e2e/fixtures/images/not-a-model.onnx'))),
    ],
  ])('refuses %s with not-a-model', (_, bytes) => {
    let error: unknown;
    try {
      readOnnxModel(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LensError);
    expect((error as LensError).code).toBe('not-a-model');
    expect((error as LensError).message).toMatch(/^This file is not an ONNX model: /);
  });
});
