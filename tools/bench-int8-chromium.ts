/**
 * B1's 28 convolutions in chromium, one thread, on the lens kernels as the page loads them: fp32
 * (Winograd F(4x4,3x3) for stride 1, im2col + GEMM for stride 2, as PackedConv runs them) against
 * int8 (uint8 im2col + the integer GEMM, in every dot mode this chromium computes exactly, see
 * lens_qdot_probe; and for stride 1 integer Winograd F(2x2,3x3) on the int16 dot, int8wino.c,
 * the page's path where the int16 dot runs). Weights and activations are synthetic (timing only: the kernels' arithmetic
 * does not depend on the values). Kernel time only: no graph, no threads, no transfers. Each
 * relaxed mode's output bytes are checked against mode 0's (the int16 dot, tested in Node against
 * an integer reference): Node cannot run the relaxed tiles, so this is where they are checked.
 * Run: `node --import tsx tools/bench-int8-chromium.ts [--runs N] [--build relaxed|simd128]`
 * (needs `npm run build:kernels` and /usr/bin/chromium).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(opt('--runs') ?? 5);
const build = opt('--build') ?? 'relaxed';
const wasm = readFileSync(
  resolve(import.meta.dirname, `../src/kernels/build/lens-${build}.wasm`),
).toString('base64');

/** [cin, cout, input size, stride, how many in B1]. */
const B1: [number, number, number, number, number][] = [
  [3, 64, 224, 2, 1],
  [64, 128, 112, 2, 1],
  [128, 128, 56, 1, 3],
  [128, 256, 56, 2, 1],
  [256, 256, 28, 1, 5],
  [256, 512, 28, 2, 1],
  [512, 512, 14, 1, 15],
  [512, 2048, 14, 2, 1],
];

interface Row {
  layer: string;
  count: number;
  fp32: number;
  int8: Record<number, number>;
  /** Modes whose output bytes differ from mode 0's. */
  differ: number[];
  /** Integer Winograd (stride 1 only): its four phases, one thread. */
  wino: number | null;
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const page = await browser.newPage();
// tsx (esbuild, keepNames) wraps named functions in __name(), which the page does not have.
await page.evaluate('globalThis.__name = (f) => f');
const result = await page.evaluate(
  async ({ wasm, layers, runs }) => {
    const bytes = Uint8Array.from(atob(wasm), (c) => c.charCodeAt(0));
    const { instance } = await WebAssembly.instantiate(bytes);
    type Fn = (...a: number[]) => number;
    const e = instance.exports as unknown as Record<string, Fn> & {
      memory: WebAssembly.Memory;
      __heap_base: WebAssembly.Global;
    };
    const base = e.__heap_base.value as number;
    let top = base;
    const alloc = (n: number) => {
      const p = Math.ceil(top / 64) * 64 + 64 * (1 + ((top >> 6) % 7));
      top = p + n + 256;
      const have = e.memory.buffer.byteLength;
      if (top > have) e.memory.grow(Math.ceil((top - have) / 65536));
      return p;
    };
    const fill = (
      p: number,
      n: number,
      f: (i: number) => number,
      kind: 'u8' | 'i8' | 'i32' | 'f32',
    ) => {
      const v =
        kind === 'f32'
          ? new Float32Array(e.memory.buffer, p, n)
          : kind === 'i32'
            ? new Int32Array(e.memory.buffer, p, n)
            : kind === 'i8'
              ? new Int8Array(e.memory.buffer, p, n)
              : new Uint8Array(e.memory.buffer, p, n);
      for (let i = 0; i < n; i++) v[i] = f(i);
    };
    const best = (f: () => void) => {
      f(); // tiers the kernel up before timing
      f();
      let b = Infinity;
      for (let r = 0; r < runs; r++) {
        const t = performance.now();
        f();
        b = Math.min(b, performance.now() - t);
      }
      return b;
    };
    const probe = e['lens_qdot_probe']!();
    const modes = [0, 1, 2].filter((m) => m <= probe);
    const rows: Row[] = [];
    for (const [cin, cout, h, s, count] of layers) {
      top = base;
      const ho = Math.floor((h + 2 - 3) / s) + 1;
      const n = ho * ho;
      // fp32
      const x = alloc(cin * h * h * 4);
      fill(x, cin * h * h, (i) => Math.sin(i) * 2, 'f32');
      const y = alloc(cout * n * 4);
      const bias = alloc(cout * 4 + 64);
      let fp32: number;
      const coutPad = Math.ceil(cout / 4) * 4;
      if (s === 1) {
        const w = alloc(cout * cin * 9 * 4);
        fill(w, cout * cin * 9, (i) => Math.cos(i) * 0.05, 'f32');
        const u = alloc(36 * coutPad * cin * 4);
        e['lens_pack_wino_f43']!(w, cout, cin, u);
        const nt = Math.min(64, Math.max(8, Math.floor(4096 / cin / 8) * 8));
        const vs = e['lens_wino_stride']!(cin, nt);
        const ms = e['lens_wino_stride']!(coutPad, nt);
        const v = alloc((36 * (vs + ms) + 64) * 4 + 64);
        const tiles = Math.ceil(ho / 4) * Math.ceil(ho / 4);
        fp32 = best(() =>
          e['lens_conv3x3_wino_f43']!(
            x,
            cin,
            h,
            h,
            1,
            1,
            y,
            cout,
            ho,
            ho,
            u,
            bias,
            0,
            Infinity,
            v,
            v + 36 * vs * 4 + 64,
            nt,
            0,
            tiles,
            0,
            coutPad,
          ),
        );
      } else {
        const k = cin * 9;
        const a = alloc(coutPad * k * 4);
        fill(a, coutPad * k, (i) => Math.cos(i) * 0.05, 'f32');
        const col = alloc(k * (Math.ceil(n / 8) * 8) * 4 + 64);
        fp32 = best(() => {
          e['lens_im2col']!(x, cin, h, h, 3, 3, s, s, 1, 1, ho, ho, col);
          e['lens_gemm_f32_4x8']!(cout, n, k, a, col, 8, k * 8, y, n, bias, 0, Infinity);
        });
      }
      // int8
      top = base;
      const cp = Math.ceil(cin / 4) * 4;
      const kp = 9 * cp;
      const panels = Math.ceil(n / 4);
      const qa = alloc(coutPad * kp);
      fill(qa, coutPad * kp, (i) => ((i * 7919) % 255) - 127, 'i8');
      const qx = alloc(cin * h * h);
      fill(qx, cin * h * h, (i) => (i * 31) & 255, 'u8');
      const qb = alloc(cout * 4 + 64);
      const qs = alloc(cout * 4 + 64);
      // Outputs spread over the uint8 range (zero point 128), so that the check below means something.
      fill(qs, cout, () => 60 / (Math.sqrt(kp) * 9000), 'f32');
      fill(qb, cout, (i) => ((i * 7777) % 20001) - 10000, 'i32');
      const qy = alloc(cout * n);
      const col = alloc(kp * panels * 4);
      const int8: Record<number, number> = {};
      const outputs: Record<number, Uint8Array> = {};
      for (const mode of modes) {
        int8[mode] = best(() => {
          e['lens_im2col_u8']!(qx, cin, h, h, 3, 3, s, s, 1, 1, ho, ho, 3, col, 0, panels);
          e['lens_qgemm_u8i8']!(cout, n, kp, qa, col, qy, n, qb, qs, 128, 0, 255, mode);
        });
        outputs[mode] = new Uint8Array(e.memory.buffer, qy, cout * n).slice();
      }
      const differ = modes.filter((m) => outputs[m]!.some((v, i) => v !== outputs[0]![i]));
      // Integer Winograd on the same shapes (its bytes are checked in Node, test/lens-int8.test.ts:
      // integer SIMD only, no relaxed op, so every engine computes the same).
      let wino: number | null = null;
      if (s === 1) {
        const th = Math.ceil(ho / 2);
        const t = th * th;
        const p = Math.ceil(t / 8);
        const k2 = Math.ceil(cin / 2);
        const hp = 2 * th + 2;
        const qw = alloc(cout * cin * 9);
        fill(qw, cout * cin * 9, (i) => ((i * 7919) % 255) - 127, 'i8');
        const u = alloc(16 * coutPad * k2 * 4);
        e['lens_qwino_pack']!(qw, cout, cin, u, 0, coutPad);
        const xp = alloc(cin * hp * hp);
        const v = alloc(16 * p * k2 * 32);
        const mo = alloc(16 * coutPad * p * 8 * 4 + 64);
        wino = best(() => {
          e['lens_qwino_pad']!(qx, h, h, 1, 1, 3, xp, hp, hp, 0, cin);
          e['lens_qwino_input']!(xp, cin, hp, hp, th, t, 3, v, p, 0, 0, p);
          e['lens_qwino_gemm']!(cout, cin, p, t, u, v, mo, 0, coutPad / 4);
          e['lens_qwino_output']!(
            mo,
            cout,
            p,
            0,
            0,
            t,
            th,
            ho,
            ho,
            qb,
            qs,
            128,
            0,
            255,
            qy,
            0,
            cout,
          );
        });
      }
      rows.push({ layer: `${cin}->${cout} s${s} ${ho}x${ho}`, count, fp32, int8, differ, wino });
    }
    return { probe, modes, rows, ua: navigator.userAgent };
  },
  { wasm, layers: B1, runs },
);
await browser.close();

const macs = (r: string) => {
  const [io, s, out] = r.split(' ');
  const [cin, cout] = io!.split('->').map(Number) as [number, number];
  const ho = Number(out!.split('x')[0]);
  void s;
  return cin * cout * 9 * ho * ho;
};
console.log(
  `${cpus()[0]?.model ?? 'cpu'}; ${result.ua.match(/Chrome\/[\d.]+/)?.[0] ?? 'chromium'}; lens-${build}.wasm, 1 thread, best of ${runs}; lens_qdot_probe ${result.probe}; load average ${loadavg()
    .map((v) => v.toFixed(1))
    .join(' ')}`,
);
const modeName = (m: number) => ['int16 dot', 'relaxed 7-bit halves', 'relaxed whole bytes'][m]!;
console.log(
  `| layer | in B1 | fp32 ms | ${result.modes.map((m) => `int8 ${modeName(m)} ms (GMAC/s)`).join(' | ')} | int8 int16 dot, integer Winograd for stride 1 ms (GMAC/s) |`,
);
console.log(`| - | - | - |${result.modes.map(() => ' - |').join('')} - |`);
const totals = { fp32: 0, int8: {} as Record<number, number>, wino: 0 };
const cell = (ms: number, layer: string) =>
  `${ms.toFixed(2)} (${(macs(layer) / ms / 1e6).toFixed(0)})`;
for (const r of result.rows) {
  totals.fp32 += r.fp32 * r.count;
  for (const m of result.modes) totals.int8[m] = (totals.int8[m] ?? 0) + r.int8[m]! * r.count;
  const wino = r.wino ?? r.int8[0]!;
  totals.wino += wino * r.count;
  console.log(
    `| ${r.layer} | ${r.count} | ${r.fp32.toFixed(2)} | ${result.modes
      .map((m) => cell(r.int8[m]!, r.layer))
      .join(' | ')} | ${cell(wino, r.layer)}${r.wino === null ? ' (direct)' : ''} |`,
  );
}
const differ = result.rows.filter((r) => r.differ.length > 0);
console.log(
  differ.length === 0
    ? `every relaxed mode stored mode 0's bytes on all ${result.rows.length} layer shapes`
    : `MODES DIFFER: ${differ.map((r) => `${r.layer}: ${r.differ.join(',')}`).join('; ')}`,
);
console.log(
  `| all 28 | | ${totals.fp32.toFixed(1)} | ${result.modes.map((m) => totals.int8[m]!.toFixed(1)).join(' | ')} | ${totals.wino.toFixed(1)} |`,
);
