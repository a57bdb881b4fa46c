/**
 * Runs a claimed graph on the lens kernels. Weights are packed once (constructor); buffers are
 * planned once per input size (every value's shape and its place in the kernels' memory), and a
 * batch runs image by image through the same plan. Convolutions, pooling and the classifier run
 * in WebAssembly; the cheap elementwise ops (SE gates, softmax) run here on the same memory.
 */
import { chooseConvMethod, PackedConv } from './conv';
import type { LensGraph, LensOp, Operand } from './graph';
import {
  PackedQConv,
  PackedQDense,
  qdotMode,
  qwinoWeightBytes,
  QWINO_U_BUDGET,
  useQwino,
} from './int8';
import type { KernelCall, LensKernels } from './kernels';

interface Value {
  /** Byte offset in the kernels' memory. */
  ptr: number;
  /** Shape for one image (batch 1). */
  dims: number[];
}
interface Plan {
  values: Map<string, Value>;
  /** One scratch buffer per thread. */
  scratch: number[];
}

/**
 * Threads beside the caller's, on the kernels' shared memory (threads build). The kernels know
 * nothing of threads: a layer's work is split into calls (`PackedConv.work`), call i + 1 runs on
 * worker i while the caller runs call 0.
 */
export interface LensPool {
  readonly workers: number;
  /** Starts calls[i] on worker i and returns at once. */
  start(calls: readonly KernelCall[]): void;
  /** Blocks until every started call is done; throws the first worker's error. */
  join(): void;
  close(): Promise<void>;
}
interface Dense {
  w: number;
  bias: number;
}

/**
 * Below this many multiply-adds (about 0.2 ms on one thread) a convolution runs on the caller's
 * thread alone: a message to a worker and back costs tens of microseconds, more under load.
 */
const SMALL_LAYER_MACS = 4e6;

const size = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

export class LensModel {
  private readonly convs = new Map<LensOp, PackedConv | PackedQConv>();
  private readonly qdense = new Map<LensOp, PackedQDense>();
  private readonly dense = new Map<LensOp, Dense>();
  private readonly plans = new Map<string, Plan>();

  readonly threads: number;
  private readonly minSplitMacs: number;

  /**
   * Which Winograd tile each 3x3 stride-1 convolution gets, by the Conv node's name: `tiles` (the
   * engine's per-layer rule; a layer it does not name runs as written), else F(4x4) for all of
   * them, or none with `winograd: false` (every layer as written: im2col + GEMM).
   */
  constructor(
    readonly kernels: LensKernels,
    readonly graph: LensGraph,
    private readonly pool: LensPool | null = null,
    options: {
      winograd?: boolean;
      tiles?: ReadonlyMap<string, 'F4' | 'F2'>;
      /** Layers below this many multiply-adds run on one thread (default SMALL_LAYER_MACS). */
      minSplitMacs?: number;
      /** int8 layers take integer Winograd while its weights stay within this (QWINO_U_BUDGET). */
      int8WinogradBytes?: number;
    } = {},
  ) {
    this.threads = 1 + (pool?.workers ?? 0);
    this.minSplitMacs = options.minSplitMacs ?? SMALL_LAYER_MACS;
    const winograd = options.winograd ?? true;
    // One staging buffer for every float layer's weights on their way to being packed: fresh
    // memory costs a page fault per 4 KiB on first touch (3-4 ms per MB measured here), and a
    // buffer freed after each layer would sit where the next layer's packed weights go.
    const staged = graph.ops.map((op) =>
      op.op === 'conv'
        ? (op.spec.cout * op.spec.cin * op.spec.kh * op.spec.kw) / op.spec.groups
        : 0,
    );
    kernels.reserveStaging(Math.max(0, ...staged));
    let int8WinogradLeft = options.int8WinogradBytes ?? QWINO_U_BUDGET;
    for (const op of graph.ops) {
      if (op.op === 'conv') {
        let method = chooseConvMethod(op.spec);
        if (method === 'winograd-f43') {
          const tile = !winograd ? null : options.tiles ? options.tiles.get(op.name) : 'F4';
          method = tile === 'F4' ? 'winograd-f43' : tile === 'F2' ? 'winograd-f23' : 'im2col';
        }
        this.convs.set(op, new PackedConv(kernels, op.spec, method));
      }
      if (op.op === 'qconv') {
        // Integer Winograd's int16 weights take 3.6 times the int8 ones: within a budget, so
        // that a file that fits as int8 still fits (B1's take 138 MB, L2's 350 MB).
        const mode = qdotMode(kernels);
        const wino = useQwino(op.spec, mode, int8WinogradLeft);
        if (wino) int8WinogradLeft -= qwinoWeightBytes(op.spec);
        this.convs.set(op, new PackedQConv(kernels, op.spec, mode, wino));
      }
      if (op.op === 'qdense') this.qdense.set(op, new PackedQDense(kernels, op));
      if (op.op === 'dense')
        this.dense.set(op, {
          w: kernels.put(op.w),
          bias: op.bias ? kernels.put(op.bias) : 0,
        });
    }
  }

  /** How each convolution runs (for the bench and the model panel). */
  get convMethods(): string[] {
    return [...this.convs.values()].map((c) => c.method);
  }

  /** Each convolution by name: its kernel, shape and packed bytes (the model panel's layer list). */
  get convLayers(): {
    name: string;
    method: string;
    spec: PackedConv['spec'];
    packedBytes: number;
  }[] {
    return [...this.convs].map(([op, c]) => ({
      name: op.op === 'conv' || op.op === 'qconv' ? op.name : '',
      method: c.method,
      spec: c.spec,
      packedBytes: c.packedBytes,
    }));
  }

  /**
   * Runs a batch (NCHW) and returns the named values, batch-major, with the batch as the first
   * dimension.
   */
  run(
    input: Float32Array,
    dims: readonly number[],
    names: readonly string[],
    /** Called after each op with its time in ms (the bench's per-layer table). */
    profile?: (op: LensOp, ms: number) => void,
  ): { data: Float32Array; dims: number[] }[] {
    if (dims.length !== 4)
      throw new RangeError(`lens: a 4-D NCHW input expected, got [${dims.join(', ')}]`);
    const [n, c, h, w] = dims as [number, number, number, number];
    const plan = this.plan(c, h, w);
    const outs = names.map((name) => {
      const v = plan.values.get(name);
      if (!v) throw new RangeError(`lens: the graph has no value "${name}"`);
      return { v, data: new Float32Array(n * size(v.dims)) };
    });
    const x = plan.values.get(this.graph.input.name)!;
    const per = c * h * w;
    for (let i = 0; i < n; i++) {
      this.kernels.f32.set(input.subarray(i * per, (i + 1) * per), x.ptr / 4);
      for (const op of this.graph.ops) {
        const t0 = profile ? performance.now() : 0;
        if (op.op === 'conv' || op.op === 'qconv') this.conv(op, plan);
        else this.exec(op, plan);
        profile?.(op, performance.now() - t0);
      }
      for (const o of outs)
        o.data.set(this.kernels.read(o.v.ptr, size(o.v.dims)), i * size(o.v.dims));
    }
    return outs.map((o) => ({ data: o.data, dims: [n, ...o.v.dims.slice(1)] }));
  }

  private plan(c: number, h: number, w: number): Plan {
    const key = `${c}x${h}x${w}`;
    const known = this.plans.get(key);
    if (known) return known;
    const k = this.kernels;
    const values = new Map<string, Value>();
    const fresh = (dims: number[]): Value => ({ ptr: k.alloc(size(dims)), dims });
    values.set(this.graph.input.name, fresh([1, c, h, w]));
    const dimsOf = (name: string) => values.get(name)!.dims;
    let scratch = 0;
    for (const op of this.graph.ops) {
      switch (op.op) {
        case 'qconv':
        case 'conv': {
          const [, ci, hi, wi] = dimsOf(op.x) as [number, number, number, number];
          if (ci !== op.spec.cin)
            throw new RangeError(`lens: a Conv for ${op.spec.cin} channels got ${ci}`);
          const layer = this.convs.get(op)!;
          const g = layer.geometry(hi, wi);
          scratch = Math.max(scratch, layer.scratchFloats(hi, wi));
          values.set(op.y, fresh([1, g.cout, g.ho, g.wo]));
          break;
        }
        case 'quantize':
        case 'dequantize':
        case 'clamp':
        case 'sigmoid':
        case 'hardsigmoid':
        case 'softmax':
          values.set(op.y, fresh(dimsOf(op.x)));
          break;
        case 'add':
        case 'mul':
          values.set(op.y, fresh(broadcast(operandDims(op.a, dimsOf), operandDims(op.b, dimsOf))));
          break;
        case 'gap': {
          const d = dimsOf(op.x);
          values.set(op.y, fresh([d[0]!, d[1]!, ...d.slice(2).map(() => 1)]));
          break;
        }
        case 'flatten': {
          const d = dimsOf(op.x);
          const axis = op.axis < 0 ? op.axis + d.length : op.axis;
          values.set(op.y, {
            ptr: values.get(op.x)!.ptr,
            dims: [size(d.slice(0, axis)), size(d.slice(axis))],
          });
          break;
        }
        case 'reshape':
          values.set(op.y, { ptr: values.get(op.x)!.ptr, dims: reshape(dimsOf(op.x), op.shape) });
          break;
        case 'identity':
          values.set(op.y, values.get(op.x)!);
          break;
        case 'qdense':
        case 'dense': {
          const d = dimsOf(op.x);
          if (d.length !== 2 || d[0] !== 1 || d[1] !== op.k)
            throw new RangeError(`lens: a classifier for [1, ${op.k}] got [${d.join(', ')}]`);
          values.set(op.y, fresh([1, op.m]));
          break;
        }
      }
    }
    const plan = {
      values,
      scratch: Array.from({ length: this.threads }, () => k.alloc(scratch)),
    };
    this.plans.set(key, plan);
    return plan;
  }

  private conv(op: Extract<LensOp, { op: 'conv' | 'qconv' }>, plan: Plan): void {
    const x = plan.values.get(op.x)!;
    const y = plan.values.get(op.y)!;
    const layer = this.convs.get(op)!;
    const [h, w] = [x.dims[2]!, x.dims[3]!];
    const g = layer.geometry(h, w);
    const macs = (g.cout * g.ho * g.wo * g.cin * g.kh * g.kw) / layer.spec.groups;
    // A small layer takes less time than handing it to the other threads and back: one thread.
    const scratch = macs < this.minSplitMacs ? plan.scratch.slice(0, 1) : plan.scratch;
    for (const phase of layer.work(x.ptr, y.ptr, h, w, scratch)) {
      if (!this.pool || phase.length < 2) {
        for (const call of phase) this.kernels.call(call);
        continue;
      }
      this.pool.start(phase.slice(1));
      try {
        this.kernels.call(phase[0]!);
      } finally {
        this.pool.join(); // the workers write the same memory: never leave them running
      }
    }
  }

  private exec(op: LensOp, plan: Plan): void {
    const k = this.kernels;
    const v = (name: string) => plan.values.get(name)!;
    switch (op.op) {
      case 'conv':
      case 'qconv':
        throw new Error('lens: convolutions run through conv()');
      case 'quantize':
      case 'dequantize': {
        const x = v(op.x);
        const f = op.op === 'quantize' ? k.int8.lens_quantize_u8 : k.int8.lens_dequantize_u8;
        f(x.ptr, size(x.dims), op.scale, op.zeroPoint, v(op.y).ptr);
        return;
      }
      case 'qdense':
        this.qdense.get(op)!.run(v(op.x).ptr, v(op.y).ptr);
        return;
      case 'gap': {
        const x = v(op.x);
        k.globalAveragePool(x.ptr, x.dims[1]!, size(x.dims.slice(2)), v(op.y).ptr);
        return;
      }
      case 'dense': {
        const d = this.dense.get(op)!;
        k.gemv(op.m, op.k, d.w, v(op.x).ptr, d.bias, v(op.y).ptr);
        return;
      }
      case 'flatten':
      case 'reshape':
      case 'identity':
        return;
      default:
        elementwise(op, k.f32, v);
    }
  }
}

function operandDims(o: Operand, dimsOf: (name: string) => number[]): number[] {
  return 'value' in o ? dimsOf(o.value) : o.constant.dims;
}

/** numpy broadcasting of two shapes. */
export function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1)
      throw new RangeError(`lens: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    out.push(Math.max(x, y));
  }
  return out;
}

/** ONNX Reshape (allowzero 0): 0 keeps the input's dimension, one -1 takes the rest. */
export function reshape(d: readonly number[], shape: readonly number[]): number[] {
  const out = shape.map((s, i) => (s === 0 ? d[i]! : s));
  const known = out.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
  const total = size(d);
  const resolved = out.map((s) => (s === -1 ? total / known : s));
  if (size(resolved) !== total || resolved.some((s) => !Number.isInteger(s) || s < 0))
    throw new RangeError(`lens: cannot reshape [${d.join(', ')}] to [${shape.join(', ')}]`);
  return resolved;
}

type Lookup = (name: string) => Value;

function elementwise(op: LensOp, mem: Float32Array, v: Lookup): void {
  switch (op.op) {
    case 'clamp': {
      const { x, y, n } = unary(op.x, op.y, v);
      const { lo, hi } = op.clamp;
      for (let i = 0; i < n; i++) mem[y + i] = Math.min(hi, Math.max(lo, mem[x + i]!));
      return;
    }
    case 'sigmoid': {
      const { x, y, n } = unary(op.x, op.y, v);
      for (let i = 0; i < n; i++) mem[y + i] = 1 / (1 + Math.exp(-mem[x + i]!));
      return;
    }
    case 'hardsigmoid': {
      const { x, y, n } = unary(op.x, op.y, v);
      for (let i = 0; i < n; i++)
        mem[y + i] = Math.max(0, Math.min(1, op.alpha * mem[x + i]! + op.beta));
      return;
    }
    case 'add':
    case 'mul':
      binary(op.op, op.a, op.b, v(op.y), mem, v);
      return;
    case 'softmax': {
      const x = v(op.x);
      const d = x.dims;
      const axis = op.axis < 0 ? op.axis + d.length : op.axis;
      const outer = size(d.slice(0, axis));
      const len = op.coerce2d ? size(d.slice(axis)) : d[axis]!;
      const inner = op.coerce2d ? 1 : size(d.slice(axis + 1));
      softmax(mem, x.ptr / 4, v(op.y).ptr / 4, outer, len, inner);
      return;
    }
    default:
      throw new Error(`lens: ${op.op} is not elementwise`);
  }
}

function unary(x: string, y: string, v: Lookup) {
  const xv = v(x);
  return { x: xv.ptr / 4, y: v(y).ptr / 4, n: size(xv.dims) };
}

function softmax(m: Float32Array, x: number, y: number, outer: number, len: number, inner: number) {
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let max = -Infinity;
      for (let j = 0; j < len; j++) max = Math.max(max, m[x + base + j * inner]!);
      let sum = 0;
      for (let j = 0; j < len; j++) sum += Math.exp(m[x + base + j * inner]! - max);
      for (let j = 0; j < len; j++)
        m[y + base + j * inner] = Math.exp(m[x + base + j * inner]! - max) / sum;
    }
}

/** y = a (+|*) b with numpy broadcasting; operands are values in memory or constants. */
function binary(
  kind: 'add' | 'mul',
  a: Operand,
  b: Operand,
  out: Value,
  mem: Float32Array,
  v: Lookup,
) {
  const src = (o: Operand): { data: Float32Array; base: number; dims: number[] } =>
    'value' in o
      ? { data: mem, base: v(o.value).ptr / 4, dims: v(o.value).dims }
      : { data: o.constant.data, base: 0, dims: o.constant.dims };
  const A = src(a);
  const B = src(b);
  const dims = out.dims;
  const n = size(dims);
  const y = out.ptr / 4;
  const op = kind === 'add' ? (p: number, q: number) => p + q : (p: number, q: number) => p * q;
  const sa = strides(A.dims, dims);
  const sb = strides(B.dims, dims);
  const idx = new Array<number>(dims.length).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < n; i++) {
    mem[y + i] = op(A.data[A.base + ia]!, B.data[B.base + ib]!);
    for (let d = dims.length - 1; d >= 0; d--) {
      idx[d]!++;
      ia += sa[d]!;
      ib += sb[d]!;
      if (idx[d]! < dims[d]!) break;
      ia -= sa[d]! * dims[d]!;
      ib -= sb[d]! * dims[d]!;
      idx[d] = 0;
    }
  }
}

/** Element strides of `d` broadcast to `to` (0 along broadcast dimensions). */
function strides(d: readonly number[], to: readonly number[]): number[] {
  const out = new Array<number>(to.length).fill(0);
  let s = 1;
  for (let i = 1; i <= d.length; i++) {
    const dim = d[d.length - i]!;
    out[to.length - i] = dim === 1 ? 0 : s;
    s *= dim;
  }
  return out;
}
