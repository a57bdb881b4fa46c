/**
 * The one call the engine (page worker and CLI) makes at load time: rewrite the model for the fast
 * path unless it is switched off or the backend is one the rewrite was not measured on (WebGPU:
 * only a software adapter exists on the machines it was measured on), and say what happened in a
 * form the model panel and each result can show.
 */
import { message, type MessageValue, type Note } from '../message';
import type { FastCheck } from './verify';
import {
  computeU,
  computeUStepwise,
  rewriteWinograd,
  type UPlan,
  type WinogradOptions,
  type WinogradReport,
} from './rewrite';

/** The name the transformed weights go by as external data, unless the model already uses it. */
export const U_FILE = 'lens-winograd-u.bin';

/** Why the path is direct, for each reason the project itself states. */
export type FastReasonCode =
  'off' | 'webgpu' | 'unreadable' | 'noEligible' | 'none' | 'runtime' | 'pending';

/** The English of each code, as `FastPathInfo.reason` (JSON, automation) holds it. */
const REASON_TEXT = {
  off: 'fast path off',
  webgpu: 'not used on WebGPU',
  unreadable: 'the graph could not be analysed',
  noEligible: 'no eligible 3x3 convolution',
  none: 'no 3x3 convolution',
  runtime: 'the runtime does not rewrite models',
  pending: 'the fast path is being prepared',
} as const satisfies Record<FastReasonCode, string>;

export const FAST_REASON_CODES = Object.keys(REASON_TEXT) as FastReasonCode[];

/** A reason as both renderings: the English text and what a page in another language shows. */
export interface FastReason {
  text: string;
  message: MessageValue;
}

export function fastReason(code: FastReasonCode): FastReason {
  return { text: REASON_TEXT[code], message: message(`fastReason.${code}`) };
}

/** The rewrite's own words (e.g. an old opset): shown as written, in every language. */
export function rewriteReason(text: string): FastReason {
  return { text, message: text };
}

export type FastBackend = 'wasm' | 'webgpu' | 'node';

export interface FastPathInfo {
  /** 'winograd' when at least one layer was rewritten, else 'direct'. */
  path: 'winograd' | 'direct';
  /** Why the path is direct ('off', 'WebGPU', 'no eligible convolution', ...); null when winograd. */
  reason: string | null;
  /** `reason` for a page in another language (a catalogue message, or the rewrite's own words). */
  reasonMessage: MessageValue | null;
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
  /**
   * The model answers with its convolutions as they are while the fast path is prepared in the
   * background (the page, for big models); the engine replaces these facts when it takes over.
   */
  pending?: boolean;
  /** The self-check of the rewritten model against the file (src/core/fast/verify.ts). */
  check?: FastCheck;
  /** A rewrite was made but not used (the runtime refused it, or it failed its self-check). */
  refused?: boolean;
}

/** One line for a result or the model panel: "Winograd: 23 of 28 3x3 convolutions (F4 20, F2 3)". */
export function describeFastPath(info: FastPathInfo): string {
  return fastPathNote(info).text;
}

/** `describeFastPath`'s line with its message, for a page in another language. */
export function fastPathNote(info: FastPathInfo): Note {
  if (info.path === 'direct') {
    const reason =
      info.reason === null ? fastReason('off') : { text: info.reason, message: info.reasonMessage };
    return {
      text: `direct convolutions (${reason.text})`,
      message: message('fastDirect', { reason: reason.message ?? reason.text }),
    };
  }
  const tiles = (['F4', 'F2'] as const)
    .filter((t) => info.tiles[t] > 0)
    .map((t) => `${t} ${info.tiles[t]}`)
    .join(', ');
  return {
    text: `Winograd: ${info.rewritten} of ${info.total3x3} 3x3 convolutions (${tiles})`,
    message: message('fastWinograd', {
      rewritten: info.rewritten,
      total: info.total3x3,
      tiles,
    }),
  };
}

/** The facts for a model whose convolutions run as they are. */
export function directPath(
  reason: FastReason,
  report?: WinogradReport,
  rewriteMs = 0,
): FastPathInfo {
  return {
    path: 'direct',
    reason: reason.text,
    reasonMessage: reason.message,
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
  const none = (reason: FastReason, report?: WinogradReport, rewriteMs = 0): FastPathResult => ({
    bytes,
    external: [],
    info: directPath(reason, report, rewriteMs),
  });
  if (!opts.enabled) return none(fastReason('off'));
  if (opts.backend === 'webgpu') return none(fastReason('webgpu'));
  const t0 = performance.now();
  const options: WinogradOptions = {};
  if (opts.inputSize !== undefined) options.inputSize = opts.inputSize;
  if (opts.budgetBytes !== undefined) options.budgetBytes = opts.budgetBytes;
  if (opts.choose) options.choose = opts.choose;
  if (opts.planOnly) options.planOnly = true;
  if (opts.embed !== true) options.externalName = U_FILE;
  let out: ReturnType<typeof rewriteWinograd>;
  try {
    out = rewriteWinograd(bytes, options);
  } catch {
    // Not a graph this code can read: the runtime gets the file as it is and says what is wrong.
    return none(fastReason('unreadable'), undefined, performance.now() - t0);
  }
  const rewriteMs = performance.now() - t0;
  const r = out.report;
  if (r.rewritten === 0)
    return none(
      r.skipped !== null
        ? rewriteReason(r.skipped)
        : fastReason(r.total3x3 ? 'noEligible' : 'none'),
      r,
      rewriteMs,
    );
  return {
    bytes: out.bytes,
    external: out.external,
    info: {
      path: 'winograd',
      reason: null,
      reasonMessage: null,
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

/** `computePlans` a layer at a time, awaiting `between()` after each (see `computeUStepwise`). */
export async function computePlansStepwise(
  plans: readonly UPlan[],
  between: () => Promise<void>,
): Promise<{ path: string; bytes: ArrayBuffer }[]> {
  const files = [];
  for (const plan of plans)
    files.push({ path: plan.path, bytes: await computeUStepwise(plan, between) });
  return files;
}

/**
 * The facts for a model whose rewrite was made but not used: the file answers as it is, and `note`
 * says why (a failed or failing self-check); the check's figures are kept when there are some.
 */
export function refusedPath(rewritten: FastPathInfo, note: Note, check?: FastCheck): FastPathInfo {
  return {
    ...directPath(note),
    total3x3: rewritten.total3x3,
    rewriteMs: rewritten.rewriteMs,
    refused: true,
    ...(check ? { check } : {}),
  };
}

/** The facts while the fast path is prepared in the background: direct for now. */
export function pendingPath(): FastPathInfo {
  return { ...directPath(fastReason('pending')), pending: true };
}
