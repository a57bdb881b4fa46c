import { classifyRepeatedly, launch, openApp, startApp, stats } from '../src/cli/bench-browser';
const PHOTO = 'e2e/fixtures/images/chelsea.png';
const model = process.argv[2] ?? '/models/generated/repopt-b1-seeded.onnx';
const runs = Number(process.argv[3] ?? 6);
const variants = (process.argv[4] ?? 'default=,lens=kernels:lens,lens1=kernels:lens&threads:1,simd=kernels:lens-simd128').split(',').map((v) => v.split('=',2) as [string,string]).map(([k, q]) => [k, q.replace(/:/g,'=')] as const);
const app = await startApp();
const browser = await launch(false);
const pages = [];
for (const [k, q] of variants) {
  const t0 = Date.now();
  const p = await openApp(browser, app.url, `model=${encodeURIComponent(model)}&backend=wasm${q.includes('threads') ? '' : '&threads=2'}${q ? '&' + q : ''}`);
  console.log(k, 'ready in', Date.now() - t0, 'ms:', p.ready.text.slice(0, 160));
  pages.push({ k, ...p, samples: [] as number[] });
}
for (let b = 0; b < 3; b++)
  for (const p of pages) {
    const pay = await classifyRepeatedly(p.page, PHOTO, Math.ceil(runs / 3), b === 0 ? 2 : 0);
    p.samples.push(...pay.map((x) => x.timings.inferenceMs));
    if (b === 0) console.log(p.k, 'top1', pay[0]!.top5[0]!.index, pay[0]!.top5[0]!.probability, 'threads', pay[0]!.threads);
  }
for (const p of pages) { const s = stats(p.samples); console.log(p.k, 'median', s.median.toFixed(1), 'min', s.min.toFixed(1)); await p.close(); }
await browser.close(); await app.close();
