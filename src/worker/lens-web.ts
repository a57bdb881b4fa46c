/**
 * The lens kernels in the page's worker: Vite serves the two builds (made by
 * `npm run build:kernels`, which `npm run build` and `npm run dev` run first) as hashed assets;
 * the relaxed-SIMD one where this browser validates it (Chrome/Edge 114+, Firefox 146+), plain
 * SIMD128 otherwise (Safari). Compiled once and held as a promise. Not wired into the worker yet:
 * `createLensSession(bytes, await lensKernelsWeb())` is the session for the engine's seam.
 */
import relaxedUrl from '../kernels/build/lens-relaxed.wasm?url';
import simd128Url from '../kernels/build/lens-simd128.wasm?url';
import type { LensIsa } from '../core/lens/kernels';

let kernels: Promise<{ module: WebAssembly.Module; isa: LensIsa }> | undefined;

export function lensKernelsWeb(): Promise<{ module: WebAssembly.Module; isa: LensIsa }> {
  kernels ??= (async () => {
    const relaxed = new Uint8Array(await (await fetch(relaxedUrl)).arrayBuffer());
    if (WebAssembly.validate(relaxed))
      return { module: await WebAssembly.compile(relaxed), isa: 'relaxed' as const };
    const plain = new Uint8Array(await (await fetch(simd128Url)).arrayBuffer());
    return { module: await WebAssembly.compile(plain), isa: 'simd128' as const };
  })();
  return kernels;
}
