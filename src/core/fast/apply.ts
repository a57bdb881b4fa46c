/**
 * The one call the engine (page worker and CLI) makes at load time: rewrite the model for the fast
 * path unless it is switched off or the backend is one the rewrite was not measured on (WebGPU:
 * only a software adapter exists on the machines it was measured on), and say what happened in a
 * form the model panel and each result can show.
 */
import {
  computeU,
  rewriteWinograd,
  type UPlan,
  type WinogradOptions,
  type WinogradReport,
} from './rewrite';

/** The name the transformed weights go by as external data, unless the model already uses it. */
export const U_FILE = 'lens-winograd-u.bin';

export type FastBackend = 'wasm' | 'webgpu' | 'node';

export interface FastPathInfo {
  /** 'winograd' when at least one layer was rewritten, else 'direct'. */
  path: 'winograd' | 'direct';
  /** Why the path is direct ('off', 'WebGPU', 'no eligible convolution', ...); null when winograd. */
  reason: string | null;
  rewritten: number;
  total3x3: number;
  /** Layers per tile: { F4: 20, F2: 3 }. */
  tiles: { F4: number; F2: number };
  /** Bytes of transformed weights held by the session. */
  transformedWeightBytes: number;
  /** Time spent rewriting, ms (0 when not attempted). */
  rewriteMs: number;
  /** Per layer, for the model panel. */
  layers: WinogradReport['layers'];
}

/** One line for a result or the model panel: "Winograd: 23 of 28 3x3 convolutions (F4 20, F2 3)". */
export function describeFastPath(info: FastPathInfo): string {
  if (info.path === 'direct') return `direct convolutions (${info.reason ?? 'fast path off'})`;
  const tiles = (['F4', 'F2'] as const)
    .filter((t) => info.tiles[t] > 0)
    .map((t) => `${t} ${info.tiles[t]}`)
    .join(', ');
  return `Winograd: ${info.rewritten} of ${info.total3x3} 3x3 convolutions (${tiles})`;
}

/** The facts for a model whose convolutions run as they are. */
export function directPath(reason: string, report?: WinogradReport, rewriteMs = 0): FastPathInfo {
  return {
    path: 'direct',
    reason,
    rewritten: 0,
    total3x3: report?.total3x3 ?? 0,
    tiles: { F4: 0, F2: 0 },
    transformedWeightBytes: 0,
    rewriteMs,
    layers: report?.layers ?? [],
  };
}

/**
 * The model to run and what was done to it. `external` lists the file of transformed weights the
 * model names as ONNX external data, still to be computed (`computePlans`), unless `embed` asked
 * for one self-contained file.
 */
export interface FastPathResult {
  bytes: Uint8Array;
  external: UPlan[];
  info: FastPathInfo;
}

export function applyFastPath(
  bytes: Uint8Array,
  opts: {
    enabled: boolean;
    backend: FastBackend;
    /** U inside the model (one self-contained file) rather than as external data. */
    embed?: boolean;
  } & WinogradOptions,
): FastPathResult {
  const none = (reason: string, report?: WinogradReport, rewriteMs = 0): FastPathResult => ({
    bytes,
    external: [],
    info: directPath(reason, report, rewriteMs),
  });
  if (!opts.enabled) return none('fast path off');
  if (opts.backend === 'webgpu') return none('not used on WebGPU');
  const t0 = performance.now();
  const options: WinogradOptions = {};
  if (opts.inputSize !== undefined) options.inputSize = opts.inputSize;
  if (opts.budgetBytes !== undefined) options.budgetBytes = opts.budgetBytes;
  if (opts.choose) options.choose = opts.choose;
  if (opts.embed !== true) options.externalName = U_FILE;
  let out: ReturnType<typeof rewriteWinograd>;
  try {
    out = rewriteWinograd(bytes, options);
  } catch {
    // Not a graph this code can read: the runtime gets the file as it is and says what is wrong.
    return none('the graph could not be analysed', undefined, performance.now() - t0);
  }
  const rewriteMs = performance.now() - t0;
  const r = out.report;
  if (r.rewritten === 0)
    return none(
      r.skipped ?? (r.total3x3 ? 'no eligible 3x3 convolution' : 'no 3x3 convolution'),
      r,
      rewriteMs,
    );
  return {
    bytes: out.bytes,
    external: out.external,
    info: {
      path: 'winograd',
      reason: null,
      rewritten: r.rewritten,
      total3x3: r.total3x3,
      tiles: {
        F4: r.layers.filter((l) => l.f === 'F4').length,
        F2: r.layers.filter((l) => l.f === 'F2').length,
      },
      transformedWeightBytes: r.transformedWeightBytes,
      rewriteMs,
      layers: r.layers,
    },
  };
}

/** Computes the files of U the model names (`FastPathResult.external`), for the session. */
export function computePlans(plans: readonly UPlan[]): { path: string; bytes: ArrayBuffer }[] {
  return plans.map((plan) => ({ path: plan.path, bytes: computeU(plan) }));
}
