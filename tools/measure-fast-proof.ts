/**
 * The fast path's self-check, measured: for each model given, the rewritten model against the
 * file on the self-check's probe (max |Δ| relative to the largest |output|), and the check's cost
 * when the CLI's engine loads it. Run: npx tsx tools/measure-fast-proof.ts a.onnx b.onnx ...
 * (docs/winograd.md, "The self-check", and PROOF_BOUND in src/core/fast/verify.ts quote it).
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { applyFastPath, computePlans, probeImages } from '../src/core/fast';
import { createNodeEngine, modelFile } from '../src/node/engine';

async function relError(bytes: Uint8Array, threads: number): Promise<string> {
  const out = applyFastPath(bytes, { enabled: true, backend: 'node' });
  if (out.info.path !== 'winograd') return `not rewritten (${out.info.reason})`;
  const opts = { intraOpNumThreads: threads };
  const direct = await ort.InferenceSession.create(bytes, opts);
  const fast = await ort.InferenceSession.create(out.bytes, {
    ...opts,
    externalData: computePlans(out.external).map((e) => ({
      path: e.path,
      data: new Uint8Array(e.bytes),
    })),
  });
  const x = new ort.Tensor('float32', probeImages(2, 224), [2, 3, 224, 224]);
  const name = direct.outputNames[0]!;
  const a = (await direct.run({ [direct.inputNames[0]!]: x }))[name]!.data as Float32Array;
  const b = (await fast.run({ [fast.inputNames[0]!]: x }))[name]!.data as Float32Array;
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(a[i]!));
  }
  await direct.release();
  await fast.release();
  return `${out.info.rewritten} layers rewritten; max |Δ| ${d.toExponential(2)}, relative ${(d / m).toExponential(2)}`;
}

for (const path of process.argv.slice(2)) {
  const bytes = new Uint8Array(readFileSync(path));
  console.log(`${path}: ${await relError(bytes, 2)}`);
  for (const fast of [true, false]) {
    const engine = createNodeEngine({ threads: 2 });
    const t0 = performance.now();
    const info = await engine.load({ source: modelFile(path), backend: 'wasm', fast });
    const total = performance.now() - t0;
    const check = info.fast.check;
    console.log(
      `  load ${fast ? 'fast path' : '--no-fast'}: ${total.toFixed(0)} ms (session ${info.loadMs.toFixed(0)}, warm-up ${info.warmupMs.toFixed(0)}${check ? `, self-check ${check.ms.toFixed(0)} ms on ${check.images} images, relative ${(check.maxAbsDiff / check.scale).toExponential(2)}` : ''}); ${info.fast.path}${info.fast.reason ? ` (${info.fast.reason})` : ''}`,
    );
    await engine.dispose();
  }
}
