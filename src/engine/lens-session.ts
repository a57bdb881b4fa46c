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
import { qdotMode } from '../core/lens/int8';
import {
  instantiateKernels,
  sharedKernelMemory,
  type LensIsa,
  type LensKernels,
} from '../core/lens/kernels';
import { LensModel, type LensPool } from '../core/lens/runner';
import { loadedSession } from './session';
import type { LoadedSession } from './types';

export type LensLoad =
  | { claimed: true; session: LoadedSession; model: LensModel }
  | { claimed: false; reason: DeclineReason };

/** How an int8 model's integer convolutions run: the dot (qdotMode) and the Winograd layers. */
export interface LensInt8 {
  dot: 0 | 1 | 2;
  winograd: number;
}

const INT8_DOTS = ['int16 dot', 'relaxed dot on 7-bit halves', 'relaxed dot on whole bytes'];

/**
 * The lens kernels as the backend line says it; after `base`, the WASM choice they run under;
 * with `int8`, how the integer convolutions run.
 */
export function lensChoice(
  isa: LensIsa,
  threads: number,
  base?: BackendChoice,
  int8?: LensInt8,
): BackendChoice {
  let lens = `lens WebAssembly kernels (${isa}, ${threads} thread(s))`;
  let lensMessage = message('backend.lens', { isa, threads });
  if (int8) {
    lens = `${lens}; int8: ${INT8_DOTS[int8.dot]}, integer Winograd F(2x2) on ${int8.winograd} layer(s)`;
    lensMessage = message('backend.lensInt8', {
      lens: lensMessage,
      int8: message('backend.int8', {
        dot: message(`backend.int8Dot${int8.dot}`),
        winograd: int8.winograd,
      }),
    });
  }
  return {
    backend: 'wasm',
    reason: base ? `${base.reason}; ${lens}` : lens,
    message: base
      ? message('backend.lensAfter', { why: base.message, lens: lensMessage })
      : lensMessage,
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
    /** Why WASM runs (the page: no WebGPU adapter, WASM chosen...), said before the kernels. */
    base?: BackendChoice;
    /** Tests: split even the smallest layers across threads (LensModel's `minSplitMacs`). */
    minSplitMacs?: number;
    /**
     * The Winograd tile of each 3x3 stride-1 layer, by Conv node name (the engine's per-layer rule,
     * `SessionOptions.planFast`); a layer not named runs as written. Absent: F(4x4) for all.
     */
    tiles?: ReadonlyMap<string, 'F4' | 'F2'>;
  } = {},
): Promise<LensLoad> {
  let claim: ReturnType<typeof claimModel>;
  try {
    claim = claimed.get(bytes) ?? claimModel(bytes);
    // The self-check opens the same bytes again (every layer as written): one decode serves both.
    claimed.set(bytes, claim);
  } catch (e) {
    // Not a graph the kernels can read: the runtime reads it again and says what is wrong.
    const detail = `not readable as an ONNX graph (${(e as Error).message})`;
    return { claimed: false, reason: { node: '(model)', opType: '', detail } };
  }
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
  const model = new LensModel(k, claim.graph, pool, {
    ...(options.tiles ? { tiles: options.tiles } : {}),
    ...(options.minSplitMacs !== undefined ? { minSplitMacs: options.minSplitMacs } : {}),
  });
  const threads = model.threads;
  return {
    claimed: true,
    model,
    session: loadedSession({
      choice: lensChoice(kernels.isa, threads, options.base, int8Of(model)),
      threads,
      inputs: [ioOf(claim.graph.input.name, claim.graph.input.dims)],
      outputs: claim.graph.outputs.map((o) => ioOf(o.name, o.dims)),
      runOutputs(inputName, input, dims, names) {
        if (inputName !== claim.graph.input.name)
          throw new LensError('internal', `The model's input is "${claim.graph.input.name}".`);
        return Promise.resolve(model.run(input, dims, names));
      },
      release: () => pool?.close() ?? Promise.resolve(),
    }),
  };
}

/** For a model with integer convolutions: its dot and how many layers run as integer Winograd. */
function int8Of(model: LensModel): LensInt8 | undefined {
  if (!model.graph.ops.some((o) => o.op === 'qconv' || o.op === 'qdense')) return undefined;
  return {
    dot: qdotMode(model.kernels) as LensInt8['dot'],
    winograd: model.convMethods.filter((m) => m === 'int8-winograd-f23').length,
  };
}

/** Claims by the bytes they were read from (the graph holds only weights, never the caller's). */
const claimed = new WeakMap<Uint8Array, ReturnType<typeof claimModel>>();

function ioOf(name: string, dims: LensGraph['outputs'][number]['dims'] | (number | null)[]) {
  return {
    name,
    isTensor: true,
    type: 'float32',
    shape: dims.map((d) => (d === null ? 'N' : d)),
  };
}
