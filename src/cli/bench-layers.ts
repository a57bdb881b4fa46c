/**
 * The lens kernels layer by layer on one model, in Node (the same WebAssembly the page runs):
 * each convolution's best time, the multiply-adds it stands for (direct) and the ones it does
 * (Winograd does fewer), and that rate as a share of the micro-kernel's own peak, measured here
 * first on a GEMM whose operands stay in L1. Used by `npm run bench` and `npm run bench:kernels`.
 */
import { convGeometry, type ConvMethod } from '../core/lens/conv';
import type { LensOp } from '../core/lens/graph';
import type { LensIsa, LensKernels } from '../core/lens/kernels';
import { NO_CLAMP, packRows4 } from '../core/lens/kernels';
import type { LensModel } from '../core/lens/runner';

export interface LayerRow {
  index: number;
  /** "128->128 3x3 s1". */
  conv: string;
  /** "56x56". */
  out: string;
  method: string;
  ms: number;
  /** Multiply-adds of the convolution as written, per second (Winograd's is "effective"). */
  directGmacs: number;
  /** Multiply-adds the kernel actually did, per second. */
  doneGmacs: number;
  /** `doneGmacs` over the micro-kernel's peak times the threads. */
  peakShare: number;
  /** The Conv node's name in the file. */
  name: string;
  /** onnxruntime-web's kernel time for the same node (its profiler, the file as it is), ms. */
  ortMs?: number;
}

export interface LayerTable {
  isa: LensIsa;
  threads: number;
  runs: number;
  /** The 4x8 GEMM micro-kernel on L1-resident operands (128 x 32 x 128), GMAC/s. */
  peakGmacs: number;
  rows: LayerRow[];
  /** All ops, ms (convolutions and the rest). */
  totalMs: number;
  directGmac: number;
  /** Threads of the onnxruntime-web profile behind `ortMs`, when there is one. */
  ortThreads?: number;
}

/** Multiply-adds a method does per output pixel of one (cin, cout) pair. */
const PER_PIXEL: Partial<Record<ConvMethod | 'int8-winograd-f23', number>> = {
  'winograd-f43': 36 / 16,
  'winograd-f23': 16 / 4,
  'int8-winograd-f23': 16 / 4,
};

/** The micro-kernel's rate where nothing waits on memory: best of `reps` calls. */
export function gemmPeak(k: LensKernels, reps = 200): number {
  const [m, n, kk] = [128, 32, 128];
  const a = k.put(packRows4(new Float32Array(m * kk).fill(0.5), m, kk));
  const b = k.put(new Float32Array(kk * n + 16).fill(0.25));
  const c = k.alloc(m * n);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    for (let i = 0; i < 20; i++)
      k.call({
        fn: 'lens_gemm_f32_4x8',
        args: [m, n, kk, a, b, n, 8, c, n, 0, -Infinity, Infinity],
      });
    best = Math.min(best, (performance.now() - t) / 20);
  }
  return (m * n * kk) / best / 1e6;
}

export function layerTable(model: LensModel, runs: number, size = 224): LayerTable {
  const input = Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i * 0.37) * 2);
  const best = new Map<LensOp, number>();
  for (let r = 0; r < runs + 1; r++)
    model.run(input, [1, 3, size, size], [], (op, ms) => {
      if (r > 0) best.set(op, Math.min(best.get(op) ?? Infinity, ms));
    });
  const peak = gemmPeak(model.kernels);
  const methods = model.convMethods;
  let [h, w] = [size, size];
  let totalMs = 0;
  let directGmac = 0;
  const rows: LayerRow[] = [];
  for (const op of model.graph.ops) {
    const ms = best.get(op) ?? 0;
    totalMs += ms;
    if (op.op !== 'conv' && op.op !== 'qconv') continue;
    // int8 layers (qconv): the same geometry; their "of peak" is against the f32 micro-kernel.
    const spec =
      op.op === 'conv'
        ? op.spec
        : { ...op.spec, weights: new Float32Array(0), bias: null, clamp: NO_CLAMP };
    const g = convGeometry(spec, h, w);
    const pairs = g.cout * (g.cin / op.spec.groups);
    const direct = pairs * g.ho * g.wo * g.kh * g.kw;
    const method = methods[rows.length]!;
    const per = PER_PIXEL[method as keyof typeof PER_PIXEL];
    const tile = method === 'winograd-f43' ? 4 : 2;
    const done = per
      ? pairs * Math.ceil(g.ho / tile) * Math.ceil(g.wo / tile) * tile * tile * per
      : direct;
    directGmac += direct / 1e9;
    const doneGmacs = done / ms / 1e6;
    rows.push({
      index: rows.length,
      conv: `${g.cin}->${g.cout} ${g.kh}x${g.kw} s${g.sh}${op.spec.groups > 1 ? ' dw' : ''}`,
      out: `${g.ho}x${g.wo}`,
      method,
      ms,
      directGmacs: direct / ms / 1e6,
      doneGmacs,
      peakShare: doneGmacs / (peak * model.threads),
      name: op.name,
    });
    [h, w] = [g.ho, g.wo];
  }
  return {
    isa: model.kernels.isa,
    threads: model.threads,
    runs,
    peakGmacs: peak,
    rows,
    totalMs,
    directGmac,
  };
}

/** The table with onnxruntime-web's time per Conv node (by name) beside each lens row. */
export function withOrtTimes(
  t: LayerTable,
  ortMs: ReadonlyMap<string, number>,
  threads: number,
): LayerTable {
  return {
    ...t,
    ortThreads: threads,
    rows: t.rows.map((r) => {
      const ms = ortMs.get(r.name);
      return ms === undefined ? r : { ...r, ortMs: ms };
    }),
  };
}

export function layerMarkdown(t: LayerTable): string {
  const ort = t.ortThreads !== undefined;
  const head = `Per convolution, lens kernels (${t.isa}, ${t.threads} thread(s), best of ${t.runs}, in Node: the page's WebAssembly). Peak: the 4x8 GEMM micro-kernel on L1-resident operands, ${t.peakGmacs.toFixed(1)} GMAC/s per thread ("of peak" is of ${t.threads} x that). "direct" counts the convolution's multiply-adds as written (Winograd's rate is effective), "done" the ones the kernel did.${ort ? ` "onnxruntime-web": the same Conv node in onnxruntime-web's WASM kernels (its profiler, ${t.ortThreads} thread(s), the file as it is, mean of the timed runs), and its time over ours.` : ''}`;
  // The two onnxruntime-web cells after a row's "of peak |" (empty where the node had no time).
  const cells = (r: LayerRow) =>
    r.ortMs === undefined ? ' | |' : ` ${r.ortMs.toFixed(2)} | ${(r.ortMs / r.ms).toFixed(1)}x |`;
  const rows = t.rows.map(
    (r) =>
      `| ${r.index} | ${r.conv} | ${r.out} | ${r.method} | ${r.ms.toFixed(2)} | ${r.directGmacs.toFixed(1)} | ${r.doneGmacs.toFixed(1)} | ${(r.peakShare * 100).toFixed(0)} % |${ort ? cells(r) : ''}`,
  );
  const ortSum = t.rows.reduce((a, r) => a + (r.ortMs ?? 0), 0);
  const convSum = t.rows.reduce((a, r) => a + r.ms, 0);
  return [
    head,
    '',
    `| # | conv | out | method | ms | GMAC/s direct | GMAC/s done | of peak |${ort ? ' onnxruntime-web ms | onnxruntime-web / lens |' : ''}`,
    `| - | - | - | - | - | - | - | - |${ort ? ' - | - |' : ''}`,
    ...rows,
    '',
    `All ops ${t.totalMs.toFixed(1)} ms; ${t.directGmac.toFixed(2)} G multiply-adds as written.${ort ? ` The convolutions: ${convSum.toFixed(1)} ms on the lens kernels, ${ortSum.toFixed(1)} ms on onnxruntime-web's.` : ''}`,
  ].join('\n');
}
