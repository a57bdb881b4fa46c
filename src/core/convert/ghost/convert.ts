/**
 * GhostNet checkpoint -> fused ONNX graph. Every BatchNorm is folded into the convolution before
 * it (float64, rounded once when written); each RepGhost module becomes a 1x1 conv and one
 * depthwise conv (RepGhost's own re-parameterisation), so all forms give the same plain graph:
 *
 *   stem Conv3x3/2 + ReLU
 *   per bottleneck: ghost1 (Conv1x1 + ReLU, DWConv + ReLU) [DWConv k/2] [SE] ghost2 (Conv1x1,
 *     DWConv) + shortcut (identity, or DWConv k/s then Conv1x1)
 *   Conv1x1 + ReLU, GlobalAveragePool, conv_head Conv1x1 + ReLU, Flatten, Gemm
 *
 * The SE gate is PyTorch's hard_sigmoid, relu6(x + 3) / 6, written as Add, Clip, Div so the
 * arithmetic is the same. The cheap operation's fusion: with t = gamma / sqrt(var + eps) and the
 * centre tap c of the depthwise kernel,
 *   target     K = W·t_final                          b = shift_final
 *   rep/repghost K = W·t_cheap, K[c] += t_fusion       b = shift_cheap + shift_fusion
 *   hs/csla    K = (W·s_cheap, K[c] += s_fusion)·t_final  b = shift_final
 *   deploy     K = W                                  b = bias
 */
import { writeElements, type ElemType } from '../../onnx/raw';
import { DataType } from '../../onnx/proto';
import {
  layoutOnnxModel,
  type InitializerSpec,
  type ModelSpec,
  type NodeSpec,
} from '../../onnx/writer';
import { BN_EPS } from '../layout';
import type { DetectedArch, GhostDetails, WeightMap } from '../types';
import {
  floatsOf,
  MODE_NAMES,
  type BottleneckPlan,
  type GhostModulePlan,
  type GhostPlan,
} from './layout';

type Floats = Float32Array | Float64Array;

interface Tensor {
  dims: number[];
  values: Floats;
}

function foldBn(sd: WeightMap, name: string): { scale: Float64Array; shift: Float64Array } {
  const gamma = floatsOf(sd, `${name}.weight`);
  const beta = floatsOf(sd, `${name}.bias`);
  const mean = floatsOf(sd, `${name}.running_mean`);
  const variance = floatsOf(sd, `${name}.running_var`);
  const scale = new Float64Array(gamma.length);
  const shift = new Float64Array(gamma.length);
  for (let o = 0; o < gamma.length; o++) {
    scale[o] = gamma[o]! / Math.sqrt(variance[o]! + BN_EPS);
    shift[o] = beta[o]! - mean[o]! * scale[o]!;
  }
  return { scale, shift };
}

/** A convolution without bias followed by a BatchNorm, as one convolution with bias. */
function convBn(sd: WeightMap, conv: string, bn: string): { w: Tensor; b: Tensor } {
  const w = floatsOf(sd, conv);
  const dims = [...sd.get(conv)!.shape];
  const { scale, shift } = foldBn(sd, bn);
  const per = w.length / dims[0]!;
  const out = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = w[i]! * scale[Math.floor(i / per)]!;
  return { w: { dims, values: out }, b: { dims: [dims[0]!], values: shift } };
}

/** The cheap operation with its parallel branch folded in (see the header). */
function cheap(
  sd: WeightMap,
  mode: GhostPlan['mode'],
  g: GhostModulePlan,
): { w: Tensor; b: Tensor } {
  const p = g.prefix;
  const c = g.outChannels;
  const kk = g.cheapKernel * g.cheapKernel;
  const centre = (kk - 1) / 2;
  const dims = [c, 1, g.cheapKernel, g.cheapKernel];
  if (mode === 'deploy') {
    return {
      w: { dims, values: floatsOf(sd, `${p}.cheap_operation.weight`) },
      b: { dims: [c], values: floatsOf(sd, `${p}.cheap_operation.bias`) },
    };
  }
  const w = floatsOf(sd, `${p}.cheap_operation.0.weight`);
  const k = new Float64Array(w.length);
  let bias: Float64Array;
  if (mode === 'target') {
    const f = foldBn(sd, `${p}.final_bn`);
    for (let i = 0; i < w.length; i++) k[i] = w[i]! * f.scale[Math.floor(i / kk)]!;
    bias = f.shift;
  } else if (mode === 'rep' || mode === 'repghost') {
    const cb = foldBn(sd, `${p}.cheap_operation.1`);
    const fb = foldBn(sd, `${p}.fusion_bn${mode === 'repghost' ? '.0' : ''}`);
    for (let i = 0; i < w.length; i++) k[i] = w[i]! * cb.scale[Math.floor(i / kk)]!;
    bias = new Float64Array(c);
    for (let o = 0; o < c; o++) {
      k[o * kk + centre]! += fb.scale[o]!;
      bias[o] = cb.shift[o]! + fb.shift[o]!;
    }
  } else {
    const s = floatsOf(sd, `${p}.cheap_operation.1.weight`);
    const f = floatsOf(sd, `${p}.fusion_scale.weight`);
    const bn = foldBn(sd, `${p}.final_bn`);
    for (let i = 0; i < w.length; i++) k[i] = w[i]! * s[Math.floor(i / kk)]!;
    for (let o = 0; o < c; o++) k[o * kk + centre]! += f[o]!;
    for (let i = 0; i < w.length; i++) k[i]! *= bn.scale[Math.floor(i / kk)]!;
    bias = bn.shift;
  }
  return { w: { dims, values: k }, b: { dims: [c], values: bias } };
}

const plain = (sd: WeightMap, key: string): Tensor => ({
  dims: [...sd.get(key)!.shape],
  values: floatsOf(sd, key),
});

/** Builds the graph and its fused weights, then writes the file. */
export function convertGhostNet(
  sd: WeightMap,
  plan: GhostPlan,
  opts: {
    fp16: boolean;
    inputSize: number;
    producerVersion: string;
    metadata: Record<string, string>;
  },
): Uint8Array {
  const nodes: NodeSpec[] = [];
  const initializers: InitializerSpec[] = [];
  const values = new Map<string, Floats>();
  const param = (name: string, t: Tensor, keepFloat32 = false) => {
    const half = opts.fp16 && t.dims.length > 1 && !keepFloat32;
    const stored = half ? `${name}.fp16` : name;
    const elemType: ElemType = half ? 'float16' : 'float32';
    initializers.push({ name: stored, elemType, dims: t.dims });
    values.set(stored, t.values);
    if (half) {
      nodes.push({
        opType: 'Cast',
        name: `${name}.cast`,
        inputs: [stored],
        outputs: [name],
        attributes: { to: { int: DataType['FLOAT']! } },
      });
    }
    return name;
  };
  const op = (
    opType: string,
    name: string,
    inputs: string[],
    attributes?: NodeSpec['attributes'],
  ) => {
    nodes.push({ opType, name, inputs, outputs: [name], ...(attributes ? { attributes } : {}) });
    return name;
  };
  const conv = (name: string, x: string, f: { w: Tensor; b: Tensor }, stride = 1, group = 1) => {
    const k = f.w.dims[2]!;
    const pad = (k - 1) / 2;
    return op('Conv', name, [x, param(`${name}.weight`, f.w), param(`${name}.bias`, f.b)], {
      kernel_shape: { ints: [k, k] },
      pads: { ints: [pad, pad, pad, pad] },
      strides: { ints: [stride, stride] },
      group: { int: group },
    });
  };
  const relu = (x: string) => op('Relu', `${x}.relu`, [x]);
  const scalar = (name: string, v: number) => {
    initializers.push({ name, elemType: 'float32', dims: [] });
    values.set(name, Float32Array.of(v));
    return name;
  };
  const [three, six, zero] = [
    scalar('hardsigmoid.3', 3),
    scalar('hardsigmoid.6', 6),
    scalar('hardsigmoid.0', 0),
  ];

  const ghost = (g: GhostModulePlan, x: string) => {
    let y = conv(
      `${g.prefix}.primary`,
      x,
      convBn(sd, `${g.prefix}.primary_conv.0.weight`, `${g.prefix}.primary_conv.1`),
    );
    if (g.relu) y = relu(y);
    y = conv(`${g.prefix}.cheap`, y, cheap(sd, plan.mode, g), 1, g.outChannels);
    return g.relu ? relu(y) : y;
  };
  const bottleneck = (b: BottleneckPlan, x: string) => {
    const p = b.prefix;
    let y = ghost(b.ghost1, x);
    if (b.stride > 1)
      y = conv(
        `${p}.dw`,
        y,
        convBn(sd, `${p}.conv_dw.weight`, `${p}.bn_dw`),
        b.stride,
        b.midChannels,
      );
    if (b.seChannels !== null) {
      let s = op('GlobalAveragePool', `${p}.se.pool`, [y]);
      s = conv(`${p}.se.reduce`, s, {
        w: plain(sd, `${p}.se.conv_reduce.weight`),
        b: plain(sd, `${p}.se.conv_reduce.bias`),
      });
      s = relu(s);
      s = conv(`${p}.se.expand`, s, {
        w: plain(sd, `${p}.se.conv_expand.weight`),
        b: plain(sd, `${p}.se.conv_expand.bias`),
      });
      s = op('Add', `${p}.se.add3`, [s, three]);
      s = op('Clip', `${p}.se.clip`, [s, zero, six]);
      s = op('Div', `${p}.se.gate`, [s, six]);
      y = op('Mul', `${p}.se.mul`, [y, s]);
    }
    y = ghost(b.ghost2, y);
    let r = x;
    if (b.shortcut) {
      r = conv(
        `${p}.shortcut.dw`,
        x,
        convBn(sd, `${p}.shortcut.0.weight`, `${p}.shortcut.1`),
        b.stride,
        b.inChannels,
      );
      r = conv(`${p}.shortcut.pw`, r, convBn(sd, `${p}.shortcut.2.weight`, `${p}.shortcut.3`));
    }
    return op('Add', `${p}.add`, [y, r]);
  };

  let x = relu(conv('conv_stem', 'input', convBn(sd, 'conv_stem.weight', 'bn1'), 2));
  for (const stage of plan.stages) for (const b of stage) x = bottleneck(b, x);
  const l = plan.last.prefix;
  x = relu(conv(`${l}.conv`, x, convBn(sd, `${l}.conv.weight`, `${l}.bn1`)));
  x = op('GlobalAveragePool', 'global_pool', [x]);
  x = relu(
    conv('conv_head', x, { w: plain(sd, 'conv_head.weight'), b: plain(sd, 'conv_head.bias') }),
  );
  x = op('Flatten', 'flatten', [x], { axis: { int: 1 } });
  const cw = param('classifier.weight', plain(sd, 'classifier.weight'), true);
  const cb = param('classifier.bias', plain(sd, 'classifier.bias'));
  nodes.push({
    opType: 'Gemm',
    name: 'classifier',
    inputs: [x, cw, cb],
    outputs: ['logits'],
    attributes: { transB: { int: 1 } },
  });

  const spec: ModelSpec = {
    irVersion: 7,
    opsetVersion: 13,
    producerName: 'repopt-lens',
    producerVersion: opts.producerVersion,
    docString: opts.metadata['description'] ?? '',
    graphName: 'ghostnet',
    inputs: [
      { name: 'input', elemType: 'float32', shape: ['N', 3, opts.inputSize, opts.inputSize] },
    ],
    outputs: [{ name: 'logits', elemType: 'float32', shape: ['N', plan.numClasses] }],
    nodes,
    initializers,
    metadata: opts.metadata,
  };
  const { bytes, slots } = layoutOnnxModel(spec);
  for (const init of initializers)
    writeElements(slots.get(init.name)!, init.elemType, 0, values.get(init.name)!);
  return bytes;
}

/** Output size of a k×k convolution with padding (k - 1) / 2. */
const outSize = (size: number, stride: number) => Math.floor((size - 1) / stride) + 1;

/**
 * Multiply-accumulates of the fused graph for one image, as PyTorch hooks (thop) count the
 * deployed model: every convolution (depthwise ones at k·k per output) and the classifier.
 * GhostNet-0.5x at 224: 43,314,720.
 */
export function ghostMacs(plan: GhostPlan, inputSize: number): number {
  let size = outSize(inputSize, 2);
  let macs = size * size * plan.stem * 27;
  const ghost = (g: GhostModulePlan, hw: number) =>
    hw * (g.outChannels * g.inChannels + g.outChannels * g.cheapKernel * g.cheapKernel);
  for (const stage of plan.stages) {
    for (const b of stage) {
      macs += ghost(b.ghost1, size * size);
      const next = outSize(size, b.stride);
      const k2 = (b.kernel ?? 3) ** 2;
      if (b.stride > 1) macs += next * next * b.midChannels * k2;
      if (b.seChannels !== null) macs += 2 * b.midChannels * b.seChannels;
      macs += ghost(b.ghost2, next * next);
      if (b.shortcut) macs += next * next * (b.inChannels * k2 + b.inChannels * b.outChannels);
      size = next;
    }
  }
  macs += size * size * plan.last.inChannels * plan.last.outChannels;
  return macs + plan.last.outChannels * plan.head + plan.head * plan.numClasses;
}

export function ghostDetails(plan: GhostPlan): GhostDetails {
  return {
    width: plan.width,
    stem: plan.stem,
    bottlenecks: plan.stages.flat().map((b) => ({
      prefix: b.prefix,
      inChannels: b.inChannels,
      midChannels: b.midChannels,
      outChannels: b.outChannels,
      stride: b.stride,
      kernel: b.kernel,
      se: b.seChannels,
    })),
    last: plan.last.outChannels,
    head: plan.head,
  };
}

const fmtWidth = (w: number) => `${String(w)}x`;

export function ghostArch(plan: GhostPlan): DetectedArch {
  const all = plan.stages.flat();
  const se = all.some((b) => b.seChannels !== null);
  const family =
    plan.mode === 'rep' || plan.mode === 'repghost' || plan.mode === 'deploy'
      ? 'RepGhostNet'
      : 'RepOpt-GhostNet';
  const what =
    plan.width !== null
      ? `${family}-${fmtWidth(plan.width)}`
      : `${family}, ${all.length} bottlenecks in ${plan.stages.length} stages`;
  return {
    family: 'ghostnet',
    mode: plan.mode,
    blocks: plan.stages.map((s) => s.length),
    widths: plan.width === null ? [] : [plan.width],
    channels: [
      plan.stem,
      ...plan.stages.map((s) => s[s.length - 1]!.outChannels),
      plan.last.outChannels,
    ],
    numClasses: plan.numClasses,
    se,
    name: null,
    description: `${what} (${MODE_NAMES[plan.mode]}, ${plan.numClasses} classes)`,
    ghost: ghostDetails(plan),
  };
}
