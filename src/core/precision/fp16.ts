/**
 * The fp16 simulation model: the float model with every float initializer rounded to fp16 (kept as
 * float32 values: overflow becomes ±Infinity, tiny values go subnormal or to zero, as in an fp16
 * file) and every float tensor that an arithmetic operator writes rounded to fp16 by a standard
 * `Cast(to=FLOAT16) → Cast(to=FLOAT)` pair (so is the image input). Each operator still computes in
 * float32 between those rounding points: this is what an fp16 model stores, not what a GPU kernel
 * accumulates in (see docs/precision.md).
 */
import { decodeModel, encodeModel, tensorFloats, type EditNode } from '../onnx/edit';
import { float16Bits, float16Value } from '../onnx/float16';
import { AttributeType, DataType } from '../onnx/proto';

/** fp16's largest finite value, and its smallest normal and subnormal magnitudes. */
export const FP16_MAX = 65504;
export const FP16_MIN_NORMAL = 2 ** -14;
export const FP16_MIN_SUBNORMAL = 2 ** -24;
/** |x| at or above this rounds to Infinity in fp16. */
export const FP16_OVERFLOW = 65520;
/** Non-zero |x| at or below this rounds to zero in fp16 (2^-25: the tie goes to the even 0). */
export const FP16_UNDERFLOW = 2 ** -25;

/** x rounded to the nearest fp16 value (ties to even), as a number. */
export const roundFp16 = (x: number): number => float16Value(float16Bits(x));

/** Operators whose float outputs are new values (rounded); data movement (Reshape, Concat...) is not. */
const ARITHMETIC = new Set([
  'Conv',
  'ConvTranspose',
  'Gemm',
  'MatMul',
  'BatchNormalization',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Relu',
  'PRelu',
  'LeakyRelu',
  'Elu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'Softmax',
  'LogSoftmax',
  'GlobalAveragePool',
  'AveragePool',
  'MaxPool',
  'GlobalMaxPool',
  'ReduceMean',
  'Sqrt',
  'Exp',
  'Erf',
  'Pow',
]);
/** Operators that pass a float tensor on unchanged in value (their output is float if input 0 is). */
const MOVEMENT = new Set([
  'Reshape',
  'Flatten',
  'Transpose',
  'Squeeze',
  'Unsqueeze',
  'Identity',
  'Concat',
  'Slice',
  'Split',
  'Pad',
  'Gather',
  'Expand',
  'Tile',
  'DepthToSpace',
  'SpaceToDepth',
]);

export interface Fp16Simulation {
  bytes: Uint8Array;
  /** Per float tensor name whose rounded value has another name in the simulation (the input). */
  rounded: Map<string, string>;
  /** How many initializers were rounded, and how many tensors get a rounding Cast pair. */
  roundedInitializers: number;
  roundedTensors: number;
}

const cast = (name: string, input: string, output: string, to: string): EditNode => ({
  name,
  opType: 'Cast',
  input: [input],
  output: [output],
  attribute: [{ name: 'to', type: AttributeType['INT']!, i: DataType[to]! }],
});

export function fp16Simulation(bytes: Uint8Array): Fp16Simulation {
  const model = decodeModel(bytes);
  const graph = model.graph!;
  const initNames = new Set(graph.initializer.map((t) => t.name));
  const used = new Set<string>([...initNames, ...graph.input.map((i) => i.name)]);
  for (const n of graph.node) for (const o of n.output) used.add(o);
  const fresh = (base: string) => {
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  };

  // 1. Weights: float32 initializers to fp16 values (float16 ones already are).
  const float = new Set<string>();
  let roundedInitializers = 0;
  for (const t of graph.initializer) {
    if (t.dataType === DataType['FLOAT16']) float.add(t.name);
    if (t.dataType !== DataType['FLOAT']) continue;
    float.add(t.name);
    const v = tensorFloats(t);
    if (!v) continue;
    const raw = new Uint8Array(v.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, roundFp16(v[i]!), true);
    t.rawData = raw;
    t.floatData = [];
    roundedInitializers++;
  }

  // 2. Which tensors are float, and which of them an arithmetic operator writes.
  const inputs = graph.input.filter((i) => !initNames.has(i.name));
  for (const i of inputs) if (i.type?.tensorType?.elemType === DataType['FLOAT']) float.add(i.name);
  const toRound: string[] = [];
  for (const n of graph.node) {
    const first = n.input[0] ?? '';
    if (ARITHMETIC.has(n.opType) && n.input.some((x) => float.has(x)) && n.output[0]) {
      float.add(n.output[0]);
      toRound.push(n.output[0]);
    } else if (n.opType === 'Cast') {
      const to = n.attribute.find((a) => a.name === 'to')?.i;
      if (Number(to) === DataType['FLOAT'] || Number(to) === DataType['FLOAT16'])
        for (const o of n.output) float.add(o);
    } else if (MOVEMENT.has(n.opType) && float.has(first)) {
      for (const o of n.output) float.add(o);
    }
  }

  // 3. The rounding pairs: the producer writes `<t>__fp32`, the pair writes `t` again, so every
  //    consumer and graph output reads the rounded value under the same name.
  const producer = new Map<string, EditNode>();
  for (const n of graph.node) for (const o of n.output) producer.set(o, n);
  const after = new Map<EditNode, EditNode[]>();
  for (const t of toRound) {
    const p = producer.get(t)!;
    const raw = fresh(`${t}__fp32`);
    const half = fresh(`${t}__fp16`);
    p.output = p.output.map((o) => (o === t ? raw : o));
    after.set(p, [
      ...(after.get(p) ?? []),
      cast(fresh(`${t}__to_fp16`), raw, half, 'FLOAT16'),
      cast(fresh(`${t}__to_fp32`), half, t, 'FLOAT'),
    ]);
  }
  const head: EditNode[] = [];
  const rounded = new Map<string, string>();
  for (const i of inputs) {
    if (!float.has(i.name)) continue;
    const half = fresh(`${i.name}__fp16`);
    const back = fresh(`${i.name}__rounded`);
    for (const n of graph.node) n.input = n.input.map((x) => (x === i.name ? back : x));
    head.push(
      cast(fresh(`${i.name}__to_fp16`), i.name, half, 'FLOAT16'),
      cast(fresh(`${i.name}__to_fp32`), half, back, 'FLOAT'),
    );
    rounded.set(i.name, back);
  }
  const nodes: EditNode[] = [...head];
  for (const n of graph.node) nodes.push(n, ...(after.get(n) ?? []));
  graph.node = nodes;
  return {
    bytes: encodeModel(model).bytes,
    rounded,
    roundedInitializers,
    roundedTensors: toRound.length,
  };
}
