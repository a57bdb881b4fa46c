/**
 * Per-image shapes [C, H, W] of the 4-D activations of a classifier, propagated from its image
 * input. Only what the Winograd rewrite needs: a tensor whose shape cannot be followed is left out,
 * and a convolution reading it is not rewritten.
 */
import { attrString, attrValue, type EditGraph, type EditNode } from '../onnx/edit';
import { toNumber } from '../onnx/proto';

export type Chw = [number, number, number];

const list = (v: number | number[] | undefined, fallback: number[]): number[] =>
  v === undefined ? fallback : typeof v === 'number' ? [v] : v;

/** Output size of a sliding window (Conv, MaxPool, AveragePool) along one axis, or null. */
function windowOut(node: EditNode, size: number, axis: 0 | 1, kernel: number): number | null {
  const stride = list(attrValue(node, 'strides'), [1, 1])[axis] ?? 1;
  const dil = list(attrValue(node, 'dilations'), [1, 1])[axis] ?? 1;
  const span = dil * (kernel - 1) + 1;
  const auto = attrString(node, 'auto_pad') ?? 'NOTSET';
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') return Math.ceil(size / stride);
  const pads = list(attrValue(node, 'pads'), [0, 0, 0, 0]);
  const padded = size + (pads[axis] ?? 0) + (pads[axis + 2] ?? 0) - span;
  if (auto === 'VALID') return Math.floor((size - span) / stride) + 1;
  const ceil = attrValue(node, 'ceil_mode') === 1;
  return (ceil ? Math.ceil(padded / stride) : Math.floor(padded / stride)) + 1;
}

export function propagateShapes(graph: EditGraph, inputHw: [number, number]): Map<string, Chw> {
  const inits = new Map(graph.initializer.map((t) => [t.name, t.dims.map(toNumber)]));
  const shapes = new Map<string, Chw>();
  const weights = new Map(inits);
  for (const v of graph.input) {
    if (inits.has(v.name)) continue;
    const dims = v.type?.tensorType?.shape?.dim;
    if (!dims || dims.length !== 4) continue;
    const c = toNumber(dims[1]!.dimValue);
    const h = toNumber(dims[2]!.dimValue) || inputHw[0];
    const w = toNumber(dims[3]!.dimValue) || inputHw[1];
    if (c > 0) shapes.set(v.name, [c, h, w]);
  }
  for (const n of graph.node) {
    const x = shapes.get(n.input[0] ?? '');
    const out = n.output[0] ?? '';
    switch (n.opType) {
      case 'Cast':
      case 'Identity': {
        const w = weights.get(n.input[0] ?? '');
        if (w) weights.set(out, w);
        else if (x) shapes.set(out, x);
        break;
      }
      case 'Conv':
      case 'MaxPool':
      case 'AveragePool': {
        if (!x) break;
        const w = n.opType === 'Conv' ? weights.get(n.input[1] ?? '') : undefined;
        const kernel = list(attrValue(n, 'kernel_shape'), w ? w.slice(2) : []);
        if (kernel.length !== 2 || (n.opType === 'Conv' && (!w || w.length !== 4))) break;
        const h = windowOut(n, x[1], 0, kernel[0]!);
        const wd = windowOut(n, x[2], 1, kernel[1]!);
        if (h !== null && wd !== null) shapes.set(out, [w ? w[0]! : x[0], h, wd]);
        break;
      }
      case 'GlobalAveragePool':
      case 'GlobalMaxPool':
        if (x) shapes.set(out, [x[0], 1, 1]);
        break;
      case 'Concat': {
        const parts = n.input.map((i) => shapes.get(i));
        const axis = attrValue(n, 'axis');
        if ((axis === 1 || axis === -3) && parts.every((p) => p && p[1] === x?.[1]))
          shapes.set(out, [parts.reduce((s, p) => s + p![0], 0), x![1], x![2]]);
        break;
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
      case 'Max':
      case 'Min': {
        // a broadcast per-channel or scalar operand keeps the activation's shape
        const y = shapes.get(n.input[1] ?? '');
        const size = (s?: Chw) => (s ? s[0] * s[1] * s[2] : 0);
        const big = size(y) > size(x) ? y : x;
        if (big) shapes.set(out, big);
        break;
      }
      case 'Relu':
      case 'LeakyRelu':
      case 'PRelu':
      case 'Clip':
      case 'Sigmoid':
      case 'HardSigmoid':
      case 'HardSwish':
      case 'Tanh':
      case 'Elu':
      case 'Selu':
      case 'BatchNormalization':
      case 'Dropout':
      case 'LRN':
        if (x) shapes.set(out, x);
        break;
      default:
        break;
    }
  }
  return shapes;
}
