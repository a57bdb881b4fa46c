/**
 * The lens kernels in Node: the two builds read from src/kernels/build (made by
 * `npm run build:kernels`), relaxed SIMD where this Node validates it (Node 20 after
 * `--experimental-wasm-relaxed-simd`, which is set here when missing), plain SIMD128 otherwise.
 * `lensSessionFactory` puts the backend behind the engine's `createSession` seam, falling back
 * to onnxruntime-node for graphs it declines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { LensError } from '../core/errors';
import type { LensIsa } from '../core/lens/kernels';
import type { EngineDeps } from '../engine/types';
import { nodeSessionFactory } from './ort-node';
import { createLensSession, lensDeclinedChoice, type LensLoad } from '../engine/lens-session';

const BUILD = resolve(import.meta.dirname, '../kernels/build');

export function kernelBytes(isa: LensIsa): Uint8Array<ArrayBuffer> {
  const file = join(BUILD, `lens-${isa}.wasm`);
  if (!existsSync(file))
    throw new LensError(
      'internal',
      `The lens kernels are not built (${file} is missing): run npm run build:kernels.`,
    );
  return new Uint8Array(readFileSync(file));
}

/** The build to run: `prefer` if given (refused when this Node cannot run it), else the best. */
export async function loadKernelModule(
  prefer?: LensIsa,
): Promise<{ module: WebAssembly.Module; isa: LensIsa }> {
  const relaxed = prefer === 'simd128' ? null : kernelBytes('relaxed');
  // Node 20 has relaxed SIMD behind a V8 flag, which can still be set before the first compile.
  if (relaxed && !WebAssembly.validate(relaxed))
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  if (relaxed && WebAssembly.validate(relaxed))
    return { module: await WebAssembly.compile(relaxed), isa: 'relaxed' };
  if (prefer === 'relaxed')
    throw new LensError(
      'internal',
      'This Node does not validate relaxed SIMD: run it with --experimental-wasm-relaxed-simd.',
    );
  return { module: await WebAssembly.compile(kernelBytes('simd128')), isa: 'simd128' };
}

/** A model on the lens backend in Node, or why it declined. */
export async function createLensNodeSession(
  bytes: Uint8Array,
  options: { isa?: LensIsa } = {},
): Promise<LensLoad> {
  return createLensSession(bytes, await loadKernelModule(options.isa));
}

/**
 * The engine's `createSession` on the lens backend; a graph it declines (or one with external
 * data) runs on onnxruntime-node, whose backend line then says why. The fast path's rewrite
 * (`prepare`) is onnxruntime's: the lens backend runs the graph as it is.
 */
export function lensSessionFactory(
  threads: number,
  options: { isa?: LensIsa } = {},
): EngineDeps['createSession'] {
  const ort = nodeSessionFactory(threads);
  return async (bytes, request) => {
    const load = request.externalData?.length
      ? ({
          claimed: false,
          reason: { node: '(model)', opType: '', detail: 'weights in external data files' },
        } as const)
      : await createLensNodeSession(bytes, options);
    if (load.claimed) return load.session;
    const session = await ort(bytes, request);
    return { ...session, choice: lensDeclinedChoice(session.choice, load.reason) };
  };
}
