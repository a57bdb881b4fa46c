/** The Markdown form of a benchmark report (docs/benchmarks.md). */
import type { LoadTiming, Stats } from './bench-browser';
import type { MemoryRow } from './bench-memory';
import type { ProfileReport } from './bench-profile';
import { describeFastPath, type FastPathInfo } from '../core/fast';
import type { FastExactness } from './bench-fast';
import type { Int8Summary } from './bench-int8';
import { layerMarkdown, type LayerTable } from './bench-layers';

export interface ModelBench {
  file: string;
  gmacs: number;
  node1: Stats | null;
  node2: Stats | null;
  /** onnxruntime-node, 2 threads, on the Winograd-rewritten model (the CLI's fast path). */
  node2_fast: Stats | null;
  /** The page's default, 1 thread. */
  wasm1: Stats | null;
  /** The page's default path (the lens kernels where they take the model, with their Winograd). */
  wasm2: Stats | null;
  /** Which kernels ran the default path: `ModelInfo.runner.name` ('lens' or 'onnxruntime'). */
  wasm2_runner?: string;
  /** The page with `?fast=0`: every layer as written. */
  wasm2_stock: Stats | null;
  /** The page on onnxruntime-web's kernels (`?kernels=onnxruntime`, Winograd rewrite), 1 and 2 threads. */
  wasm1_ort?: Stats | null;
  wasm2_ort?: Stats | null;
  /** The page on the lens kernels' plain SIMD128 build (`?kernels=lens-simd128`), 2 and 1 threads. */
  wasm2_simd128?: Stats | null;
  wasm1_simd128?: Stats | null;
  /** The page given the int8 model, 1 thread, and on the SIMD128 build, 1 and 2 threads. */
  wasm1_int8?: Stats | null;
  wasm1_int8_simd128?: Stats | null;
  wasm2_int8_simd128?: Stats | null;
  /** The int8 model on onnxruntime-web's kernels (`?kernels=onnxruntime`). */
  wasm2_ort_int8?: Stats | null;
  /** The page given the already-rewritten file: the fast path, whatever the engine does. */
  wasm2_fast_file: Stats | null;
  /** onnxruntime-node, 2 threads, on the int8 (QDQ) model. */
  node2_int8?: Stats | null;
  /** The page given the int8 model, 2 threads. */
  wasm2_int8?: Stats | null;
  /** How the int8 model was made and how closely it follows the float one. */
  int8?: Int8Summary | null;
  webgpu: Stats | null;
  torch2: Stats | null;
  /** What the rewrite did (rule, layers, time) for the fast-path figures. */
  fast: FastPathInfo | null;
  /** The rewritten model against the unmodified one on the fixture photos (onnxruntime-node). */
  fast_exactness: FastExactness | null;
  node2_ms: number | null;
  node2_fast_ms: number | null;
  wasm2_ms: number | null;
  wasm2_stock_ms: number | null;
  wasm2_fast_file_ms: number | null;
  node2_int8_ms?: number | null;
  wasm2_int8_ms?: number | null;
  wasm2_ort_ms?: number | null;
  torch_ms: number | null;
  wasm2_over_node2: number | null;
  gflops_node2: number | null;
  gflops_wasm2: number | null;
}

export interface BenchReport {
  date: string;
  /** The lens kernels layer by layer on the largest model benched (the page's per-layer rule). */
  layers?: LayerTable | null;
  quick: boolean;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    os: string;
    node: string;
    chromium: string;
    onnxruntime: string;
  };
  tiny: ModelBench;
  b1: ModelBench | null;
  preprocess12mp: {
    file: string;
    megapixels: number;
    worker: Stats | null;
    workerDecode: Stats | null;
    workerPreprocess: Stats | null;
    pillowTorchvision: Stats | null;
    node: Stats | null;
  } | null;
  load: {
    model: string;
    coldMs: number;
    warmMs: number;
    /** Where the time went, per way of loading (the warm one: the median of the warm runs). */
    breakdown: {
      cold: LoadTiming;
      warm: LoadTiming;
      /** Warm, interleaved with `warm`, with the fast path made before the first answer. */
      warmFastFirst?: LoadTiming;
      localFile: LoadTiming | null;
    };
  } | null;
  longTasks: { images: number; count: number; maxMs: number } | null;
  /** Per-operator time in the WASM kernels, direct and fast path (bench-profile.ts). */
  profile: (ProfileReport & { model: string }) | null;
  /** The page's peak memory for full-size models (bench-memory.ts); full runs only. */
  memory: MemoryRow[] | null;
  notes: string[];
}

function profileSection(p: ProfileReport & { model: string }): string {
  const ops = [...new Set([...p.direct, ...p.fast].map((o) => o.op))];
  const total = (list: ProfileReport['direct']) => list.reduce((a, o) => a + o.ms, 0);
  const cell = (list: ProfileReport['direct'], op: string) => {
    const o = list.find((x) => x.op === op);
    return o ? `${o.ms.toFixed(1)} (${o.nodes})` : '';
  };
  const byFast = ops.sort(
    (a, b) =>
      (p.fast.find((o) => o.op === b)?.ms ?? 0) - (p.fast.find((o) => o.op === a)?.ms ?? 0) ||
      (p.direct.find((o) => o.op === b)?.ms ?? 0) - (p.direct.find((o) => o.op === a)?.ms ?? 0),
  );
  return `## Where the time goes, per operator (WASM)

${p.model}, onnxruntime's profiler in onnxruntime-web's WASM build (the page's kernels, run in Node), ${p.threads} threads, mean of ${p.runs} runs after one untimed run; ms per inference (nodes). Kernel time only: the runtime's own overhead between kernels is not in it.

| operator | direct (the file as it is) | fast path (Winograd) |
| --- | --- | --- |
${byFast.map((op) => `| ${op} | ${cell(p.direct, op)} | ${cell(p.fast, op)} |`).join('\n')}
| **total** | **${total(p.direct).toFixed(1)}** | **${total(p.fast).toFixed(1)}** |

`;
}

function memorySection(rows: readonly MemoryRow[]): string {
  return `Peak memory of the page's renderer process (page and workers; peak RSS from /proc, navigation to the first result), one fresh browser context per row:

| model | file MB | path | renderer peak MB | fast path |
| --- | --- | --- | --- | --- |
${rows.map((r) => `| ${r.model} | ${r.fileMb} | ${r.fast ? 'fast path' : '?fast=0'} | ${r.peakMb} | ${r.fastPath} |`).join('\n')}
`;
}

function loadSection(load: NonNullable<BenchReport['load']>): string {
  const row = (label: string, t: LoadTiming | null) =>
    t
      ? `| ${label} | ${t.totalMs} | ${t.beforeMs} | ${t.background ? `after (${t.background.rewriteMs})` : t.rewriteMs} | ${t.sessionMs} | ${t.background ? `after (${t.background.checkMs ?? 'n/a'})` : (t.checkMs ?? 'n/a')} | ${t.warmupMs} | ${t.firstResultMs} | ${t.background ? t.background.inUseMs : 'from the first result'} |`
      : `| ${label} | n/a | | | | | | | |`;
  return `- Time to first result (${load.model}): cold ${load.coldMs} ms, warm ${load.warmMs} ms.

| load | total ms | page, worker, model read | Winograd rewrite | session creation | fast path self-check | warm-up run | first result | fast path in use from (ms) |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${row('cold (download)', load.breakdown.cold)}
${row('warm (Cache Storage)', load.breakdown.warm)}
${load.breakdown.warmFastFirst ? `${row('warm, fast path first (`?fastbg=100000`)', load.breakdown.warmFastFirst)}\n` : ''}${row('local file', load.breakdown.localFile)}
`;
}

const f = (s: Stats | null) =>
  s ? `${s.median.toFixed(1)} (${s.min.toFixed(1)}-${s.max.toFixed(1)})` : 'n/a';
const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a && b ? a / b : null;
const r = (x: number | null, digits = 2) =>
  x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(digits);

function modelRows(name: string, m: ModelBench): string {
  return [
    `| ${name} | onnxruntime-node, 1 thread | ${f(m.node1)} |`,
    `| ${name} | onnxruntime-node, 2 threads, unmodified export | ${f(m.node2)} |`,
    `| ${name} | onnxruntime-node, 2 threads, Winograd fast path | ${f(m.node2_fast ?? null)} |`,
    `| ${name} | the page's default (${kernels(m.wasm2_runner)}), 1 thread | ${f(m.wasm1)} |`,
    `| ${name} | **the page's default (${kernels(m.wasm2_runner)}), 2 threads** | ${f(m.wasm2)} |`,
    `| ${name} | the page, lens kernels SIMD128 build (\`?kernels=lens-simd128\`), 1 thread | ${f(m.wasm1_simd128 ?? null)} |`,
    `| ${name} | the page, lens kernels SIMD128 build (\`?kernels=lens-simd128\`), 2 threads | ${f(m.wasm2_simd128 ?? null)} |`,
    `| ${name} | the page, \`?fast=0\` (every layer as written), 2 threads | ${f(m.wasm2_stock ?? null)} |`,
    `| ${name} | the page on onnxruntime-web (\`?kernels=onnxruntime\`, Winograd rewrite), 1 thread | ${f(m.wasm1_ort ?? null)} |`,
    `| ${name} | the page on onnxruntime-web (\`?kernels=onnxruntime\`, Winograd rewrite), 2 threads | ${f(m.wasm2_ort ?? null)} |`,
    `| ${name} | the page given the rewritten file (onnxruntime-web runs it), 2 threads | ${f(m.wasm2_fast_file ?? null)} |`,
    `| ${name} | onnxruntime-node, 2 threads, int8 (QDQ) | ${f(m.node2_int8 ?? null)} |`,
    `| ${name} | the page's default, int8 (QDQ), 1 thread | ${f(m.wasm1_int8 ?? null)} |`,
    `| ${name} | the page's default, int8 (QDQ), 2 threads | ${f(m.wasm2_int8 ?? null)} |`,
    `| ${name} | the page, int8 (QDQ), lens kernels SIMD128 build, 1 thread | ${f(m.wasm1_int8_simd128 ?? null)} |`,
    `| ${name} | the page, int8 (QDQ), lens kernels SIMD128 build, 2 threads | ${f(m.wasm2_int8_simd128 ?? null)} |`,
    `| ${name} | the page on onnxruntime-web, int8 (QDQ), 2 threads | ${f(m.wasm2_ort_int8 ?? null)} |`,
    `| ${name} | onnxruntime-web WebGPU in chromium | ${f(m.webgpu)} |`,
    `| ${name} | PyTorch CPU, 2 threads | ${f(m.torch2)} |`,
  ].join('\n');
}

const kernels = (runner: string | undefined) =>
  runner === 'lens' ? 'lens kernels' : runner ? 'onnxruntime-web' : 'kernels not recorded';

const fastLine = (name: string, m: ModelBench) =>
  m.fast
    ? `- ${name}: ${describeFastPath(m.fast)}; rewrite ${m.fast.rewriteMs.toFixed(0)} ms, transformed weights ${(m.fast.transformedWeightBytes / 2 ** 20).toFixed(0)} MiB.` +
      (m.fast_exactness
        ? ` Against the unmodified model on ${m.fast_exactness.images} photos: max |Δlogit| ${m.fast_exactness.maxAbsLogit.toExponential(1)} (${m.fast_exactness.maxRelLogit.toExponential(1)} of the largest logit), max |Δp| ${m.fast_exactness.maxAbsProb.toExponential(1)}, top-5 identical on ${m.fast_exactness.top5Same}.`
        : '')
    : `- ${name}: fast path not measured.`;

const int8Line = (name: string, m: ModelBench) =>
  m.int8
    ? `- ${name}: ${m.int8.method} on ${m.int8.images} photos, ${(m.int8.bytes / 2 ** 20).toFixed(1)} MiB, made in ${m.int8.quantizeSeconds.toFixed(1)} s. Against float: logits SQNR mean ${m.int8.meanLogitsSqnrDb.toFixed(2)} dB (worst photo ${m.int8.worstLogitsSqnrDb.toFixed(2)} dB), top-1 agreement ${(m.int8.top1Agreement * 100).toFixed(1)} %, top-5 overlap ${(m.int8.top5Overlap * 100).toFixed(1)} %, max |Δp| ${m.int8.maxAbsProbabilityDiff.toExponential(1)}; noisiest layers ${m.int8.worstLayers.join(', ')}.`
    : `- ${name}: int8 not measured.`;

/**
 * The note on the machine's load. The bench itself keeps up to all cores busy, so only a load
 * average above the core count says that other jobs shared the machine.
 */
export function loadNote(atStart: number, beforeApp: number, cores: number): string {
  const head = `Load average (1 min) ${atStart.toFixed(1)} at the start, ${beforeApp.toFixed(1)} before the in-app figures, on ${cores} cores`;
  return Math.max(atStart, beforeApp) > cores
    ? `${head}: above the core count, other jobs shared the machine and absolute times are inflated; the ratios were measured interleaved.`
    : `${head}: not above the core count (the bench's own threads count in it), so no other job competed much; the ratios were measured interleaved all the same.`;
}

export function benchMarkdown(b: BenchReport): string {
  const models = [['tiny', b.tiny] as const, ...(b.b1 ? [['B1', b.b1] as const] : [])];
  return `# Benchmarks

Generated by \`npm run bench\`${b.quick ? ' --quick' : ''} on ${b.date.slice(0, 10)}. All figures were measured side by side in one run on one machine;
each is the median of the timed runs after warm-up, with (min-max), in milliseconds per image (batch 1, 224x224).
Per model, the 1-thread rows and then the 2-thread rows (onnxruntime-node, PyTorch and the page alike) were timed
interleaved, in blocks A B C ... A B C with a 100 ms pause between blocks (onnxruntime's idle threads spin after a run), each block
starting once the machine is quiet (see the notes).

Machine: ${b.machine.cpu}, ${b.machine.cores} cores, ${b.machine.memoryGiB} GiB; ${b.machine.os}; Node ${b.machine.node}; ${b.machine.chromium}; onnxruntime-web ${b.machine.onnxruntime}.

## Inference

| model | runtime | ms: median (min-max) |
| --- | --- | --- |
${models.map(([n, m]) => modelRows(n, m)).join('\n')}

| model | GMACs | page default / node-2 | page default / PyTorch | page on onnxruntime-web / node-2 | page int8 / page default | WASM-2 stock / node-2 | GFLOP/s node-2 | GFLOP/s page default |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${models.map(([n, m]) => `| ${n} | ${r(m.gmacs, 3)} | ${r(m.wasm2_over_node2)} | ${r(ratio(m.wasm2_ms, m.torch_ms))} | ${r(ratio(m.wasm2_ort_ms, m.node2_ms))} | ${r(ratio(m.wasm2_int8_ms, m.wasm2_ms))} | ${r(ratio(m.wasm2_stock_ms, m.node2_ms))} | ${r(m.gflops_node2, 1)} | ${r(m.gflops_wasm2, 1)} |`).join('\n')}

Fast path (Winograd convolutions, rewritten at load time; see docs/winograd.md):

${models.map(([n, m]) => fastLine(n, m)).join('\n')}

int8 (static QDQ: uint8 activations, int8 per-channel weights; see docs/quantization.md):

${models.map(([n, m]) => int8Line(n, m)).join('\n')}

${b.layers ? `## Lens kernels per layer\n\n${layerMarkdown(b.layers)}\n` : ''}
${b.profile ? profileSection(b.profile) : ''}
## Preprocessing a 12-megapixel photo

${
  b.preprocess12mp
    ? `${b.preprocess12mp.file}; decode + Resize(256) + CenterCrop(224) + ToTensor + Normalize.

| where | ms: median (min-max) |
| --- | --- |
| app worker (decode + preprocess) | ${f(b.preprocess12mp.worker)} |
| app worker, decode only | ${f(b.preprocess12mp.workerDecode)} |
| app worker, preprocess only | ${f(b.preprocess12mp.workerPreprocess)} |
| Node CLI path (sharp + same TypeScript) | ${f(b.preprocess12mp.node)} |
| Pillow + torchvision | ${f(b.preprocess12mp.pillowTorchvision)} |`
    : 'not measured'
}

## In the app

${b.load ? loadSection(b.load) : ''}
${b.memory ? memorySection(b.memory) : ''}
${b.longTasks ? `- Main-thread long tasks (> 50 ms) while classifying ${b.longTasks.images} images: ${b.longTasks.count} (longest ${b.longTasks.maxMs.toFixed(0)} ms).` : ''}

## Notes

${b.notes.map((n) => `- ${n}`).join('\n')}
`;
}
