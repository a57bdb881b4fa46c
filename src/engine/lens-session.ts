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
import { instantiateKernels, type LensIsa } from '../core/lens/kernels';
import { LensModel } from '../core/lens/runner';
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
  };
}

/** The runtime that took a declined graph, and why the lens backend did not. */
export function lensDeclinedChoice(fallback: BackendChoice, reason: DeclineReason): BackendChoice {
  const why = declineText(reason);
  return {
    backend: fallback.backend,
    reason: `${fallback.reason}; the lens backend declined (${why})`,
    message: message('backend.lensDeclined', { runtime: fallback.message, reason: why }),
  };
}

/** "Conv node /stage0/conv/Conv: groups 2 (1 or depthwise only)": a decline for people. */
export function declineText(r: DeclineReason): string {
  const what = r.opType ? `${r.opType} node ${r.node}` : r.node;
  return r.detail ? `${what}: ${r.detail}` : `${what} is not supported`;
}

export async function createLensSession(
  bytes: Uint8Array,
  kernels: { module: WebAssembly.Module; isa: LensIsa },
): Promise<LensLoad> {
  const claim = claimModel(bytes);
  if (!claim.claimed) return claim;
  const model = new LensModel(await instantiateKernels(kernels.module, kernels.isa), claim.graph);
  const threads = 1;
  return {
    claimed: true,
    model,
    session: loadedSession({
      choice: lensChoice(kernels.isa, threads),
      threads,
      inputs: [ioOf(claim.graph.input.name, claim.graph.input.dims)],
      outputs: claim.graph.outputs.map((o) => ioOf(o.name, o.dims)),
      runOutputs(inputName, input, dims, names) {
        if (inputName !== claim.graph.input.name)
          throw new LensError('internal', `The model's input is "${claim.graph.input.name}".`);
        return Promise.resolve(model.run(input, dims, names));
      },
      release: () => Promise.resolve(),
    }),
  };
}

function ioOf(name: string, dims: LensGraph['outputs'][number]['dims'] | (number | null)[]) {
  return {
    name,
    isTensor: true,
    type: 'float32',
    shape: dims.map((d) => (d === null ? 'N' : d)),
  };
}
