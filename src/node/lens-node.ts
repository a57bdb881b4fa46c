/**
 * The lens kernels in Node: the two builds read from src/kernels/build (made by
 * `npm run build:kernels`), relaxed SIMD where this Node validates it (Node 20 needs
 * `--experimental-wasm-relaxed-simd`), plain SIMD128 otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LensError } from '../core/errors';
import type { LensIsa } from '../core/lens/kernels';
import { createLensSession, type LensLoad } from '../engine/lens-session';

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
