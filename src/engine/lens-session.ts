/**
 * The lens backend behind the engine's session seam: a claimed graph on the lens WebAssembly
 * kernels as a `LoadedSession`. The platform (Node, the page's worker) supplies the compiled
 * kernels module; a graph the backend declines comes back as the reason, for the caller to fall
 * back to onnxruntime and say why.
 */
import { LensError } from '../core/errors';
import { message } from '../core/message';
import type { BackendChoice } from '../core/inference/backend';
import { claimModel, type DeclineReason, type LensGraph } from '../core/lens/graph';
import {
  instantiateKernels,
  sharedKernelMemory,
  type LensIsa,
  type LensKernels,
} from '../core/lens/kernels';
import { LensModel, type LensPool } from '../core/lens/runner';
import { directPath, fastReason, type FastPathInfo } from '../core/fast';
import { loadedSession } from './session';
import type { LoadedSession } from './types';

export type LensLoad =
  | { claimed: true; session: LoadedSession; model: LensModel }
  | { claimed: false; reason: DeclineReason };

export function lensChoice(isa: LensIsa, threads: number): BackendChoice {
  return {
    backend: 'wasm',
    reason: `lens WebAssembly kernels (${isa}, ${threads} thread(s))`,
    message: message('backend.lens', { isa, threads }),
    fellBack: false,
  };
}

/** "Conv node /stage0/conv/Conv: groups 2 (1 or depthwise only)": a decline for people. */
export function declineText(r: DeclineReason): string {
  const what = r.opType ? `${r.opType} node ${r.node}` : r.node;
  return r.detail ? `${what}: ${r.detail}` : `${what} is not supported`;
}

/**
 * `kernels.threaded`: the module is the threads build (shared memory); with `threads` > 1 and
 * `startPool`, the session starts its workers once, here.
 */
export async function createLensSession(
  bytes: Uint8Array,
  kernels: { module: WebAssembly.Module; isa: LensIsa; threaded?: boolean },
  options: {
    threads?: number;
    startPool?: (k: LensKernels, workers: number) => Promise<LensPool>;
    /** Winograd on the 3x3 stride-1 layers (default); false: every layer as written (`?fast=0`). */
    winograd?: boolean;
  } = {},
): Promise<LensLoad> {
  const claim = claimModel(bytes);
  if (!claim.claimed) return claim;
  const k = await instantiateKernels(
    kernels.module,
    kernels.isa,
    kernels.threaded ? sharedKernelMemory() : undefined,
  );
  const workers = Math.max(0, (options.threads ?? 1) - 1);
  const pool =
    workers > 0 && kernels.threaded && options.startPool
      ? await options.startPool(k, workers)
      : null;
  const t0 = performance.now();
  const winograd = options.winograd ?? true;
  const model = new LensModel(k, claim.graph, pool, { winograd });
  const fastPath = lensFastPath(model, winograd, performance.now() - t0);
  const threads = model.threads;
  return {
    claimed: true,
    model,
    session: loadedSession({
      choice: lensChoice(kernels.isa, threads),
      fastPath,
      threads,
      inputs: [ioOf(claim.graph.input.name, claim.graph.input.dims)],
      outputs: claim.graph.outputs.map((o) => ioOf(o.name, o.dims)),
      runOutputs(inputName, input, dims, names) {
        if (inputName !== claim.graph.input.name)
          throw new LensError('internal', `The model's input is "${claim.graph.input.name}".`);
        return model.run(input, dims, names);
      },
      release: () => pool?.close() ?? Promise.resolve(),
    }),
  };
}

/**
 * The fast path in the words the model panel already uses, for the lens kernels' own Winograd:
 * "Winograd: 23 of 28 3x3 convolutions (F4 23)". The layers are the kernels' choice (every 3x3
 * stride-1 convolution with groups 1), made when the weights are packed; nothing in the graph is
 * rewritten, so there is no rewritten file to check against the original (the kernels are tested
 * layer by layer against float64 and whole models against onnxruntime and PyTorch).
 */
export function lensFastPath(model: LensModel, winograd: boolean, packMs: number): FastPathInfo {
  const layers = model.convLayers
    .filter((l) => l.spec.kh === 3 && l.spec.kw === 3)
    .map((l) => {
      const shape = `${l.spec.cin}->${l.spec.cout}`;
      if (l.method === 'winograd-f43')
        return { name: l.name, f: 'F4' as const, reason: `${shape}; lens kernels` };
      const [sh, sw] = l.spec.strides;
      const why =
        l.method === 'int8-im2col'
          ? 'int8 (integer im2col + GEMM)'
          : l.spec.groups !== 1
            ? 'grouped'
            : sh !== 1 || sw !== 1
              ? 'stride is not 1'
              : 'fast path off';
      return { name: l.name, f: 'direct' as const, reason: `${shape}; ${why}` };
    });
  const rewritten = layers.filter((l) => l.f === 'F4').length;
  const report = { total3x3: layers.length, layers };
  if (rewritten === 0) {
    const code = !winograd ? 'off' : layers.length === 0 ? 'none' : 'noEligible';
    return directPath(fastReason(code), { ...report, ...EMPTY_REPORT }, 0);
  }
  const transformedWeightBytes = model.convLayers
    .filter((l) => l.method === 'winograd-f43')
    .reduce((sum, l) => sum + l.packedBytes, 0);
  return {
    path: 'winograd',
    reason: null,
    reasonMessage: null,
    rewritten,
    total3x3: layers.length,
    tiles: { F4: rewritten, F2: 0 },
    transformedWeightBytes,
    rewriteMs: packMs,
    layers,
  };
}

const EMPTY_REPORT = {
  rewritten: 0,
  transformedWeightBytes: 0,
  extraWeightBytes: 0,
  skipped: null,
};

function ioOf(name: string, dims: LensGraph['outputs'][number]['dims'] | (number | null)[]) {
  return {
    name,
    isTensor: true,
    type: 'float32',
    shape: dims.map((d) => (d === null ? 'N' : d)),
  };
}
