/**
 * The fast path proves itself: after the rewrite, the rewritten model and the file as it is run
 * on the same deterministic probe, and every output value is compared within `PROOF_BOUND`. The
 * rewrite is sound by construction on the graphs it understands (src/core/fast/shapes.ts); this is
 * what catches the graphs it misunderstands, so a wrong answer becomes, at worst, a slower right
 * one. Pure: the engine (src/engine/fast-proof.ts) runs the sessions; this decides and says why.
 */
import { message, type Note } from '../message';

/**
 * Largest |Δ| allowed between the rewritten model's outputs and the file's, relative to the
 * file's largest |output| on the probe. Measured with `npx tsx tools/measure-fast-proof.ts`
 * (onnxruntime-node 1.30, 2 threads, this probe of 2 images, 2026-12-05): seeded full-size B1
 * (23 layers F4) 7.3e-7; the seeded 4-stage RepOpt-VGG 3.6e-7 (fp16 weights 4.6e-7); the tiny
 * model 1.7e-6; the corpus of tools/make_fast_corpus.py 1.4e-7 to 1.8e-6 (the largest with weights
 * of a few units); the largest earlier rounds measured on real photos was 3.9e-6 (tiny model).
 * What must not pass, measured the same way on main before this check: weights rounded through
 * float16 that the rewrite took unrounded 8.7e-5, through bfloat16 5.5e-4, through int32 2.0e-1; a
 * misread shape O(1) or an error. 2e-5 is 5x the largest legitimate figure and 4x under the
 * float16 rounding; a false alarm costs speed (the file answers), never a wrong answer.
 */
export const PROOF_BOUND = 2e-5;

/** How the check went, for the model panel, the CLI and the bench. */
export interface FastCheck {
  /** Probe images run through both models. */
  images: number;
  /** Largest |rewritten - file| over every compared value. */
  maxAbsDiff: number;
  /** Largest |file output|: the bound is relative to it. */
  scale: number;
  bound: number;
  /** The check's own cost at load: the file's session and runs made only for it, ms. */
  ms: number;
}

export type Comparison =
  | { ok: true; maxAbsDiff: number; scale: number }
  | { ok: false; maxAbsDiff: number; scale: number; note: Note };

/**
 * `count` deterministic images of `size`x`size`, each different (a linear congruential generator
 * seeded per image), in normalised units about -2..2 like a photo after ImageNet normalisation:
 * smooth structure (gradients the convolutions see as edges) plus noise (every tap matters).
 */
export function probeImages(count: number, size: number): Float32Array {
  const plane = size * size;
  const out = new Float32Array(count * 3 * plane);
  let seed = 20261205;
  for (let n = 0; n < count; n++)
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
          const noise = (seed / 2 ** 32) * 2 - 1;
          const wave = Math.sin((x * (c + 1) + y * (n + 2)) / 9 + n) * Math.cos((x - y) / 17);
          out[((n * 3 + c) * size + y) * size + x] = wave + noise;
        }
  return out;
}

const sci = (v: number) => v.toExponential(1);

/** The same non-finite value (NaN at the same place, infinities of the same sign). */
const sameNonFinite = (a: number, b: number) =>
  (Number.isNaN(a) && Number.isNaN(b)) || (!Number.isFinite(a) && a === b);

/**
 * Every value of `candidate` (the rewritten model) against `reference` (the file as it is):
 * |Δ| <= bound * max |reference|, with non-finite values only where the reference has the same.
 */
export function compareOutputs(
  reference: Float32Array,
  candidate: Float32Array,
  bound = PROOF_BOUND,
): Comparison {
  if (reference.length !== candidate.length)
    return {
      ok: false,
      maxAbsDiff: Infinity,
      scale: 0,
      note: {
        text: `the rewritten model answered ${candidate.length} values on the self-check, the file ${reference.length}`,
        message: message('fastReason.checkLength', {
          got: candidate.length,
          want: reference.length,
        }),
      },
    };
  let scale = 0;
  for (const v of reference) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  let maxAbsDiff = 0;
  let worst = -1;
  for (let i = 0; i < reference.length; i++) {
    const a = reference[i]!;
    const b = candidate[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      if (sameNonFinite(a, b)) continue;
      return {
        ok: false,
        maxAbsDiff: Infinity,
        scale,
        note: {
          text: `the rewritten model answered ${b} where the file answers ${a} on the self-check (value ${i})`,
          message: message('fastReason.checkNonFinite', {
            got: String(b),
            want: String(a),
            index: i,
          }),
        },
      };
    }
    const d = Math.abs(a - b);
    if (d > maxAbsDiff) {
      maxAbsDiff = d;
      worst = i;
    }
  }
  if (maxAbsDiff <= bound * scale) return { ok: true, maxAbsDiff, scale };
  return {
    ok: false,
    maxAbsDiff,
    scale,
    note: {
      text: `the rewritten model differs from the file on the self-check: |Δ| ${sci(maxAbsDiff)} at value ${worst}, more than ${sci(bound)} of the largest output ${sci(scale)}`,
      message: message('fastReason.checkDiffers', {
        diff: sci(maxAbsDiff),
        index: worst,
        bound: sci(bound),
        scale: sci(scale),
      }),
    },
  };
}

/** Why the file answers as it is when a step of the fast path failed outright. */
export function fastFailureNote(stage: 'create' | 'run' | 'reference', error: unknown): Note {
  const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
  const short = detail.length > 200 ? `${detail.slice(0, 199)}…` : detail;
  if (stage === 'reference')
    return {
      text: `the self-check could not run the file as it is (${short})`,
      message: message('fastReason.checkReference', { error: short }),
    };
  return stage === 'create'
    ? {
        text: `the runtime refused the rewritten model (${short})`,
        message: message('fastReason.checkCreate', { error: short }),
      }
    : {
        text: `the rewritten model failed on the self-check (${short})`,
        message: message('fastReason.checkRun', { error: short }),
      };
}

/** The background path's failures, as the engine worded them before (English unchanged). */
export function unpreparedNote(error: unknown): Note {
  const why = error instanceof Error ? error.message : String(error);
  return {
    text: `the fast path could not be prepared: ${why}`,
    message: message('fastReason.unprepared', { error: why }),
  };
}

/** A failure that carries its note (a self-check that found a difference). */
export class FastProofError extends Error {
  constructor(readonly note: Note) {
    super(note.text);
    this.name = 'FastProofError';
  }
}
