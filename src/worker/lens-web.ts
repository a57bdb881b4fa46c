/**
 * The lens kernels in the page's worker, behind the engine's session seam (`EngineDeps.backends`).
 * Vite serves the four builds (made by `npm run build:kernels`, which `npm run build` and
 * `npm run dev` run first) as hashed assets; the relaxed-SIMD one where this browser validates it
 * (Chrome/Edge 114+, Firefox 146+), plain SIMD128 otherwise (Safari) or when `?kernels=lens-simd128`
 * asks for it. More than one thread needs the threads build on shared memory, so the page must be
 * cross-origin isolated (it is: see vite.config.ts); the threads are started once per session.
 *
 * The page's default (`?kernels=onnxruntime` turns it off): the backend claims a graph when the
 * session runs on WASM (WebGPU stays onnxruntime's), the weights are inside the file, and every
 * node is one the kernels run; otherwise it declines with the reason and onnxruntime-web runs the
 * model as before.
 */
import relaxedUrl from '../kernels/build/lens-relaxed.wasm?url';
import relaxedMtUrl from '../kernels/build/lens-relaxed-mt.wasm?url';
import simd128Url from '../kernels/build/lens-simd128.wasm?url';
import simd128MtUrl from '../kernels/build/lens-simd128-mt.wasm?url';
import { chooseBackend } from '../core/inference/backend';
import type { LensIsa } from '../core/lens/kernels';
import type { SessionBackend } from '../engine/backends';
import { createLensSession, declineText } from '../engine/lens-session';
import { startWebLensPool } from './lens-pool-web';
import { probeGpu } from './ort-web';

interface KernelModule {
  module: WebAssembly.Module;
  isa: LensIsa;
  threaded: boolean;
}

const URLS: Record<LensIsa, { single: string; threaded: string }> = {
  relaxed: { single: relaxedUrl, threaded: relaxedMtUrl },
  simd128: { single: simd128Url, threaded: simd128MtUrl },
};

const compiled = new Map<string, Promise<KernelModule | null>>();

/** A build compiled once per worker; null when this browser does not validate it. */
function kernelModule(isa: LensIsa, threaded: boolean): Promise<KernelModule | null> {
  const key = `${isa}-${threaded}`;
  let made = compiled.get(key);
  if (!made) {
    made = (async () => {
      const url = threaded ? URLS[isa].threaded : URLS[isa].single;
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      if (!WebAssembly.validate(bytes)) return null;
      return { module: await WebAssembly.compile(bytes), isa, threaded };
    })();
    compiled.set(key, made);
  }
  return made;
}

/** The best build this browser runs: relaxed SIMD, else plain SIMD128 (`prefer` forces one). */
export async function lensKernelsWeb(threaded: boolean, prefer?: LensIsa): Promise<KernelModule> {
  if (prefer !== 'simd128') {
    const relaxed = await kernelModule('relaxed', threaded);
    if (relaxed) return relaxed;
  }
  const plain = await kernelModule('simd128', threaded);
  if (!plain) throw new Error('this browser does not validate WebAssembly SIMD128');
  return plain;
}

/** As many threads as onnxruntime-web would take: up to 8, one without cross-origin isolation. */
function defaultThreads(): number {
  return self.crossOriginIsolated
    ? Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 8))
    : 1;
}

export function lensWebBackend(): SessionBackend {
  return {
    name: 'lens',
    // The page's default; `?kernels=onnxruntime` runs every model on onnxruntime-web's kernels.
    wanted: (options) => options.kernels !== 'onnxruntime',
    open: async (bytes, options) => {
      const base = chooseBackend(options.backend, await probeGpu());
      if (base.backend === 'webgpu') return { declined: 'WebGPU runs this model' };
      if (options.externalData?.length) return { declined: 'weights in external data files' };
      const threads = self.crossOriginIsolated
        ? Math.max(1, options.threads ?? defaultThreads())
        : 1;
      const kernels = await lensKernelsWeb(
        threads > 1,
        options.kernels === 'lens-simd128' ? 'simd128' : undefined,
      );
      const load = await createLensSession(bytes, kernels, {
        threads,
        tiles: options.planFast?.(bytes) ?? new Map(),
        base,
        startPool: (k, workers) => startWebLensPool(kernels.module, k, workers),
      });
      return load.claimed ? { session: load.session } : { declined: declineText(load.reason) };
    },
  };
}
