/**
 * The lens kernels against onnxruntime-node on one model, one thread each, interleaved in the
 * same process: ms per image (best and median), and a per-layer table of the lens convolutions
 * (ms, GMAC/s). Run with `npm run bench:kernels -- MODEL.onnx [--runs N] [--isa relaxed|simd128]`
 * (the script passes Node 20's --experimental-wasm-relaxed-simd); `--threads 1,2` adds rows
 * for each thread count, both backends; `--int8 MODEL.int8.onnx` (the same model quantized by
 * `repopt-lens quantize`) adds its rows on both backends, interleaved with the float ones.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { layerMarkdown, layerTable } from '../src/cli/bench-layers';
import { qdotMode } from '../src/core/lens/int8';
import type { LensIsa } from '../src/core/lens/kernels';
import { createLensNodeSession } from '../src/node/lens-node';
import { createNodeSession } from '../src/node/ort-node';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
if (!file) {
  console.error(
    'usage: npm run bench:kernels -- MODEL.onnx [--runs N] [--isa relaxed|simd128] [--threads 1,2] [--int8 MODEL.int8.onnx]',
  );
  process.exit(2);
}
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(opt('--runs') ?? 5);
const isas: LensIsa[] = opt('--isa') ? [opt('--isa') as LensIsa] : ['relaxed', 'simd128'];

const int8File = opt('--int8');
const models = [
  { label: 'fp32', file, bytes: readFileSync(file) },
  ...(int8File ? [{ label: 'int8', file: int8File, bytes: readFileSync(int8File) }] : []),
];
const size = 224;
const dims = [1, 3, size, size] as const;
const input = Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i * 0.37) * 2);
const threadCounts = (opt('--threads') ?? '1').split(',').map(Number);
const orts = [];
const lens = [];
for (const m of models) {
  for (const threads of threadCounts)
    orts.push({
      model: m.label,
      threads,
      session: await createNodeSession(m.bytes, threads),
      ms: [] as number[],
    });
  for (const threads of threadCounts)
    for (const isa of isas) {
      const t0 = performance.now();
      const load = await createLensNodeSession(m.bytes, { isa, threads });
      if (!load.claimed) throw new Error(`lens declined: ${JSON.stringify(load.reason)}`);
      lens.push({
        model: m.label,
        isa,
        threads,
        load,
        ms: [] as number[],
        loadMs: performance.now() - t0,
      });
    }
}
// Exactness on each model: softmax max |dp|, top-5 and identical logits against onnxruntime-node.
const softmax = (x: Float32Array) => {
  const m = Math.max(...x);
  const e = Array.from(x, (v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
};
const top5 = (p: number[]) =>
  p
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, 5)
    .map((e) => e[1]);
for (const m of models) {
  const ort = orts.find((o) => o.model === m.label)!.session;
  const logits = await ort.run(input, dims);
  const want = softmax(logits);
  for (const l of lens.filter((x) => x.model === m.label && x.threads === threadCounts[0])) {
    const out = await l.load.session.run(input, dims);
    const got = softmax(out);
    const dp = Math.max(...got.map((v, i) => Math.abs(v - want[i]!)));
    const same = top5(got).join() === top5(want).join();
    const equal = out.filter((v, i) => v === logits[i]).length / out.length;
    const mode = m.label === 'int8' ? `, dot mode ${qdotMode(l.load.model.kernels)}` : '';
    console.log(
      `${m.label} lens ${l.isa} vs onnxruntime-node: max |dp| ${dp.toExponential(2)}, top-5 ${same ? 'identical' : 'DIFFERENT'}, identical logits ${(equal * 100).toFixed(1)}%${mode}`,
    );
  }
}
for (let r = 0; r < runs + 1; r++) {
  for (const o of orts) {
    const t = performance.now();
    await o.session.run(input, dims);
    if (r > 0) o.ms.push(performance.now() - t);
  }
  for (const l of lens) {
    const t = performance.now();
    await l.load.session.run(input, dims);
    if (r > 0) l.ms.push(performance.now() - t);
  }
}
const stats = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return `best ${s[0]!.toFixed(1)} ms, median ${s[Math.floor(s.length / 2)]!.toFixed(1)} ms`;
};
console.log(
  `${cpus()[0]?.model ?? 'cpu'}; ${models.map((m) => m.file).join(', ')}; ${runs} runs after a warm-up, interleaved; load average ${loadavg()
    .map((v) => v.toFixed(1))
    .join(' ')}`,
);
for (const o of orts)
  console.log(`${o.model} onnxruntime-node ${o.threads} thread(s): ${stats(o.ms)}`);
for (const l of lens)
  console.log(
    `${l.model} lens ${l.isa} ${l.threads} thread(s): ${stats(l.ms)} (load ${l.loadMs.toFixed(0)} ms)`,
  );

// Per-layer table of the first build of each model: each convolution's best time over `runs`.
for (const m of models) {
  console.log(`
${m.label}:`);
  console.log(layerMarkdown(layerTable(lens.find((l) => l.model === m.label)!.load.model, runs)));
}
for (const o of orts) await o.session.dispose();
for (const l of lens) await l.load.session.dispose();
