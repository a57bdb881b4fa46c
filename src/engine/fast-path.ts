/**
 * The engine's two ways to the Winograd fast path (src/core/fast), kept out of the job queue and
 * the model lifecycle:
 * - in the foreground, the session is made from the rewritten model at load;
 * - in the background (the page's big models), the file as it is answers first, the rewrite and
 *   its transformed weights are made a layer at a time between queued jobs, then one queued job
 *   swaps the sessions.
 */
import {
  applyFastPath,
  computePlans,
  computePlansStepwise,
  directPath,
  fastReason,
  pendingPath,
  type FastBackend,
  type FastCheck,
  type FastPathInfo,
} from '../core/fast';
import { backgroundFailure, checkAgainst, probeReference, type Reference } from './fast-proof';
import { AFTER_LOAD_IDLE_MS, type JobQueue } from './job-queue';
import type { LoadedSession, SessionOptions } from './types';

/** What the engine asks of the fast path for one model. */
export interface FastPathRequest {
  /** `false` runs the file as it is (`?fast=0`, `--no-fast`). */
  enabled: boolean;
  /** Models of at least this many bytes take the background path. */
  inBackgroundFrom?: number;
  now: () => number;
}

/**
 * The `prepare` hook of a session made at load, and what it decided: the facts of the path, and
 * the runtime a background path must be prepared for (null when none is).
 */
export interface LoadTimeFastPath {
  prepare: NonNullable<SessionOptions['prepare']>;
  /** For a backend with its own Winograd kernels: the rule's tile per layer, nothing rewritten. */
  plan: NonNullable<SessionOptions['planFast']>;
  readonly info: FastPathInfo;
  readonly background: FastBackend | null;
}

export function fastPathAtLoad(bytes: Uint8Array, request: FastPathRequest): LoadTimeFastPath {
  const background =
    request.enabled &&
    request.inBackgroundFrom !== undefined &&
    bytes.byteLength >= request.inBackgroundFrom;
  const state: { info: FastPathInfo; background: FastBackend | null } = {
    // A runtime that never calls `prepare` runs the file as it is.
    info: directPath(fastReason('runtime')),
    background: null,
  };
  return {
    get info() {
      return state.info;
    },
    get background() {
      return state.background;
    },
    // The per-layer rule without the rewrite: a backend that runs Winograd itself packs its own
    // transformed weights at load, so there is nothing to prepare in the background.
    plan: (original) => {
      if (background) {
        // Every layer as written answers first; `planInBackground` packs the rule's tiles later.
        state.background = 'wasm';
        state.info = pendingPath();
        return new Map();
      }
      const out = applyFastPath(original, {
        enabled: request.enabled,
        backend: 'wasm',
        planOnly: true,
      });
      state.info = out.info;
      return tilesOf(out.info);
    },
    prepare: (original, runtime) => {
      if (background && runtime !== 'webgpu') {
        // The file as it is answers first; `prepareInBackground` follows.
        state.background = runtime;
        state.info = pendingPath();
        return Promise.resolve({ bytes: original, externalData: [] });
      }
      const out = applyFastPath(original, { enabled: request.enabled, backend: runtime });
      const t = request.now();
      const externalData = computePlans(out.external);
      state.info = { ...out.info, rewriteMs: out.info.rewriteMs + (request.now() - t) };
      return Promise.resolve({ bytes: out.bytes, externalData });
    },
  };
}

/** The rule's tile per Winograd layer, by Conv node name. */
function tilesOf(info: FastPathInfo): Map<string, 'F4' | 'F2'> {
  const tiles = new Map<string, 'F4' | 'F2'>();
  for (const l of info.layers) if (l.f !== 'direct') tiles.set(l.name, l.f);
  return tiles;
}

/** The model whose session the background path replaces (the engine's active model). */
export interface SwappableModel {
  session: LoadedSession;
  readonly numClasses: number;
  readonly io: { input: string; output: string; features: string | null };
}

/** A rewritten model: its bytes and external data files. */
export interface Rewritten {
  bytes: Uint8Array;
  externalData: { path: string; bytes: ArrayBuffer }[];
}

export interface BackgroundFastPath<Fast = Rewritten> {
  model: SwappableModel;
  bytes: Uint8Array;
  runtime: FastBackend;
  jobs: JobQueue;
  now: () => number;
  /** False once the model is no longer the active one: the work stops between two steps. */
  wanted: () => boolean;
  /** A session of the model: on the fast path (`fast`), or of the file as it is (null). */
  makeSession: (fast: Fast | null) => Promise<LoadedSession>;
  /** One run that proves a new session answers (the engine's warm-up). */
  warmUp: (session: LoadedSession) => Promise<Float32Array>;
  /** The probe images' size (the model's input). */
  size: number;
}

/** Thrown between two steps when the model is no longer active. */
class Stopped extends Error {}

/**
 * The self-check's reference: the file's session answers the probe, as one queued job (a photo).
 * Photos sent while it ran go before the swap that follows (seconds of packing or session
 * creation): it waits for the queue to be idle again.
 */
async function queuedReference(
  job: Pick<BackgroundFastPath<unknown>, 'jobs' | 'wanted' | 'model' | 'size' | 'now'>,
): Promise<Reference> {
  const reference = await job.jobs.enqueue(() => {
    if (!job.wanted()) throw new Stopped('model no longer active');
    return probeReference(job.model.session, {
      inputName: job.model.io.input,
      size: job.size,
      features: job.model.io.features !== null,
      now: job.now,
    });
  });
  await job.jobs.whenIdle();
  if (!job.wanted()) throw new Stopped('model no longer active');
  return reference;
}

/**
 * Prepares the fast path for a model that already answers with its convolutions as they are.
 * Settles with the facts that now hold (the fast path, or why the file as it is stays), or null
 * when the model stopped being active first. If the fast session fails, the direct one is made
 * again before this settles, so the model always answers.
 */
export async function prepareInBackground(job: BackgroundFastPath): Promise<FastPathInfo | null> {
  const { jobs, wanted } = job;
  let paused = 0;
  let rewritten: FastPathInfo = directPath(fastReason('pending'));
  // Between two steps, the jobs queued meanwhile run first.
  const pause = async () => {
    paused += await jobs.yieldTo();
    if (!wanted()) throw new Stopped('model no longer active');
  };
  try {
    await jobs.whenIdle(AFTER_LOAD_IDLE_MS);
    if (!wanted()) return null;
    const t0 = job.now();
    const out = applyFastPath(job.bytes, { enabled: true, backend: job.runtime });
    if (out.info.path !== 'winograd') return out.info;
    await pause();
    const files = await computePlansStepwise(out.external, pause);
    rewritten = { ...out.info, rewriteMs: job.now() - t0 - paused };
    const reference = await queuedReference(job);
    const fast = rewritten;
    return await jobs.enqueue(async () => {
      if (!wanted()) return null;
      const check = await swapSessions(job, { bytes: out.bytes, externalData: files }, reference);
      return { ...fast, check };
    });
  } catch (e) {
    if (e instanceof Stopped || !wanted()) return null;
    // The file answers as it is; a self-check that failed says what it found.
    return backgroundFailure(rewritten, e);
  }
}

/**
 * Inside one queued job (no run straddles the change): the direct session goes first, so the two
 * never hold memory at once; then the fast one is made, bound, warmed up and checked against the
 * reference the file answered (the self-check); on any failure the file is made again.
 */
async function swapSessions<Fast>(
  job: Pick<BackgroundFastPath<Fast>, 'model' | 'makeSession' | 'warmUp' | 'now'>,
  fast: Fast,
  reference: Reference,
): Promise<FastCheck> {
  const { model } = job;
  const backend = model.session.choice.backend;
  const { input, output, features } = model.io;
  await model.session.dispose().catch(() => undefined);
  let session: LoadedSession | null = null;
  try {
    session = await job.makeSession(fast);
    session.bind(input, output, features);
    if (session.choice.backend !== backend)
      throw new Error(`the runtime chose ${session.choice.backend}, not ${backend}`);
    const scores = await job.warmUp(session);
    if (scores.length !== model.numClasses)
      throw new Error(`it answered ${scores.length} scores, not ${model.numClasses}`);
    const check = await checkAgainst(session, reference, job.now);
    model.session = session;
    return check;
  } catch (e) {
    await session?.dispose().catch(() => undefined);
    // The model answers as before: the file as it is, made again.
    const direct = await job.makeSession(null);
    direct.bind(input, output, features);
    model.session = direct;
    throw e;
  }
}

/**
 * The background path of kernels that run Winograd themselves (the lens kernels): the per-layer
 * rule decides the tiles (nothing is rewritten), the file's session answers the probe as one
 * queued job, and one more swaps in a session that packs those tiles, checked against it. Settles
 * as `prepareInBackground` does.
 */
export async function planInBackground(
  job: Omit<BackgroundFastPath<ReadonlyMap<string, 'F4' | 'F2'>>, 'runtime'>,
): Promise<FastPathInfo | null> {
  const { jobs, wanted } = job;
  let planned: FastPathInfo = directPath(fastReason('pending'));
  try {
    await jobs.whenIdle(AFTER_LOAD_IDLE_MS);
    if (!wanted()) return null;
    const out = applyFastPath(job.bytes, { enabled: true, backend: 'wasm', planOnly: true });
    if (out.info.path !== 'winograd') return out.info;
    planned = out.info;
    const reference = await queuedReference(job);
    return await jobs.enqueue(async () => {
      if (!wanted()) return null;
      const t0 = job.now();
      const check = await swapSessions<ReadonlyMap<string, 'F4' | 'F2'>>(
        job,
        tilesOf(out.info),
        reference,
      );
      // The packing happens inside the swap: it is this path's "rewrite" time.
      return { ...planned, rewriteMs: planned.rewriteMs + (job.now() - t0), check };
    });
  } catch (e) {
    if (e instanceof Stopped || !wanted()) return null;
    return backgroundFailure(planned, e);
  }
}
