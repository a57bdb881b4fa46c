/**
 * Which ONNX graphs the lens backend runs: it CLAIMS a graph only when it supports every node,
 * and otherwise DECLINES, naming the first node it cannot take. A claimed graph becomes a list of
 * ops over named values, constants folded (fp16 weights behind Cast, Constant nodes) and each
 * Relu or Clip that only follows a Conv fused into that Conv's store. QDQ (int8) graphs: a
 * DequantizeLinear of an integer initializer folds into a float constant that remembers its
 * integers; QuantizeLinear and DequantizeLinear of activations become uint8 values, and `fuseInt8`
 * (int8.ts) turns DQ -> Conv [-> Relu] -> Q into one integer convolution where onnxruntime fuses it.
 */
import { decodeModel, tensorFloats, type EditTensor } from '../onnx/edit';
import { DataType, toNumber, type DecodedValueInfo, type Int64 } from '../onnx/proto';
import type { ConvSpec } from './conv';
import { fuseInt8, type Int8Op, type QuantInfo } from './int8';
import type { Clamp } from './kernels';

export interface Constant {
  dims: number[];
  data: Float32Array;
  /**
   * `data` as float32 little-endian bytes, a view into the file where it holds them so; then
   * `data` is made on demand (a convolution's weights go from these bytes into the kernels).
   */
  raw?: Uint8Array;
  /** The integers and parameters a DequantizeLinear made `data` from (int8 weights, int32 bias). */
  quant?: QuantInfo;
}

/** An elementwise operand: a value computed by the graph, or a constant. */
export type Operand = { value: string } | { constant: Constant };

export type LensOp =
  | {
      op: 'conv';
      name: string;
      x: string;
      y: string;
      spec: ConvSpec;
      /** Where the weight (and bias) are DequantizeLinear outputs: their integers. */
      quant?: { w: QuantInfo; b: QuantInfo | null };
    }
  | { op: 'clamp'; x: string; y: string; clamp: Clamp }
  | { op: 'sigmoid'; x: string; y: string }
  | { op: 'hardsigmoid'; x: string; y: string; alpha: number; beta: number }
  | { op: 'add' | 'mul'; a: Operand; b: Operand; y: string }
  | { op: 'gap'; x: string; y: string }
  | { op: 'flatten'; x: string; y: string; axis: number }
  | { op: 'reshape'; x: string; y: string; shape: number[] }
  /** y[1][m] = x[1][k] W^T + bias, W row-major [m][k] (Gemm and MatMul classifiers). */
  | {
      op: 'dense';
      x: string;
      y: string;
      w: Float32Array;
      bias: Float32Array | null;
      m: number;
      k: number;
      /** A Gemm (alpha = beta = 1) whose weight (and bias) are DequantizeLinear outputs. */
      quant?: { w: QuantInfo; b: QuantInfo | null; transB: boolean };
    }
  /** `coerce2d`: opset < 13 (the axis and everything after it are one axis). */
  | { op: 'softmax'; x: string; y: string; axis: number; coerce2d: boolean }
  | { op: 'identity'; x: string; y: string }
  | Int8Op;

export interface LensGraph {
  input: { name: string; dims: (number | null)[] };
  outputs: { name: string; dims: (number | string)[] }[];
  ops: LensOp[];
}

export interface DeclineReason {
  /** The node's name, or its first output when it has none. */
  node: string;
  opType: string;
  /** What about it is not supported, when the op type itself is. */
  detail?: string;
}

export type Claim = { claimed: true; graph: LensGraph } | { claimed: false; reason: DeclineReason };

interface Attr {
  name: string;
  f?: number;
  i?: Int64 | null;
  ints?: Int64[];
  t?: EditTensor | null;
}
interface Node {
  name?: string;
  opType: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute: Attr[];
}

class Unsupported extends Error {
  constructor(readonly detail?: string) {
    super(detail ?? 'unsupported');
  }
}

export const SUPPORTED_OPS = [
  'Conv',
  'Relu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'Add',
  'Mul',
  'GlobalAveragePool',
  'Flatten',
  'Reshape',
  'Gemm',
  'MatMul',
  'Softmax',
  'Cast',
  'Identity',
  'Constant',
  'Dropout',
  'QuantizeLinear',
  'DequantizeLinear',
] as const;

/** Claims or declines an ONNX model (bytes of a .onnx file without external data). */
export function claimModel(bytes: Uint8Array): Claim {
  const model = decodeModel(bytes);
  const graph = model.graph;
  if (!graph)
    return { claimed: false, reason: { node: '(model)', opType: '', detail: 'no graph' } };
  const opset = toNumber(
    model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 13,
  );
  const constants = new Map<string, Constant>();
  const integers = new Map<string, IntTensor>();
  for (const t of graph.initializer) {
    const c = constantOf(t);
    if (c) constants.set(t.name, c);
    const q = intTensor(t);
    if (q) integers.set(t.name, q);
  }
  const inits = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((i) => !inits.has(i.name));
  if (inputs.length !== 1 || !isFloat(inputs[0]!))
    return {
      claimed: false,
      reason: { node: '(graph inputs)', opType: '', detail: 'one float32 image input expected' },
    };
  const input = inputs[0]!;
  const values = new Set([input.name]);
  /** Values that hold uint8 (QuantizeLinear outputs): only DequantizeLinear reads them. */
  const bytes8 = new Set<string>();
  const ops: LensOp[] = [];
  for (const node of graph.node as unknown as Node[]) {
    try {
      const op = claimNode(node, constants, values, opset, { integers, bytes8 });
      if (op) ops.push(op);
      for (const o of node.output) if (o && !constants.has(o)) values.add(o);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      return {
        claimed: false,
        reason: {
          node: node.name || node.output[0] || '?',
          opType: node.opType,
          ...(e.detail ? { detail: e.detail } : {}),
        },
      };
    }
  }
  const outputs = graph.output.map((o) => ({ name: o.name, dims: declaredDims(o) }));
  for (const o of outputs)
    if (!values.has(o.name) || bytes8.has(o.name))
      return {
        claimed: false,
        reason: { node: o.name, opType: '', detail: 'output not computed from the input' },
      };
  return {
    claimed: true,
    graph: {
      input: {
        name: input.name,
        dims: declaredDims(input).map((d) => (typeof d === 'number' && d > 0 ? d : null)),
      },
      outputs,
      // int8 first: a fused layer never reads its weights as floats (they are made on demand).
      ops: fuseActivations(
        fuseInt8(ops, new Set(outputs.map((o) => o.name))),
        new Set(outputs.map((o) => o.name)),
      ),
    },
  };
}

function claimNode(
  n: Node,
  constants: Map<string, Constant>,
  values: Set<string>,
  opset: number,
  qdq: { integers: Map<string, IntTensor>; bytes8: Set<string> },
): LensOp | null {
  if (n.domain && n.domain !== 'ai.onnx') throw new Unsupported(`domain ${n.domain}`);
  const y = n.output[0] ?? '';
  const value = (i: number): string => {
    const name = n.input[i] ?? '';
    if (!values.has(name)) throw new Unsupported(`input ${i} is not a computed value`);
    if (qdq.bytes8.has(name) && n.opType !== 'DequantizeLinear')
      throw new Unsupported(`input ${i} is uint8 (only DequantizeLinear reads it)`);
    return name;
  };
  const constant = (i: number, what: string): Constant => {
    const c = constants.get(n.input[i] ?? '');
    if (!c) throw new Unsupported(`${what} is not a constant`);
    return c;
  };
  const optionalConstant = (i: number): Constant | null =>
    n.input[i] ? constant(i, `input ${i}`) : null;
  switch (n.opType) {
    case 'Constant': {
      const t = attr(n, 'value')?.t;
      const c = t ? constantOf(t) : null;
      if (!c) throw new Unsupported('only float or int64 tensor values');
      constants.set(y, c);
      return null;
    }
    case 'Cast':
    case 'Identity':
    case 'Dropout': {
      if (n.opType === 'Cast' && int(n, 'to', 1) !== DataType['FLOAT'])
        throw new Unsupported('casts to float32 only');
      const c = constants.get(n.input[0] ?? '');
      if (c) {
        constants.set(y, c); // fp16 weights were widened when read
        return null;
      }
      return { op: 'identity', x: value(0), y };
    }
    case 'Conv': {
      const w = constant(1, 'the weight');
      const b = optionalConstant(2);
      return {
        op: 'conv',
        name: n.name || y,
        x: value(0),
        y,
        spec: convSpec(n, w, b),
        ...(w.quant ? { quant: { w: w.quant, b: b?.quant ?? null } } : {}),
      };
    }
    case 'Relu':
      return { op: 'clamp', x: value(0), y, clamp: { lo: 0, hi: Infinity } };
    case 'Clip': {
      const lo = opset >= 11 ? optionalConstant(1)?.data[0] : floatAttr(n, 'min');
      const hi = opset >= 11 ? optionalConstant(2)?.data[0] : floatAttr(n, 'max');
      return { op: 'clamp', x: value(0), y, clamp: { lo: lo ?? -Infinity, hi: hi ?? Infinity } };
    }
    case 'Sigmoid':
      return { op: 'sigmoid', x: value(0), y };
    case 'HardSigmoid':
      return {
        op: 'hardsigmoid',
        x: value(0),
        y,
        alpha: floatAttr(n, 'alpha') ?? 0.2,
        beta: floatAttr(n, 'beta') ?? 0.5,
      };
    case 'Add':
    case 'Mul': {
      const operand = (i: number): Operand => {
        const c = constants.get(n.input[i] ?? '');
        return c ? { constant: c } : { value: value(i) };
      };
      const a = operand(0);
      const b = operand(1);
      if ('constant' in a && 'constant' in b) throw new Unsupported('both operands constant');
      return { op: n.opType === 'Add' ? 'add' : 'mul', a, b, y };
    }
    case 'GlobalAveragePool':
      return { op: 'gap', x: value(0), y };
    case 'Flatten':
      return { op: 'flatten', x: value(0), y, axis: int(n, 'axis', 1) };
    case 'Reshape': {
      if (int(n, 'allowzero', 0) !== 0) throw new Unsupported('allowzero');
      return { op: 'reshape', x: value(0), y, shape: [...constant(1, 'the shape').data] };
    }
    case 'Gemm':
      return gemm(n, value(0), constant(1, 'B'), optionalConstant(2));
    case 'MatMul': {
      const w = constant(1, 'the weight');
      if (w.dims.length !== 2) throw new Unsupported('weight is not 2-D');
      const [k, m] = w.dims as [number, number];
      return { op: 'dense', x: value(0), y, w: transpose(w.data, k, m), bias: null, m, k };
    }
    case 'QuantizeLinear':
    case 'DequantizeLinear':
      return qdqNode(n, constants, value, qdq);
    case 'Softmax':
      return {
        op: 'softmax',
        x: value(0),
        y,
        axis: int(n, 'axis', opset >= 13 ? -1 : 1),
        coerce2d: opset < 13,
      };
    default:
      throw new Unsupported();
  }
}

function convSpec(n: Node, w: Constant, b: Constant | null): ConvSpec {
  const autoPad = attr(n, 'auto_pad');
  if (autoPad && (autoPad as unknown as { s?: Uint8Array }).s?.length) {
    const s = new TextDecoder().decode((autoPad as unknown as { s: Uint8Array }).s);
    if (s !== 'NOTSET') throw new Unsupported(`auto_pad ${s}`);
  }
  if (w.dims.length !== 4) throw new Unsupported('not a 2-D convolution');
  const [cout, cinPerGroup, kh, kw] = w.dims as [number, number, number, number];
  const dil = ints(n, 'dilations', [1, 1]);
  if (dil.some((d) => d !== 1)) throw new Unsupported(`dilations ${dil.join(',')}`);
  const groups = int(n, 'group', 1);
  if (groups !== 1 && !(cinPerGroup === 1 && groups === cout))
    throw new Unsupported(`groups ${groups} (1 or depthwise only)`);
  const [sh = 1, sw = 1] = ints(n, 'strides', [1, 1]);
  const [pt = 0, pl = 0, pb = 0, pr = 0] = ints(n, 'pads', [0, 0, 0, 0]);
  if (b && b.dims.reduce((p, q) => p * q, 1) !== cout) throw new Unsupported('bias length');
  const spec: ConvSpec = {
    cin: cinPerGroup * groups,
    cout,
    kh,
    kw,
    strides: [sh, sw],
    pads: [pt, pl, pb, pr],
    groups,
    weights: new Float32Array(0),
    bias: b?.data ?? null,
    clamp: { lo: -Infinity, hi: Infinity },
  };
  // Dequantized weights are made when a float kernel packs them (int8 layers never do); a file's
  // float32 bytes go to the kernels as they are.
  if (w.quant || w.raw)
    Object.defineProperty(spec, 'weights', { get: () => w.data, enumerable: true });
  else spec.weights = w.data;
  if (!w.quant && w.raw) spec.weightBytes = w.raw;
  return spec;
}

function gemm(n: Node, x: string, b: Constant, c: Constant | null): LensOp {
  if (int(n, 'transA', 0) !== 0) throw new Unsupported('transA');
  if (b.dims.length !== 2) throw new Unsupported('B is not 2-D');
  const transB = int(n, 'transB', 0) === 1;
  const [m, k] = (transB ? b.dims : [b.dims[1], b.dims[0]]) as [number, number];
  const alpha = floatAttr(n, 'alpha') ?? 1;
  const beta = floatAttr(n, 'beta') ?? 1;
  const w = transB ? Float32Array.from(b.data) : transpose(b.data, k, m);
  if (alpha !== 1) for (let i = 0; i < w.length; i++) w[i]! *= alpha;
  let bias: Float32Array | null = null;
  if (c) {
    if (c.data.length !== 1 && c.data.length !== m) throw new Unsupported('C is not [M] or scalar');
    bias = Float32Array.from({ length: m }, (_, i) => beta * c.data[c.data.length === 1 ? 0 : i]!);
  }
  const quant =
    b.quant && alpha === 1 && beta === 1 ? { w: b.quant, b: c?.quant ?? null, transB } : null;
  return { op: 'dense', x, y: n.output[0] ?? '', w, bias, m, k, ...(quant ? { quant } : {}) };
}

/** Integer initializers (int8, uint8, int32): what DequantizeLinear reads. */
interface IntTensor {
  dims: number[];
  type: 'int8' | 'uint8' | 'int32';
  data: Int8Array | Uint8Array | Int32Array;
}

function intTensor(t: EditTensor): IntTensor | null {
  const dims = t.dims.map(toNumber);
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData;
  const i32 = (t as { int32Data?: number[] }).int32Data;
  const type =
    t.dataType === DataType['INT8']
      ? 'int8'
      : t.dataType === DataType['UINT8']
        ? 'uint8'
        : t.dataType === DataType['INT32']
          ? 'int32'
          : null;
  if (!type || t.dataLocation === 1) return null;
  const size = type === 'int32' ? 4 : 1;
  let data: IntTensor['data'];
  if (raw && raw.length === count * size) {
    // A copy: raw may be a view into a larger buffer (a Node Buffer's pool), whose slice() is a view.
    const copy = new Uint8Array(raw).buffer;
    data =
      type === 'int8'
        ? new Int8Array(copy)
        : type === 'uint8'
          ? new Uint8Array(copy)
          : Int32Array.from({ length: count }, (_, i) => new DataView(copy).getInt32(i * 4, true));
  } else if (i32 && i32.length === count) {
    // int8 and uint8 values are stored in int32_data when raw_data is not used.
    data =
      type === 'int8'
        ? Int8Array.from(i32)
        : type === 'uint8'
          ? Uint8Array.from(i32)
          : Int32Array.from(i32);
  } else return null;
  return { dims, type, data };
}

/**
 * QuantizeLinear of an activation to uint8 (per tensor), DequantizeLinear of such a value, and
 * DequantizeLinear of an integer initializer (folded into a float constant, any axis).
 */
function qdqNode(
  n: Node,
  constants: Map<string, Constant>,
  value: (i: number) => string,
  qdq: { integers: Map<string, IntTensor>; bytes8: Set<string> },
): LensOp | null {
  const y = n.output[0] ?? '';
  if (int(n, 'block_size', 0) !== 0) throw new Unsupported('blocked quantization');
  if (attr(n, 'output_dtype')) throw new Unsupported('output_dtype');
  const scale = constants.get(n.input[1] ?? '');
  if (!scale) throw new Unsupported('the scale is not a constant');
  const zpName = n.input[2] ?? '';
  const zp = zpName ? qdq.integers.get(zpName) : null;
  if (zpName && !zp) throw new Unsupported('the zero point is not an integer constant');
  const source = qdq.integers.get(n.input[0] ?? '');
  if (n.opType === 'DequantizeLinear' && source) {
    if (zp && zp.type !== source.type) throw new Unsupported('zero point type');
    const channels = scale.data.length;
    const rank = source.dims.length;
    const axisAttr = int(n, 'axis', 1);
    const axis = channels === 1 ? 0 : axisAttr < 0 ? axisAttr + rank : axisAttr;
    if (channels !== 1 && source.dims[axis] !== channels)
      throw new Unsupported('scale length does not match the axis');
    if (zp && zp.data.length !== channels) throw new Unsupported('zero point length');
    const inner = source.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const zeroPoints = Int32Array.from({ length: channels }, (_, i) => zp?.data[i] ?? 0);
    const dequantize = () => {
      const data = new Float32Array(source.data.length);
      for (let i = 0; i < data.length; i++) {
        const c = channels === 1 ? 0 : Math.floor(i / inner) % channels;
        data[i] = Math.fround((source.data[i]! - zeroPoints[c]!) * scale.data[c]!);
      }
      return data;
    };
    let floats: Float32Array | null = null;
    constants.set(y, {
      dims: source.dims,
      // On demand: B1's int8 weights would be 207 MB of floats that its int8 layers never read.
      get data() {
        return (floats ??= dequantize());
      },
      quant: {
        type: source.type,
        dims: source.dims,
        data: source.data,
        scales: scale.data,
        zeroPoints,
        axis,
      },
    });
    return null;
  }
  if (constants.has(n.input[0] ?? ''))
    throw new Unsupported('input 0 is a constant that is not an integer tensor');
  const x = value(0);
  if (scale.data.length !== 1) throw new Unsupported('per-channel activation scales');
  if (zp && zp.type !== 'uint8') throw new Unsupported(`${zp.type} activations (uint8 only)`);
  const q = { scale: scale.data[0]!, zeroPoint: zp?.data[0] ?? 0 };
  if (n.opType === 'QuantizeLinear') {
    if (!zp) throw new Unsupported('no zero point (int8 by default; uint8 only)');
    qdq.bytes8.add(y);
    return { op: 'quantize', x, y, ...q };
  }
  if (!qdq.bytes8.has(x)) throw new Unsupported('dequantizes a value that is not uint8');
  return { op: 'dequantize', x, y, ...q };
}

/** A Conv's output read only by a Relu or Clip takes that clamp into its store. */
function fuseActivations(ops: LensOp[], outputs: ReadonlySet<string>): LensOp[] {
  const readers = new Map<string, number>();
  const read = (name: string) => readers.set(name, (readers.get(name) ?? 0) + 1);
  for (const o of ops) {
    if ('x' in o) read(o.x);
    if ('a' in o) for (const v of [o.a, o.b]) if ('value' in v) read(v.value);
  }
  const out: LensOp[] = [];
  for (const o of ops) {
    const prev = out[out.length - 1];
    if (
      o.op === 'clamp' &&
      prev?.op === 'conv' &&
      prev.y === o.x &&
      readers.get(o.x) === 1 &&
      !outputs.has(o.x) &&
      prev.spec.clamp.lo === -Infinity &&
      prev.spec.clamp.hi === Infinity
    ) {
      // The spec's own descriptors, not a spread: its weights may be a getter made on demand.
      const spec = Object.defineProperties(
        {} as ConvSpec,
        Object.getOwnPropertyDescriptors(prev.spec),
      );
      spec.clamp = o.clamp;
      out[out.length - 1] = { ...prev, y: o.y, spec };
      continue;
    }
    out.push(o);
  }
  return out;
}

const attr = (n: Node, name: string) => n.attribute.find((a) => a.name === name);
const int = (n: Node, name: string, fallback: number) => {
  const a = attr(n, name);
  return a?.i !== undefined && a.i !== null ? toNumber(a.i) : fallback;
};
const ints = (n: Node, name: string, fallback: number[]) =>
  attr(n, name)?.ints?.map(toNumber) ?? fallback;
const floatAttr = (n: Node, name: string): number | undefined => attr(n, name)?.f ?? undefined;

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

/** float32, float16 (widened exactly) and int64 tensors (shapes) as constants. */
function constantOf(t: EditTensor): Constant | null {
  const dims = t.dims.map(toNumber);
  if (t.dataType === DataType['INT64']) {
    const count = dims.reduce((a, b) => a * b, 1);
    const raw = t.rawData;
    const data = new Float32Array(count);
    const i64 = (t as { int64Data?: Int64[] }).int64Data;
    if (raw && raw.length === count * 8) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let i = 0; i < count; i++) data[i] = Number(view.getBigInt64(i * 8, true));
    } else if (i64 && i64.length === count)
      for (let i = 0; i < count; i++) data[i] = toNumber(i64[i]);
    else return null;
    return { dims, data };
  }
  if (
    t.dataType === DataType['FLOAT'] &&
    t.rawData?.length === dims.reduce((a, b) => a * b, 1) * 4 &&
    LITTLE_ENDIAN
  ) {
    // B1's 207 MB of weights are not copied here: packing reads the file's bytes.
    let floats: Float32Array | null = null;
    return {
      dims,
      raw: t.rawData,
      get data() {
        return (floats ??= tensorFloats(t)!);
      },
    };
  }
  const data = tensorFloats(t);
  return data ? { dims, data } : null;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function declaredDims(v: DecodedValueInfo): (number | string)[] {
  return (
    v.type?.tensorType?.shape?.dim.map((d) =>
      d.dimParam ? d.dimParam : toNumber(d.dimValue ?? 0),
    ) ?? []
  );
}

const isFloat = (v: DecodedValueInfo) => v.type?.tensorType?.elemType === DataType['FLOAT'];
