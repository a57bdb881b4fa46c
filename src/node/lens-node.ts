/**
 * The lens kernels in Node: the two builds read from src/kernels/build (made by
 * `npm run build:kernels`), relaxed SIMD where this Node validates it (Node 20 after
 * `--experimental-wasm-relaxed-simd`, which is set here when missing), plain SIMD128 otherwise.
 * `lensBackend` puts the backend at the engine's session seam (`EngineDeps.backends`): graphs it
 * declines run on onnxruntime-node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { LensError } from '../core/errors';
import type { LensIsa } from '../core/lens/kernels';
import { startNodeLensPool } from './lens-pool';
import type { SessionBackend } from '../engine/backends';
import { createLensSession, declineText, type LensLoad } from '../engine/lens-session';

const BUILD = resolve(import.meta.dirname, '../kernels/build');

export function kernelBytes(isa: LensIsa, threaded = false): Uint8Array<ArrayBuffer> {
  const file = join(BUILD, `lens-${isa}${threaded ? '-mt' : ''}.wasm`);
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
  threaded = false,
): Promise<{ module: WebAssembly.Module; isa: LensIsa; threaded: boolean }> {
  const relaxed = prefer === 'simd128' ? null : kernelBytes('relaxed', threaded);
  // Node 20 has relaxed SIMD behind a V8 flag, which can still be set before the first compile.
  if (relaxed && !WebAssembly.validate(relaxed))
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  if (relaxed && WebAssembly.validate(relaxed))
    return { module: await WebAssembly.compile(relaxed), isa: 'relaxed', threaded };
  if (prefer === 'relaxed')
    throw new LensError(
      'internal',
      'This Node does not validate relaxed SIMD: run it with --experimental-wasm-relaxed-simd.',
    );
  const plain = kernelBytes('simd128', threaded);
  return { module: await WebAssembly.compile(plain), isa: 'simd128', threaded };
}

/** A model on the lens backend in Node, or why it declined. */
export async function createLensNodeSession(
  bytes: Uint8Array,
  options: {
    isa?: LensIsa;
    threads?: number;
    tiles?: ReadonlyMap<string, 'F4' | 'F2'>;
    minSplitMacs?: number;
  } = {},
): Promise<LensLoad> {
  const threads = options.threads ?? 1;
  const kernels = await loadKernelModule(options.isa, threads > 1);
  return createLensSession(bytes, kernels, {
    threads,
    ...(options.tiles ? { tiles: options.tiles } : {}),
    ...(options.minSplitMacs !== undefined ? { minSplitMacs: options.minSplitMacs } : {}),
    startPool: (k, workers) => startNodeLensPool(kernels.module, k, workers),
  });
}

/**
 * The lens backend at the engine's session seam (`EngineDeps.backends`): it claims a graph whose
 * every node it runs, or declines with the first node it cannot take (or external data), and the
 * engine then asks onnxruntime-node; `ModelInfo.runner` says which runs and why. The graph rewrite
 * (`prepare`) is onnxruntime's: the lens kernels run their own Winograd on the 3x3 stride-1 layers
 * unless the fast path is off (`--no-fast`), and say so as the model's fast path.
 */
export function lensBackend(
  defaultThreads: number,
  options: { isa?: LensIsa } = {},
): SessionBackend {
  return {
    name: 'lens',
    open: async (bytes, request) => {
      if (request.externalData?.length) return { declined: 'weights in external data files' };
      const threads = request.threads ?? defaultThreads;
      const load = await createLensNodeSession(bytes, {
        ...options,
        threads,
        tiles: request.planFast?.(bytes) ?? new Map(),
      });
      return load.claimed ? { session: load.session } : { declined: declineText(load.reason) };
    },
  };
}
