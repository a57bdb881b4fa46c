/**
 * Structural re-parameterisation of one block into a single 3x3 convolution with bias.
 *
 * All arithmetic is in float64 (JS numbers); each fused value is rounded once when written.
 * BatchNorm (eval): y = gamma * (x - mean) / sqrt(var + eps) + beta, i.e. a per-channel factor
 * t = gamma / sqrt(var + eps) on the kernel and a bias beta - mean * t.
 *  - target: K = W * t
 *  - repvgg: K = W3 * t3 + pad(W1) * t1 + I * t_id, bias = sum of the three BN biases
 *  - hs/csla: K = (W3 * s3 + pad(W1) * s1 + I * s_id) * t, bias of the one BN after the sum
 * pad() puts the 1x1 kernel in the 3x3 centre; I is the identity kernel (1 at [o, o, 1, 1]).
 */
import { badLayout } from './foreign';
import { BN_EPS } from './layout';
import type { BlockMode, BlockPlan, TensorLike, WeightMap } from './types';

type Floats = Float32Array | Float64Array;

/** The tensor's values; it must be a floating-point tensor of its shape's size. */
export function floats(sd: WeightMap, key: string): Floats {
  const t: TensorLike | undefined = sd.get(key);
  const data = t?.data;
  if (!t || !(data instanceof Float32Array || data instanceof Float64Array)) {
    throw badLayout(`${key} ${t ? 'is not a floating-point tensor' : 'is missing'}`);
  }
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) {
    throw badLayout(`${key} has ${data.length} values for shape [${t.shape.join(', ')}]`);
  }
  return data;
}

/** BN as a per-channel scale and shift. */
function foldBn(sd: WeightMap, name: string): { scale: Float64Array; shift: Float64Array } {
  const gamma = floats(sd, `${name}.weight`);
  const beta = floats(sd, `${name}.bias`);
  const mean = floats(sd, `${name}.running_mean`);
  const variance = floats(sd, `${name}.running_var`);
  const scale = new Float64Array(gamma.length);
  const shift = new Float64Array(gamma.length);
  for (let o = 0; o < gamma.length; o++) {
    scale[o] = gamma[o]! / Math.sqrt(variance[o]! + BN_EPS);
    shift[o] = beta[o]! - mean[o]! * scale[o]!;
  }
  return { scale, shift };
}

export interface FusedBlock {
  bias: Float64Array;
  /** Fills `row` (length in * 9) with output channel o's fused kernel. */
  kernelRow(o: number, row: Float64Array): void;
}

export function fuseBlock(sd: WeightMap, mode: BlockMode, b: BlockPlan): FusedBlock {
  const p = b.prefix;
  const n = b.inChannels * 9;
  const cin = b.inChannels;
  if (mode === 'target') {
    const w = floats(sd, `${p}.conv.weight`);
    const bn = foldBn(sd, `${p}.bn`);
    return {
      bias: bn.shift,
      kernelRow(o, row) {
        const t = bn.scale[o]!;
        for (let j = 0; j < n; j++) row[j] = w[o * n + j]! * t;
      },
    };
  }
  if (mode === 'repvgg') {
    const w3 = floats(sd, `${p}.conv_3x3.weight`);
    const w1 = floats(sd, `${p}.conv_1x1.weight`);
    const bn3 = foldBn(sd, `${p}.bn_3x3`);
    const bn1 = foldBn(sd, `${p}.bn_1x1`);
    const bnId = b.identity ? foldBn(sd, `${p}.bn_identity`) : null;
    const bias = new Float64Array(b.outChannels);
    for (let o = 0; o < bias.length; o++) {
      bias[o] = bn3.shift[o]! + bn1.shift[o]! + (bnId ? bnId.shift[o]! : 0);
    }
    return {
      bias,
      kernelRow(o, row) {
        const t3 = bn3.scale[o]!;
        const t1 = bn1.scale[o]!;
        for (let j = 0; j < n; j++) row[j] = w3[o * n + j]! * t3;
        for (let i = 0; i < cin; i++) row[i * 9 + 4]! += w1[o * cin + i]! * t1;
        if (bnId) row[o * 9 + 4]! += bnId.scale[o]!;
      },
    };
  }
  const w3 = floats(sd, `${p}.conv.weight`);
  const w1 = floats(sd, `${p}.conv_1x1.weight`);
  const s3 = floats(sd, `${p}.scale_conv.weight`);
  const s1 = floats(sd, `${p}.scale_1x1.weight`);
  const sId = b.identity ? floats(sd, `${p}.scale_identity.weight`) : null;
  const bn = foldBn(sd, `${p}.bn`);
  return {
    bias: bn.shift,
    kernelRow(o, row) {
      const t = bn.scale[o]!;
      const a3 = s3[o]!;
      const a1 = s1[o]!;
      for (let j = 0; j < n; j++) row[j] = w3[o * n + j]! * a3;
      for (let i = 0; i < cin; i++) row[i * 9 + 4]! += w1[o * cin + i]! * a1;
      if (sId) row[o * 9 + 4]! += sId[o]!;
      for (let j = 0; j < n; j++) row[j]! *= t;
    },
  };
}
