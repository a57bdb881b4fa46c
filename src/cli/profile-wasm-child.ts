/**
 * Child process of `bench-profile.ts`: runs a model in onnxruntime-web's WASM build (the page's
 * kernels, here in Node) with onnxruntime's profiler on, and lets the runtime print the profile
 * (it writes the JSON to stdout itself) between two marker lines.
 *
 * Usage: profile-wasm-child.ts <model.onnx> <direct|fast> <runs> <threads>
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { applyFastPath, computePlans } from '../core/fast';

const [file, path, runsText, threadsText] = process.argv.slice(2);
const runs = Number(runsText);
ort.env.wasm.numThreads = Number(threadsText);
let bytes: Uint8Array = new Uint8Array(readFileSync(file!));
let externalData: { path: string; data: Uint8Array }[] = [];
if (path === 'fast') {
  const out = applyFastPath(bytes, { enabled: true, backend: 'wasm' });
  bytes = out.bytes;
  externalData = computePlans(out.external).map((f) => ({
    path: f.path,
    data: new Uint8Array(f.bytes),
  }));
}
const session = await ort.InferenceSession.create(bytes, {
  executionProviders: ['wasm'],
  graphOptimizationLevel: 'all',
  enableProfiling: true,
  ...(externalData.length ? { externalData } : {}),
});
const input = new ort.Tensor(
  'float32',
  new Float32Array(3 * 224 * 224).fill(0.5),
  [1, 3, 224, 224],
);
// One untimed run first: the profile's first model_run pays for memory planning.
for (let i = 0; i < runs + 1; i++) await session.run({ [session.inputNames[0]!]: input });
process.stdout.write('\n<<<LENS-PROFILE\n');
session.endProfiling();
process.stdout.write('\nLENS-PROFILE>>>\n');
await session.release();
