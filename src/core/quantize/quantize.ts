/**
 * Post-training static quantization, start to finish, with sessions from the caller:
 *
 * 1. calibrate: the float model with every layer's input and output as extra outputs runs over the
 *    calibration images; each activation feeds a bounded histogram (histogram.ts);
 * 2. the ranges (calibrate.ts) become uint8 parameters and the QDQ model is written (graph.ts);
 * 3. measure: float and int8 run side by side over the same images; per layer, the SQNR of its
 *    output (the int8 model's dequantized tensor against the float one, summed over all images);
 *    overall, the agreement of the two models' logits (measured on the int8 model as written).
 *
 * `keepFloat: { auto: k }` measures the all-int8 model first, keeps the k layers that add the most
 * noise in float, and measures again.
 */
import { LensError } from '../errors';
import { decodeModel } from '../onnx/edit';
import { calibratedRange, DEFAULT_PERCENTILE, type CalibrationMethod } from './calibrate';
import {
  planQuantization,
  quantizedTensors,
  rewriteQdq,
  withOutputs,
  type QuantLayer,
  type QuantPlan,
} from './graph';
import { AbsHistogram } from './histogram';
import { AgreementSum, NoiseSum, sqnrDb, SQNR_CAP_DB, type Agreement } from './measure';
import { activationParams, type QParams } from './qparams';

/**
 * What the quantizer needs of a session: named outputs for one input, and its release. The
 * engine's `LoadedSession` is one (web and node alike), so calibration runs on the same sessions.
 */
export interface QuantRunner {
  /** Runs one [1, 3, H, W] image and returns the named outputs, in order. */
  runOutputs(
    input: Float32Array,
    dims: readonly number[],
    names: readonly string[],
  ): Promise<{ data: Float32Array; dims: readonly number[] }[]>;
  dispose(): Promise<void>;
}
export type QuantRunnerFactory = (bytes: Uint8Array) => Promise<QuantRunner>;

export interface CalibrationImage {
  name: string;
  /** The preprocessed image, [3, size, size] (the model's preset). */
  tensor: Float32Array;
}

export type KeepFloat = { names: readonly string[] } | { auto: number };

export interface QuantizeOptions {
  method: CalibrationMethod;
  percentile?: number;
  keepFloat?: KeepFloat | null;
  /** The images, in the same order each time it is called (each pass iterates anew). */
  images: () => AsyncIterable<CalibrationImage>;
  /** How many images `images` yields, for progress. */
  imageCount: number;
  size: number;
  createRunner: QuantRunnerFactory;
  sourceSha256: string;
  /** ISO date for the metadata (defaults to now). */
  date?: string;
  onProgress?: (p: { phase: QuantPhase; done: number; total: number }) => void;
  signal?: AbortSignal;
}

export type QuantPhase = 'calibrate' | 'rank' | 'measure';

export interface ActivationReport {
  tensor: string;
  scale: number;
  zeroPoint: number;
  /** The real range the uint8 values cover. */
  range: [number, number];
  /** The observed range over the calibration set. */
  observed: [number, number];
}

export interface LayerReport {
  name: string;
  op: QuantLayer['op'];
  /** Left in float, as asked (layer names, or the k worst). */
  float: boolean;
  /** SQNR of the layer's output in the int8 model against float, over all calibration images. */
  sqnrDb: number;
  /** The SQNR of the median output channel (noise/signal per channel): a typical channel's. */
  channelSqnrDb: number;
  /** The whole-tensor SQNR of the layer's input (as the int8 model feeds it). */
  inputSqnrDb: number;
  /**
   * The noise the layer adds itself, as an SQNR: −10·log10(r_out − r_in), r = the median channel's
   * noise/signal power (200 dB when the output is no noisier than the input).
   * Worst layers first by this; `{ auto: k }` keeps the k lowest in float.
   */
  addedSqnrDb: number;
  input: ActivationReport | null;
  output: ActivationReport | null;
  /** The smallest and largest per-channel weight scale (int8, zero point 0). */
  weightScales: [number, number] | null;
}

export interface QuantReport {
  method: CalibrationMethod;
  percentile: number | null;
  images: number;
  keptFloat: string[];
  /** In graph order. */
  layers: LayerReport[];
  /** Layer names, the most added noise first. */
  worst: string[];
  /** int8 model as written against the float model, on the calibration images. */
  agreement: Agreement;
  /** Node counts of the written model (QuantizeLinear, DequantizeLinear, Conv, ...). */
  ops: Record<string, number>;
  metadata: Record<string, string>;
}

export interface QuantizeResult {
  bytes: Uint8Array;
  report: QuantReport;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LensError('aborted', 'Quantization cancelled.');
}

/** Step 1 (also the precision check's int8 simulation): the activations' histograms. */
export async function calibrate(
  source: Uint8Array,
  plan: QuantPlan,
  opts: QuantizeOptions,
): Promise<{ histograms: Map<string, AbsHistogram>; count: number }> {
  const runner = await opts.createRunner(withOutputs(source, plan.activations));
  const histograms = new Map(plan.activations.map((t) => [t, new AbsHistogram()]));
  let count = 0;
  try {
    for await (const img of opts.images()) {
      checkAbort(opts.signal);
      const outs = await runner.runOutputs(
        img.tensor,
        [1, 3, opts.size, opts.size],
        plan.activations,
      );
      plan.activations.forEach((t, i) => histograms.get(t)!.add(outs[i]!.data));
      count++;
      opts.onProgress?.({ phase: 'calibrate', done: count, total: opts.imageCount });
    }
  } finally {
    await runner.dispose();
  }
  if (count === 0)
    throw new LensError('bad-dataset', 'No calibration image could be used: nothing to calibrate.');
  return { histograms, count };
}

interface Measured {
  noise: Map<string, NoiseSum>;
  agreement: Agreement;
}

async function measure(
  source: Uint8Array,
  plan: QuantPlan,
  qdq: { bytes: Uint8Array; dequantized: Map<string, string> },
  opts: QuantizeOptions,
  phase: QuantPhase,
): Promise<Measured> {
  const tensors = [...new Set(plan.layers.flatMap((l) => [l.input, l.output]))];
  const floatNames = [...tensors.filter((t) => t !== plan.outputName), plan.outputName];
  const int8Names = floatNames.map((t) => qdq.dequantized.get(t) ?? t);
  const runners = await Promise.all([
    opts.createRunner(withOutputs(source, floatNames)),
    opts.createRunner(withOutputs(qdq.bytes, int8Names)),
    opts.createRunner(qdq.bytes),
  ]);
  const [floatProbe, int8Probe, int8] = runners;
  const noise = new Map(floatNames.map((t) => [t, new NoiseSum()]));
  const agreement = new AgreementSum();
  let done = 0;
  try {
    for await (const img of opts.images()) {
      checkAbort(opts.signal);
      const dims = [1, 3, opts.size, opts.size];
      const f = await floatProbe.runOutputs(img.tensor, dims, floatNames);
      const q = await int8Probe.runOutputs(img.tensor, dims, int8Names);
      floatNames.forEach((t, i) => noise.get(t)!.add(f[i]!.data, q[i]!.data, f[i]!.dims));
      const [logits] = await int8.runOutputs(img.tensor, dims, [plan.outputName]);
      agreement.add(img.name, f[f.length - 1]!.data, logits!.data);
      opts.onProgress?.({ phase, done: ++done, total: opts.imageCount });
    }
  } finally {
    await Promise.all(runners.map((r) => r.dispose()));
  }
  return { noise, agreement: agreement.result() };
}

function addedDb(inp: NoiseSum, out: NoiseSum): number {
  const added = out.channelRelative - inp.channelRelative;
  return added > 0 ? sqnrDb(1, added) : SQNR_CAP_DB;
}

/** Node counts by operator of a model. */
function countOps(bytes: Uint8Array): Record<string, number> {
  const ops: Record<string, number> = {};
  for (const n of decodeModel(bytes).graph?.node ?? []) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
  return ops;
}

/** Resolves the names to keep in float (layer names or their output tensors) to layer names. */
function keptByName(plan: QuantPlan, names: readonly string[]): Set<string> {
  const keep = new Set<string>();
  for (const n of names) {
    const layer = plan.layers.find((l) => l.name === n || l.output === n || l.weight === n);
    if (!layer)
      throw new LensError(
        'bad-dataset',
        `No layer "${n}" to keep in float. The layers are: ${plan.layers.map((l) => l.name).join(', ')}.`,
      );
    keep.add(layer.name);
  }
  return keep;
}

export async function quantizeModel(
  source: Uint8Array,
  opts: QuantizeOptions,
): Promise<QuantizeResult> {
  const plan = planQuantization(source);
  const percentile = opts.percentile ?? DEFAULT_PERCENTILE;
  if (opts.method === 'percentile' && !(percentile > 0 && percentile <= 100))
    throw new LensError('bad-dataset', `The percentile must be in (0, 100], not ${percentile}.`);
  const keepFloat = opts.keepFloat ?? null;
  if (
    keepFloat &&
    'auto' in keepFloat &&
    !(Number.isInteger(keepFloat.auto) && keepFloat.auto >= 0)
  )
    throw new LensError(
      'bad-dataset',
      `Keeping the k worst layers in float needs a whole number k, not ${keepFloat.auto}.`,
    );
  let keep =
    keepFloat && 'names' in keepFloat ? keptByName(plan, keepFloat.names) : new Set<string>();

  const { histograms, count } = await calibrate(source, plan, opts);
  const ranges = new Map(
    plan.activations.map((t) => [t, calibratedRange(histograms.get(t)!, opts.method, percentile)]),
  );
  const params = new Map<string, QParams>(
    [...ranges].map(([t, r]) => [t, activationParams(r.lo, r.hi)]),
  );
  const date = opts.date ?? new Date().toISOString();
  const metadata = (kept: Set<string>): Record<string, string> => ({
    quantization:
      'int8 static QDQ: uint8 asymmetric activations, int8 symmetric per-channel weights',
    quantization_method: opts.method,
    quantization_images: String(count),
    quantization_percentile: opts.method === 'percentile' ? String(percentile) : '',
    quantization_keep_float: [...kept].join(','),
    quantization_date: date,
    quantization_source_sha256: opts.sourceSha256,
    quantizer: 'repopt-lens quantize 1.0.0',
    weights: 'int8',
  });

  let qdq = rewriteQdq(source, plan, params, keep, metadata(keep));
  let measured = await measure(
    source,
    plan,
    qdq,
    opts,
    keepFloat && 'auto' in keepFloat ? 'rank' : 'measure',
  );
  if (keepFloat && 'auto' in keepFloat && keepFloat.auto > 0) {
    const ranked = plan.layers
      .map((l) => ({ l, db: addedDb(measured.noise.get(l.input)!, measured.noise.get(l.output)!) }))
      .sort((a, b) => a.db - b.db);
    keep = new Set(ranked.slice(0, keepFloat.auto).map((r) => r.l.name));
    qdq = rewriteQdq(source, plan, params, keep, metadata(keep));
    measured = await measure(source, plan, qdq, opts, 'measure');
  }

  const quantized = quantizedTensors(plan, keep);
  const activation = (t: string): ActivationReport | null => {
    if (!quantized.has(t)) return null;
    const h = histograms.get(t)!;
    const r = ranges.get(t)!;
    const p = params.get(t)!;
    const lo = Math.min(r.lo, 0);
    const hi = Math.max(r.hi, 0);
    return {
      tensor: t,
      scale: p.scale,
      zeroPoint: p.zeroPoint,
      range: [lo, hi],
      observed: [h.min, h.max],
    };
  };
  const layers: LayerReport[] = plan.layers.map((l) => {
    const inp = measured.noise.get(l.input)!;
    const out = measured.noise.get(l.output)!;
    const ws = qdq.weightScales.get(l.name);
    return {
      name: l.name,
      op: l.op,
      float: keep.has(l.name),
      sqnrDb: out.db,
      channelSqnrDb: out.channelDb,
      inputSqnrDb: inp.db,
      addedSqnrDb: addedDb(inp, out),
      input: activation(l.input),
      output: activation(l.output),
      weightScales: ws ? [Math.min(...ws), Math.max(...ws)] : null,
    };
  });
  return {
    bytes: qdq.bytes,
    report: {
      method: opts.method,
      percentile: opts.method === 'percentile' ? percentile : null,
      images: count,
      keptFloat: [...keep],
      layers,
      worst: [...layers].sort((a, b) => a.addedSqnrDb - b.addedSqnrDb).map((l) => l.name),
      agreement: measured.agreement,
      ops: countOps(qdq.bytes),
      metadata: metadata(keep),
    },
  };
}
