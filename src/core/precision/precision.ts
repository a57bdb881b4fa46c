/**
 * The precision check: what breaks in fp16 and in int8, layer by layer (docs/precision.md).
 *
 * Three models run side by side over the same images, every layer's input and output exposed as
 * graph outputs (quantize/graph.ts `withOutputs`):
 * - float: the model as it is (the reference);
 * - fp16: `fp16Simulation` (weights and every computed activation rounded to fp16);
 * - int8: the quantizer's own QDQ model (its calibration, its rewrite: quantize/).
 * Per layer and channel: the float activations' max |x| against fp16's 65504 and subnormal range;
 * the weights' and bias's; non-finite values in each simulation; SQNR against float; and the
 * "drop" of a layer, its median-channel SQNR on the input minus that on the output. Each precision
 * ranks what it found, the cause before its consequences (see `rank`).
 */
import { LensError } from '../errors';
import { decodeModel, tensorFloats, type EditModel, type EditTensor } from '../onnx/edit';
import { toNumber } from '../onnx/proto';
import { calibratedRange, DEFAULT_PERCENTILE, type CalibrationMethod } from '../quantize/calibrate';
import { planQuantization, rewriteQdq, withOutputs, type QuantLayer } from '../quantize/graph';
import { AgreementSum, type Agreement } from '../quantize/measure';
import { activationParams, type QParams } from '../quantize/qparams';
import { calibrate, type CalibrationImage, type QuantRunnerFactory } from '../quantize/quantize';
import { batchNormsOfOnnx, bnReport, type BnReport } from './batchnorm';
import { FP16_MAX, FP16_MIN_NORMAL, FP16_OVERFLOW, FP16_UNDERFLOW, fp16Simulation } from './fp16';
import { ChannelNoise, median, RangeStats } from './stats';

/**
 * A layer "breaks" when its median-channel SQNR falls by DROP_DB or more from its input to its
 * output and ends below BREAK_BELOW_DB (noise at 1 % of the signal's power): a healthy fp16 layer
 * sits at 40-70 dB and a healthy int8 one at 20-40, so a drop that ends above the floor is the
 * ordinary cost of rounding (the first convolution of a network often loses 10 dB against its
 * finely rounded input), not a fault.
 */
export const DROP_DB = 10;
export const BREAK_BELOW_DB = 20;
/** A channel whose max |x| is this many times the median channel's holds the int8 range. */
export const RANGE_HOG = 10;
/** Share of non-zero values in fp16's subnormal range from which a layer is listed. */
export const SUBNORMAL_SHARE = 0.01;

export type PrecisionPhase = 'calibrate' | 'measure';

export interface PrecisionOptions {
  images: () => AsyncIterable<CalibrationImage>;
  imageCount: number;
  size: number;
  createRunner: QuantRunnerFactory;
  method?: CalibrationMethod;
  percentile?: number;
  /** BatchNorm parameters from elsewhere (a checkpoint); otherwise read from the ONNX if any. */
  batchNorm?: BnReport | null;
  onProgress?: (p: { phase: PrecisionPhase; done: number; total: number }) => void;
  signal?: AbortSignal;
}

export interface TensorRange {
  maxAbs: number;
  channel: number;
  /** The median over channels of each channel's max |x|. */
  medianChannelMaxAbs: number;
  /** |values| ≥ 65520 (Infinity in fp16). */
  beyondFp16: number;
  /** Share of the non-zero values with |x| < 2^-14 (fp16 subnormals). */
  subnormalShare: number;
  /** Share of the non-zero values with |x| ≤ 2^-25 (zero in fp16). */
  toZeroShare: number;
}

export interface SimulationLayer {
  /** Whole-tensor SQNR of the output against float (−200 dB with any non-finite value). */
  sqnrDb: number;
  /** The median channel's SQNR, output and input. */
  channelSqnrDb: number;
  inputChannelSqnrDb: number;
  /** inputChannelSqnrDb − channelSqnrDb. */
  dropDb: number;
  worstChannel: number;
  worstChannelSqnrDb: number;
  nonFinite: number;
  nonFiniteChannels: number;
}

export interface PrecisionLayer {
  index: number;
  name: string;
  op: QuantLayer['op'];
  output: string;
  channels: number;
  weights: TensorRange & { name: string };
  bias: (TensorRange & { name: string }) | null;
  activations: TensorRange;
  fp16: SimulationLayer;
  int8: SimulationLayer & {
    /** The channel with the largest max |x|, and its max over the median channel's. */
    rangeChannel: number;
    rangeShare: number;
    quant: QParams | null;
  };
  perChannel: {
    maxAbs: number[];
    fp16SqnrDb: number[];
    int8SqnrDb: number[];
    fp16NonFinite: number[];
  };
}

export type FindingKind =
  | 'weight-overflow'
  | 'bias-overflow'
  | 'activation-overflow'
  | 'non-finite'
  | 'range-hog'
  | 'sqnr-drop'
  | 'subnormal'
  | 'layer';

export interface Finding {
  layer: string;
  index: number;
  channel: number | null;
  kind: FindingKind;
  /** 3: values lost (Infinity, NaN); 2: a sharp SQNR drop; 1: a warning; 0: the rest, by drop. */
  tier: number;
  /** max |x| for overflows, a count for non-finite, dB for drops, a share for subnormals. */
  value: number;
}

export interface PrecisionSide {
  ranking: Finding[];
  /** The first layer, in graph order, with a tier 2 or 3 finding; null when none. */
  firstBreak: string | null;
  agreement: Agreement;
}

export interface PrecisionReport {
  images: number;
  method: CalibrationMethod;
  percentile: number | null;
  dropDb: number;
  breakBelowDb: number;
  layers: PrecisionLayer[];
  fp16: PrecisionSide;
  int8: PrecisionSide;
  batchNorm: BnReport | null;
  /** Why there is no BatchNorm check, when there is none. */
  batchNormNote: string | null;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LensError('aborted', 'Precision check cancelled.');
}

/** A layer's weight or bias initializer, directly or behind Cast/Identity. */
function initializerOf(model: EditModel, name: string): EditTensor | null {
  const graph = model.graph!;
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  const producer = new Map(graph.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
  for (let at = name, hops = 0; hops < 4; hops++) {
    const t = inits.get(at);
    if (t) return t;
    const p = producer.get(at);
    if (!p || (p.opType !== 'Cast' && p.opType !== 'Identity')) return null;
    at = p.input[0] ?? '';
  }
  return null;
}

function rangeOf(stats: RangeStats): TensorRange {
  let channel = 0;
  stats.maxAbs.forEach((m, c) => {
    if (m > stats.maxAbs[channel]!) channel = c;
  });
  return {
    maxAbs: stats.maxAbs[channel] ?? 0,
    channel,
    medianChannelMaxAbs: median(stats.maxAbs),
    beyondFp16: stats.overflow + stats.nonFinite,
    subnormalShare: stats.nonZero ? stats.subnormal / stats.nonZero : 0,
    toZeroShare: stats.nonZero ? stats.toZero / stats.nonZero : 0,
  };
}

/** Weight stats along the output-channel axis (as the int8 per-channel scales run). */
function weightRange(t: EditTensor, axis: number): TensorRange & { name: string } {
  const w = tensorFloats(t);
  if (!w) throw new LensError('model-incompatible', `The values of ${t.name} cannot be read.`);
  const dims = t.dims.map(toNumber);
  // RangeStats takes channels on axis 1: view the weight as [outer, C, inner].
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const channels = dims[axis] ?? 1;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const stats = new RangeStats();
  stats.add(w, [outer, channels, inner]);
  return { name: t.name, ...rangeOf(stats) };
}

function simulationLayer(out: ChannelNoise, inp: ChannelNoise): SimulationLayer {
  const dbs = out.channelDb();
  let worst = 0;
  dbs.forEach((d, c) => {
    if (d < dbs[worst]!) worst = c;
  });
  const channelSqnrDb = out.medianDb;
  const inputChannelSqnrDb = inp.medianDb;
  return {
    sqnrDb: out.db,
    channelSqnrDb,
    inputChannelSqnrDb,
    dropDb: inputChannelSqnrDb - channelSqnrDb,
    worstChannel: worst,
    worstChannelSqnrDb: dbs[worst] ?? 0,
    nonFinite: out.nonFiniteCount,
    nonFiniteChannels: Array.from(out.nonFinite).filter((n) => n > 0).length,
  };
}

/** Within one layer, the cause before its effect: a weight beyond range before the activations. */
const KIND_ORDER: Record<FindingKind, number> = {
  'weight-overflow': 0,
  'bias-overflow': 1,
  'activation-overflow': 2,
  'non-finite': 3,
  'range-hog': 4,
  'sqnr-drop': 5,
  subnormal: 6,
  layer: 7,
};

/**
 * Findings in rank order: tier first; in tiers 3 and 2 graph order (the first layer that loses
 * values or resolution is where the fault is, the later ones inherit it), then the cause before
 * the effect, then the larger value; in tiers 1 and 0 the larger value.
 */
export function rank(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      b.tier - a.tier ||
      (a.tier >= 2 ? a.index - b.index || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] : 0) ||
      b.value - a.value ||
      a.index - b.index,
  );
}

const breaks = (s: SimulationLayer) => s.dropDb >= DROP_DB && s.channelSqnrDb < BREAK_BELOW_DB;

function fp16Findings(l: PrecisionLayer): Finding[] {
  const f: Finding[] = [];
  const at = (kind: FindingKind, tier: number, channel: number | null, value: number) =>
    f.push({ layer: l.name, index: l.index, channel, kind, tier, value });
  let lost = false;
  if (l.weights.maxAbs >= FP16_OVERFLOW) {
    at('weight-overflow', 3, l.weights.channel, l.weights.maxAbs);
    lost = true;
  }
  if (l.bias && l.bias.maxAbs >= FP16_OVERFLOW) {
    at('bias-overflow', 3, l.bias.channel, l.bias.maxAbs);
    lost = true;
  }
  if (l.activations.maxAbs >= FP16_OVERFLOW) {
    at('activation-overflow', 3, l.activations.channel, l.activations.maxAbs);
    lost = true;
  }
  if (!lost && l.fp16.nonFinite > 0) {
    const first = l.perChannel.fp16NonFinite.findIndex((n) => n > 0);
    at('non-finite', 3, first, l.fp16.nonFinite);
    lost = true;
  }
  if (!lost && breaks(l.fp16)) at('sqnr-drop', 2, l.fp16.worstChannel, l.fp16.dropDb);
  else if (!lost && l.activations.subnormalShare >= SUBNORMAL_SHARE)
    at('subnormal', 1, null, l.activations.subnormalShare);
  else if (!lost) at('layer', 0, l.fp16.worstChannel, l.fp16.dropDb);
  return f;
}

function int8Findings(l: PrecisionLayer): Finding[] {
  const base = { layer: l.name, index: l.index };
  const q = l.int8;
  const hog = q.rangeShare >= RANGE_HOG;
  if (q.nonFinite > 0)
    return [{ ...base, channel: q.worstChannel, kind: 'non-finite', tier: 3, value: q.nonFinite }];
  if (breaks(q))
    return [
      {
        ...base,
        channel: hog ? q.rangeChannel : q.worstChannel,
        kind: hog ? 'range-hog' : 'sqnr-drop',
        tier: 2,
        value: q.dropDb,
      },
    ];
  if (hog && q.quant)
    return [{ ...base, channel: q.rangeChannel, kind: 'range-hog', tier: 1, value: q.rangeShare }];
  return [{ ...base, channel: q.worstChannel, kind: 'layer', tier: 0, value: q.dropDb }];
}

function side(findings: Finding[], agreement: Agreement): PrecisionSide {
  const ranking = rank(findings);
  const breaks = findings.filter((f) => f.tier >= 2).sort((a, b) => a.index - b.index);
  return { ranking, firstBreak: breaks[0]?.layer ?? null, agreement };
}

export async function checkPrecision(
  source: Uint8Array,
  opts: PrecisionOptions,
): Promise<PrecisionReport> {
  const plan = planQuantization(source);
  const model = decodeModel(source);
  const method = opts.method ?? 'percentile';
  const percentile = opts.percentile ?? DEFAULT_PERCENTILE;

  // int8: the quantizer's calibration and rewrite, nothing kept in float.
  const { histograms, count } = await calibrate(source, plan, {
    method,
    percentile,
    images: opts.images,
    imageCount: opts.imageCount,
    size: opts.size,
    createRunner: opts.createRunner,
    sourceSha256: '',
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (p) => opts.onProgress?.({ ...p, phase: 'calibrate' }),
  });
  const params = new Map<string, QParams>(
    plan.activations.map((t) => {
      const r = calibratedRange(histograms.get(t)!, method, percentile);
      return [t, activationParams(r.lo, r.hi)];
    }),
  );
  const qdq = rewriteQdq(source, plan, params, new Set(), {});
  const fp16 = fp16Simulation(source);

  const tensors = [...new Set(plan.layers.flatMap((l) => [l.input, l.output]))];
  const names = [...tensors.filter((t) => t !== plan.outputName), plan.outputName];
  const runners = await Promise.all([
    opts.createRunner(withOutputs(source, names)),
    opts.createRunner(
      withOutputs(
        fp16.bytes,
        names.map((t) => fp16.rounded.get(t) ?? t),
      ),
    ),
    opts.createRunner(
      withOutputs(
        qdq.bytes,
        names.map((t) => qdq.dequantized.get(t) ?? t),
      ),
    ),
  ]);
  const [floatRun, halfRun, int8Run] = runners;
  const ranges = new Map(names.map((t) => [t, new RangeStats()]));
  const halfNoise = new Map(names.map((t) => [t, new ChannelNoise()]));
  const int8Noise = new Map(names.map((t) => [t, new ChannelNoise()]));
  const halfAgree = new AgreementSum();
  const int8Agree = new AgreementSum();
  let done = 0;
  try {
    for await (const img of opts.images()) {
      checkAbort(opts.signal);
      const dims = [1, 3, opts.size, opts.size];
      const f = await floatRun.runOutputs(
        img.tensor,
        dims,
        names.map((t) => t),
      );
      const h = await halfRun.runOutputs(
        img.tensor,
        dims,
        names.map((t) => fp16.rounded.get(t) ?? t),
      );
      const q = await int8Run.runOutputs(
        img.tensor,
        dims,
        names.map((t) => qdq.dequantized.get(t) ?? t),
      );
      names.forEach((t, i) => {
        ranges.get(t)!.add(f[i]!.data, f[i]!.dims);
        halfNoise.get(t)!.add(f[i]!.data, h[i]!.data, f[i]!.dims);
        int8Noise.get(t)!.add(f[i]!.data, q[i]!.data, f[i]!.dims);
      });
      const last = names.length - 1;
      halfAgree.add(img.name, f[last]!.data, h[last]!.data);
      int8Agree.add(img.name, f[last]!.data, q[last]!.data);
      done++;
      opts.onProgress?.({ phase: 'measure', done, total: opts.imageCount });
    }
  } finally {
    await Promise.all(runners.map((r) => r.dispose()));
  }
  if (done === 0) throw new LensError('bad-dataset', 'No image could be used: nothing to measure.');

  const layers: PrecisionLayer[] = plan.layers.map((l, index) => {
    const weight = initializerOf(model, l.weight);
    const bias = l.bias ? initializerOf(model, l.bias) : null;
    if (!weight)
      throw new LensError('model-incompatible', `The weights of ${l.name} cannot be read.`);
    const act = ranges.get(l.output)!;
    const activations = rangeOf(act);
    const halfOut = halfNoise.get(l.output)!;
    const int8Out = int8Noise.get(l.output)!;
    const int8 = simulationLayer(int8Out, int8Noise.get(l.input)!);
    return {
      index,
      name: l.name,
      op: l.op,
      output: l.output,
      channels: act.maxAbs.length,
      weights: weightRange(weight, l.axis),
      bias: bias ? weightRange(bias, 0) : null,
      activations,
      fp16: simulationLayer(halfOut, halfNoise.get(l.input)!),
      int8: {
        ...int8,
        rangeChannel: activations.channel,
        rangeShare:
          activations.medianChannelMaxAbs > 0
            ? activations.maxAbs / activations.medianChannelMaxAbs
            : activations.maxAbs > 0
              ? Infinity
              : 1,
        quant: params.get(l.output) ?? null,
      },
      perChannel: {
        maxAbs: Array.from(act.maxAbs),
        fp16SqnrDb: halfOut.channelDb(),
        int8SqnrDb: int8Out.channelDb(),
        fp16NonFinite: Array.from(halfOut.nonFinite),
      },
    };
  });

  const fromOnnx = bnReport('onnx', batchNormsOfOnnx(model));
  const batchNorm = opts.batchNorm ?? fromOnnx;
  return {
    images: count,
    method,
    percentile: method === 'percentile' ? percentile : null,
    dropDb: DROP_DB,
    breakBelowDb: BREAK_BELOW_DB,
    layers,
    fp16: side(layers.flatMap(fp16Findings), halfAgree.result()),
    int8: side(layers.flatMap(int8Findings), int8Agree.result()),
    batchNorm,
    batchNormNote: batchNorm
      ? null
      : 'No BatchNorm parameters: the ONNX file has its BatchNorms folded (pass the checkpoint to check them).',
  };
}

/** fp16's limits, for readers of the report. */
export const FP16_LIMITS = {
  max: FP16_MAX,
  minNormal: FP16_MIN_NORMAL,
  overflowFrom: FP16_OVERFLOW,
  zeroBelow: FP16_UNDERFLOW,
} as const;
