/**
 * Per-image shapes [C, H, W] and element types of the 4-D activations of a classifier, propagated
 * from its image input. Only what the Winograd rewrite needs, and only what can be proved: a tensor
 * whose shape is not certain (an operator not listed here, a broadcast whose result depends on the
 * batch, pooling with `ceil_mode`, anything produced inside a subgraph) is left out, and a
 * convolution reading it is not rewritten. A wrong shape here is a wrong answer later (issue 20:
 * `[C,1,1] + [1,C,7,7]` taken as `[C,1,1]` folded 49 pixels into the batch), so when in doubt,
 * unknown.
 *
 * Every tracked activation has the batch of the graph input it comes from (`origin`): two tensors
 * of different inputs are never combined, and a constant that broadcasts along the batch axis
 * (its first dimension above 1) makes the result unknown, since the batch is only known at run time.
 */
import {
  attrString,
  attrValue,
  type EditAttribute,
  type EditGraph,
  type EditNode,
  type EditTensor,
} from '../onnx/edit';
import { toNumber } from '../onnx/proto';

export type Chw = [number, number, number];

/** A 4-D activation [N, C, H, W] whose C, H, W are certain; N is its input's batch. */
export interface Activation {
  chw: Chw;
  /** TensorProto.DataType of its elements (FLOAT = 1, FLOAT16 = 10, ...). */
  elemType: number;
  /** The graph input whose batch it has. */
  origin: string;
}

const list = (v: number | number[] | undefined, fallback: number[]): number[] =>
  v === undefined ? fallback : typeof v === 'number' ? [v] : v;

/** Output size of a sliding window (Conv, MaxPool, AveragePool) along one axis, or null. */
function windowOut(node: EditNode, size: number, axis: 0 | 1, kernel: number): number | null {
  const stride = list(attrValue(node, 'strides'), [1, 1])[axis] ?? 1;
  const dil = list(attrValue(node, 'dilations'), [1, 1])[axis] ?? 1;
  if (stride < 1 || dil < 1 || kernel < 1) return null;
  const span = dil * (kernel - 1) + 1;
  const auto = attrString(node, 'auto_pad') ?? 'NOTSET';
  let out: number;
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') out = Math.ceil(size / stride);
  else if (auto === 'VALID') out = Math.floor((size - span) / stride) + 1;
  else if (auto === 'NOTSET') {
    const pads = list(attrValue(node, 'pads'), [0, 0, 0, 0]);
    out = Math.floor((size + (pads[axis] ?? 0) + (pads[axis + 2] ?? 0) - span) / stride) + 1;
  } else return null;
  return out >= 1 ? out : null;
}

/** Subgraph attributes (If's branches, Loop's and Scan's bodies). */
export function subgraphsOf(node: EditNode): EditGraph[] {
  const out: EditGraph[] = [];
  for (const a of node.attribute as (EditAttribute & { g?: EditGraph; graphs?: EditGraph[] })[]) {
    if (a.g) out.push(a.g);
    if (a.graphs) out.push(...a.graphs);
  }
  return out;
}

/**
 * Every name a node inside a subgraph of `graph` reads (at any depth): outer-scope values a
 * subgraph captures by name, which no edge of the main graph shows.
 */
export function subgraphReads(graph: EditGraph): Set<string> {
  const names = new Set<string>();
  const visit = (g: EditGraph) => {
    for (const n of g.node) {
      for (const i of n.input) if (i) names.add(i);
      subgraphsOf(n).forEach(visit);
    }
    for (const o of g.output) names.add(o.name);
  };
  for (const n of graph.node) subgraphsOf(n).forEach(visit);
  return names;
}

/** Dims of a Constant node's value, or null when it holds no dense tensor. */
function constantDims(n: EditNode): number[] | null {
  for (const a of n.attribute as (EditAttribute & { t?: EditTensor; floats?: number[] })[]) {
    if (a.name === 'value' && a.t) return a.t.dims.map(toNumber);
    if (a.name === 'value_float' || a.name === 'value_int') return [];
    if (a.name === 'value_floats') return [a.floats?.length ?? 0];
    if (a.name === 'value_ints') return [a.ints?.length ?? 0];
  }
  return null;
}

/** Per-image shape of a broadcast of activation `a` with dims `[1, c, h, w]` (batch axis 1). */
function broadcast(a: Chw, b: Chw): Chw | null {
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else return null; // the runtime would refuse it
  }
  return out as Chw;
}

const SAME_SHAPE = new Set([
  'Relu',
  'LeakyRelu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'Elu',
  'Selu',
  'Abs',
  'Neg',
  'BatchNormalization',
  'Dropout',
  'LRN',
]);
const BROADCASTING = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Sum', 'Mean', 'PRelu']);

export function propagateShapes(
  graph: EditGraph,
  inputHw: [number, number],
): Map<string, Activation> {
  const shapes = new Map<string, Activation>();
  /** Dims of constants: initializers, Constant nodes, and Cast/Identity of either. */
  const consts = new Map<string, number[]>(
    graph.initializer.map((t) => [t.name, t.dims.map(toNumber)]),
  );
  for (const v of graph.input) {
    if (consts.has(v.name)) continue; // an initializer with a default: a constant here
    const tt = v.type?.tensorType;
    const dims = tt?.shape?.dim;
    if (!tt || !dims || dims.length !== 4) continue;
    const c = toNumber(dims[1]!.dimValue);
    const h = toNumber(dims[2]!.dimValue) || inputHw[0];
    const w = toNumber(dims[3]!.dimValue) || inputHw[1];
    if (c > 0) shapes.set(v.name, { chw: [c, h, w], elemType: tt.elemType, origin: v.name });
  }
  for (const n of graph.node) {
    if (n.domain && n.domain !== 'ai.onnx') continue;
    const x = shapes.get(n.input[0] ?? '');
    const out = n.output[0] ?? '';
    const set = (chw: Chw, elemType = x!.elemType) =>
      shapes.set(out, { chw, elemType, origin: x!.origin });
    switch (n.opType) {
      case 'Constant': {
        const dims = constantDims(n);
        if (dims) consts.set(out, dims);
        break;
      }
      case 'Cast':
      case 'Identity': {
        const w = consts.get(n.input[0] ?? '');
        const to = n.opType === 'Cast' ? attrValue(n, 'to') : x?.elemType;
        if (w) consts.set(out, w);
        else if (x && typeof to === 'number') set(x.chw, to);
        break;
      }
      case 'Conv': {
        const w = consts.get(n.input[1] ?? '');
        if (!x || !w || w.length !== 4) break;
        const group = attrValue(n, 'group') ?? 1;
        if (typeof group !== 'number' || w[1]! * group !== x.chw[0]) break;
        const kernel = attrValue(n, 'kernel_shape');
        if (kernel !== undefined && list(kernel, []).join() !== w.slice(2).join()) break;
        const h = windowOut(n, x.chw[1], 0, w[2]!);
        const wd = windowOut(n, x.chw[2], 1, w[3]!);
        if (h !== null && wd !== null) set([w[0]!, h, wd]);
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        // ceil_mode: the runtimes differ on whether a last window may start in the padding.
        if (!x || (attrValue(n, 'ceil_mode') ?? 0) !== 0) break;
        const kernel = list(attrValue(n, 'kernel_shape'), []);
        if (kernel.length !== 2) break;
        const h = windowOut(n, x.chw[1], 0, kernel[0]!);
        const wd = windowOut(n, x.chw[2], 1, kernel[1]!);
        if (h !== null && wd !== null) set([x.chw[0], h, wd]);
        break;
      }
      case 'GlobalAveragePool':
      case 'GlobalMaxPool':
        if (x) set([x.chw[0], 1, 1]);
        break;
      case 'Concat': {
        const parts = n.input.map((i) => shapes.get(i));
        const axis = attrValue(n, 'axis');
        const same = (p: Activation | undefined): p is Activation =>
          p !== undefined &&
          p.origin === x?.origin &&
          p.elemType === x.elemType &&
          p.chw[1] === x.chw[1] &&
          p.chw[2] === x.chw[2];
        if (x && (axis === 1 || axis === -3) && parts.every(same))
          set([parts.reduce((s, p) => s + p.chw[0], 0), x.chw[1], x.chw[2]]);
        break;
      }
      default: {
        if (SAME_SHAPE.has(n.opType)) {
          if (x) set(x.chw);
          break;
        }
        if (!BROADCASTING.has(n.opType)) break;
        // Every operand must be known: an activation of the same input, or a constant whose
        // batch axis is 1. The result takes the broadcast of all of them.
        let acc: Activation | null = null;
        const pending: Chw[] = [];
        let ok = n.input.length > 0;
        for (const name of n.input) {
          const a = shapes.get(name);
          const d = consts.get(name);
          if (a) {
            if (acc && (a.origin !== acc.origin || a.elemType !== acc.elemType)) ok = false;
            acc ??= a;
            pending.push(a.chw);
          } else if (d && d.length <= 4) {
            const full = [...Array<number>(4 - d.length).fill(1), ...d];
            if (full[0] !== 1) ok = false;
            pending.push([full[1]!, full[2]!, full[3]!]);
          } else ok = false;
        }
        if (!ok || !acc) break;
        let chw: Chw | null = pending[0]!;
        for (const p of pending.slice(1)) chw = chw && broadcast(chw, p);
        if (chw) shapes.set(out, { chw, elemType: acc.elemType, origin: acc.origin });
        break;
      }
    }
  }
  return shapes;
}
