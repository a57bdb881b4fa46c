/**
 * The fast path's self-check with sessions (the decision itself is src/core/fast/verify.ts): the
 * rewritten model and the file as it is answer the same probe, and the file is kept, with the
 * reason in `FastPathInfo`, on any difference or failure. One module for every path that makes a
 * fast session: the load (page foreground and CLI, `proveLoaded`) and the page's background path
 * (`probeReference` before the switch, `checkAgainst` after).
 */
import {
  compareOutputs,
  FastProofError,
  fastFailureNote,
  PROOF_BOUND,
  probeImages,
  refusedPath,
  unpreparedNote,
  type FastCheck,
  type FastPathInfo,
} from '../core/fast';
import type { LoadedSession } from './types';

/** The probe and what the file as it is answered to it. */
export interface Reference {
  input: Float32Array;
  dims: [number, number, number, number];
  output: Float32Array;
  /** Whether the features output is compared too (bound for CAMs). */
  features: boolean;
  /** Time spent on the reference (session and run), ms. */
  ms: number;
}

/**
 * Two probe images where the model's batch is free (so images leaking into each other show), one
 * where it is fixed.
 */
function probeBatch(session: LoadedSession, inputName: string): number {
  const shape = session.inputs.find((i) => i.name === inputName)?.shape;
  const batch = shape?.[0];
  return typeof batch === 'number' && batch > 0 ? 1 : 2;
}

/** Every value the engine reads: the scores and, when bound, the features. */
async function answer(
  session: LoadedSession,
  input: Float32Array,
  dims: readonly [number, number, number, number],
  features: boolean,
): Promise<Float32Array> {
  if (!features) return session.run(input, dims);
  const r = await session.runWithFeatures(input, dims);
  const out = new Float32Array(r.logits.length + r.features.data.length);
  out.set(r.logits);
  out.set(r.features.data, r.logits.length);
  return out;
}

/**
 * The file as it is on the probe. Two images first; a model that cannot take two (a batch fixed in
 * its graph but declared free) gets one.
 */
export async function probeReference(
  direct: LoadedSession,
  opts: { inputName: string; size: number; features: boolean; now: () => number },
): Promise<Reference> {
  const t0 = opts.now();
  const { size, features } = opts;
  let batch = probeBatch(direct, opts.inputName);
  for (;;) {
    const input = probeImages(batch, size);
    const dims: [number, number, number, number] = [batch, 3, size, size];
    try {
      const output = await answer(direct, input, dims, features);
      return { input, dims, output, features, ms: opts.now() - t0 };
    } catch (e) {
      if (batch === 1) throw e;
      batch = 1;
    }
  }
}

/**
 * The rewritten model on the reference's probe: its figures when within the bound; otherwise a
 * `FastProofError` that says why (the caller keeps the file as it is).
 */
export async function checkAgainst(
  fast: LoadedSession,
  reference: Reference,
  now: () => number,
): Promise<FastCheck> {
  const t0 = now();
  let got: Float32Array;
  try {
    got = await answer(fast, reference.input, reference.dims, reference.features);
  } catch (e) {
    throw new FastProofError(fastFailureNote('run', e));
  }
  const c = compareOutputs(reference.output, got);
  if (!c.ok) throw new FastProofError(c.note);
  return {
    images: reference.dims[0],
    maxAbsDiff: c.maxAbsDiff,
    scale: c.scale,
    bound: PROOF_BOUND,
    ms: reference.ms + (now() - t0),
  };
}

/** What a failure of the background path says: a self-check's own note, or how it failed. */
export function backgroundFailure(rewritten: FastPathInfo, error: unknown): FastPathInfo {
  return refusedPath(
    rewritten,
    error instanceof FastProofError ? error.note : unpreparedNote(error),
  );
}

/**
 * The load path (page foreground, CLI): `fast` is the rewritten model's session, bound. The file
 * as it is is made beside it (`makeDirect`, bound as `fast`), answers the probe, and the two are
 * compared; the session that is not kept is released. Both live at once for the check, so the peak
 * grows by the file's session (its weights and one run's activations: for B1 about the 207 MB file
 * plus its runtime copy; in the page only models under the background threshold, 32 MB, take this
 * path by default). If the file's session cannot be made beside the rewritten one, the rewritten
 * one is released and the file is made alone.
 */
export async function proveLoaded(args: {
  fast: LoadedSession;
  info: FastPathInfo;
  makeDirect: () => Promise<LoadedSession>;
  inputName: string;
  size: number;
  features: boolean;
  now: () => number;
}): Promise<{ session: LoadedSession; fast: FastPathInfo }> {
  const { fast, info, now } = args;
  const t0 = now();
  let direct: LoadedSession;
  try {
    direct = await args.makeDirect();
  } catch (e) {
    // Not beside the rewritten one (memory?): alone then, unchecked, so the file answers.
    await fast.dispose().catch(() => undefined);
    const alone = await args.makeDirect();
    return { session: alone, fast: refusedPath(info, fastFailureNote('reference', e)) };
  }
  const madeMs = now() - t0;
  let reference: Reference;
  try {
    reference = await probeReference(direct, args);
  } catch (e) {
    await fast.dispose().catch(() => undefined);
    return { session: direct, fast: refusedPath(info, fastFailureNote('reference', e)) };
  }
  reference.ms += madeMs;
  try {
    const check = await checkAgainst(fast, reference, now);
    await direct.dispose().catch(() => undefined);
    return { session: fast, fast: { ...info, check } };
  } catch (e) {
    await fast.dispose().catch(() => undefined);
    const note = e instanceof FastProofError ? e.note : fastFailureNote('run', e);
    return { session: direct, fast: refusedPath(info, note) };
  }
}

/** The load path when the runtime refused the rewritten model: the file as it is instead. */
export function refusedByRuntime(info: FastPathInfo, error: unknown): FastPathInfo {
  return refusedPath(info, fastFailureNote('create', error));
}
