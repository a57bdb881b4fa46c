/**
 * Static checks of BatchNorms before they are folded into a convolution: per channel,
 * |running_mean| / sqrt(running_var + eps) and |gamma| / sqrt(running_var + eps). Folding gives the
 * convolution weight w·gamma/std and the bias beta − mean·gamma/std, so the first ratio is how far
 * the folded bias sits from zero in units of the channel's own spread, and the second how much the
 * folded weights (and their rounding) are amplified. Either one far above 1 (a mean of 2000 over a
 * variance of 1e-10) makes a channel whose values dwarf its neighbours': the range fp16 runs out of
 * and the range int8 spends its 256 levels on.
 *
 * The parameters come from a checkpoint's state_dict (`<bn>.running_mean`, `.running_var`,
 * `.weight`, `.bias`; eps is PyTorch's default 1e-5, which a state_dict does not record) or from an
 * ONNX file's BatchNormalization nodes whose parameters are initializers. An ONNX file whose
 * BatchNorms were folded has nothing to recover: the report says so.
 */
import { decodeModel, tensorFloats, type EditModel } from '../onnx/edit';

export const BN_DEFAULT_EPS = 1e-5;
/** A ratio from here on is flagged (about 40 dB of dynamic range taken by one channel). */
export const BN_FLAG_RATIO = 100;

export interface BnParams {
  name: string;
  mean: Float32Array;
  variance: Float32Array;
  gamma: Float32Array | null;
  beta: Float32Array | null;
  eps: number;
}

export interface BnChannel {
  bn: string;
  channel: number;
  /** |running_mean| / sqrt(running_var + eps). */
  meanOverStd: number;
  /** |gamma| / sqrt(running_var + eps). */
  gainOverStd: number;
  /** |beta − mean·gamma/std|: the bias the fold writes. */
  foldedBias: number;
  mean: number;
  variance: number;
}

export interface BnReport {
  source: 'checkpoint' | 'onnx';
  batchNorms: number;
  channels: number;
  /** Channels with either ratio ≥ BN_FLAG_RATIO. */
  flagged: number;
  /** The worst channels first (by the larger ratio), at most `limit`. */
  ranking: BnChannel[];
  /** Per BatchNorm, its worst channel, in file order. */
  layers: BnChannel[];
}

function channels(p: BnParams): BnChannel[] {
  const out: BnChannel[] = [];
  for (let c = 0; c < p.mean.length; c++) {
    const mean = p.mean[c]!;
    const variance = p.variance[c]!;
    const std = Math.sqrt(Math.max(variance, 0) + p.eps);
    const gamma = p.gamma ? p.gamma[c]! : 1;
    const beta = p.beta ? p.beta[c]! : 0;
    out.push({
      bn: p.name,
      channel: c,
      meanOverStd: Math.abs(mean) / std,
      gainOverStd: Math.abs(gamma) / std,
      foldedBias: Math.abs(beta - (mean * gamma) / std),
      mean,
      variance,
    });
  }
  return out;
}

const score = (c: BnChannel) => {
  const s = Math.max(c.meanOverStd, c.gainOverStd);
  return Number.isNaN(s) ? Infinity : s;
};

export function bnReport(
  source: BnReport['source'],
  params: readonly BnParams[],
  limit = 20,
): BnReport | null {
  if (params.length === 0) return null;
  const all = params.flatMap(channels);
  const worstOf = (list: BnChannel[]) => list.reduce((a, b) => (score(b) > score(a) ? b : a));
  return {
    source,
    batchNorms: params.length,
    channels: all.length,
    flagged: all.filter((c) => score(c) >= BN_FLAG_RATIO).length,
    ranking: [...all].sort((a, b) => score(b) - score(a)).slice(0, limit),
    layers: params.map((p) => worstOf(all.filter((c) => c.bn === p.name))),
  };
}

/** A tensor of a state_dict, as float32 (the checkpoint reader's `toFloat32` gives this shape). */
export interface FloatTensorLike {
  shape: readonly number[];
  data: Float32Array;
}

/** BatchNorms of a state_dict: every `<name>.running_mean` with a `<name>.running_var` beside it. */
export function batchNormsOfStateDict(dict: ReadonlyMap<string, FloatTensorLike>): BnParams[] {
  const out: BnParams[] = [];
  for (const [key, t] of dict) {
    if (!key.endsWith('.running_mean')) continue;
    const name = key.slice(0, -'.running_mean'.length);
    const v = dict.get(`${name}.running_var`);
    if (!v || v.data.length !== t.data.length || t.data.length === 0) continue;
    const same = (x: FloatTensorLike | undefined) =>
      x && x.data.length === t.data.length ? x.data : null;
    out.push({
      name,
      mean: t.data,
      variance: v.data,
      gamma: same(dict.get(`${name}.weight`)),
      beta: same(dict.get(`${name}.bias`)),
      eps: BN_DEFAULT_EPS,
    });
  }
  return out;
}

/** BatchNormalization nodes of an ONNX file whose scale, bias, mean and var are initializers. */
export function batchNormsOfOnnx(bytes: Uint8Array | EditModel): BnParams[] {
  const model = bytes instanceof Uint8Array ? decodeModel(bytes) : bytes;
  const graph = model.graph;
  if (!graph) return [];
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  const floats = (name: string | undefined) => {
    const t = name ? inits.get(name) : undefined;
    return t ? tensorFloats(t) : null;
  };
  const out: BnParams[] = [];
  for (const n of graph.node) {
    if (n.opType !== 'BatchNormalization') continue;
    const [, scale, bias, mean, variance] = n.input;
    const m = floats(mean);
    const v = floats(variance);
    if (!m || !v || m.length !== v.length) continue;
    const epsAttr = n.attribute.find((a) => a.name === 'epsilon') as { f?: number } | undefined;
    out.push({
      name: n.name || n.output[0]!,
      mean: m,
      variance: v,
      gamma: floats(scale),
      beta: floats(bias),
      eps: epsAttr?.f ?? BN_DEFAULT_EPS,
    });
  }
  return out;
}
