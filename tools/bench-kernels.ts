/**
 * The lens kernels against onnxruntime-node on one model, one thread each, interleaved in the
 * same process: ms per image (best and median), and a per-layer table of the lens convolutions
 * (ms, GMAC/s). Run with `npm run bench:kernels -- MODEL.onnx [--runs N] [--isa relaxed|simd128]`
 * (the script passes Node 20's --experimental-wasm-relaxed-simd); `--threads 1,2` adds rows
 * for each thread count, both backends.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { layerMarkdown, layerTable } from '../src/cli/bench-layers';
import type { LensIsa } from '../src/core/lens/kernels';
import { createLensNodeSession } from '../src/node/lens-node';
import { createNodeSession } from '../src/node/ort-node';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
if (!file) {
  console.error(
    'usage: npm run bench:kernels -- MODEL.onnx [--runs N] [--isa relaxed|simd128] [--threads 1,2]',
  );
  process.exit(2);
}
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(opt('--runs') ?? 5);
const isas: LensIsa[] = opt('--isa') ? [opt('--isa') as LensIsa] : ['relaxed', 'simd128'];

const bytes = readFileSync(file);
const size = 224;
const dims = [1, 3, size, size] as const;
const input = Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i * 0.37) * 2);
const threadCounts = (opt('--threads') ?? '1').split(',').map(Number);
const orts = [];
for (const threads of threadCounts)
  orts.push({ threads, session: await createNodeSession(bytes, threads), ms: [] as number[] });
const ort = orts[0]!.session;
const lens = [];
for (const threads of threadCounts)
  for (const isa of isas) {
    const t0 = performance.now();
    const load = await createLensNodeSession(bytes, { isa, threads });
    if (!load.claimed) throw new Error(`lens declined: ${JSON.stringify(load.reason)}`);
    lens.push({ isa, threads, load, ms: [] as number[], loadMs: performance.now() - t0 });
  }
// Exactness on this model: softmax max |dp| and top-5 of each build against onnxruntime-node.
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
const want = softmax(await ort.run(input, dims));
for (const l of lens) {
  const got = softmax(await l.load.session.run(input, dims));
  const dp = Math.max(...got.map((v, i) => Math.abs(v - want[i]!)));
  const same = top5(got).join() === top5(want).join();
  console.log(
    `lens ${l.isa} vs onnxruntime-node: max |dp| ${dp.toExponential(2)}, top-5 ${same ? 'identical' : 'DIFFERENT'}`,
  );
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
console.log(`${cpus()[0]?.model ?? 'cpu'}; ${file}; ${runs} runs after a warm-up, interleaved`);
for (const o of orts) console.log(`onnxruntime-node ${o.threads} thread(s): ${stats(o.ms)}`);
for (const l of lens)
  console.log(
    `lens ${l.isa} ${l.threads} thread(s): ${stats(l.ms)} (load ${l.loadMs.toFixed(0)} ms)`,
  );

// Per-layer table of the first build: each convolution's best time over `runs`.
console.log('');
console.log(layerMarkdown(await layerTable(lens[0]!.load.model, runs)));
for (const o of orts) await o.session.dispose();
for (const l of lens) await l.load.session.dispose();
