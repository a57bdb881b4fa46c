/** Float64 references for the lens kernel tests, and a seeded generator of test data. */

/** Mulberry32: a small seeded generator, values in [-1, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  };
}

export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = seeded(seed);
  return Float32Array.from({ length: n }, () => r() * scale);
}

export interface RefConv {
  cin: number;
  h: number;
  w: number;
  cout: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pads: [number, number, number, number];
  /** 1, or cin (= cout) for depthwise. */
  groups: number;
}

/** Direct convolution in float64 (ONNX Conv semantics, dilation 1), optionally clamped. */
export function convF64(
  p: RefConv,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  lo = -Infinity,
  hi = Infinity,
): { y: Float64Array; ho: number; wo: number } {
  const [pt, pl, pb, pr] = p.pads;
  const ho = Math.floor((p.h + pt + pb - p.kh) / p.sh) + 1;
  const wo = Math.floor((p.w + pl + pr - p.kw) / p.sw) + 1;
  const cpg = p.cin / p.groups;
  const opg = p.cout / p.groups;
  const y = new Float64Array(p.cout * ho * wo);
  for (let co = 0; co < p.cout; co++) {
    const g = Math.floor(co / opg);
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++) {
        let s = bias ? bias[co]! : 0;
        for (let c = 0; c < cpg; c++) {
          const ci = g * cpg + c;
          for (let ky = 0; ky < p.kh; ky++) {
            const iy = oy * p.sh - pt + ky;
            if (iy < 0 || iy >= p.h) continue;
            for (let kx = 0; kx < p.kw; kx++) {
              const ix = ox * p.sw - pl + kx;
              if (ix < 0 || ix >= p.w) continue;
              s += w[((co * cpg + c) * p.kh + ky) * p.kw + kx]! * x[(ci * p.h + iy) * p.w + ix]!;
            }
          }
        }
        y[(co * ho + oy) * wo + ox] = Math.min(hi, Math.max(lo, s));
      }
  }
  return { y, ho, wo };
}

/** max |a - b| over max |b|: the error relative to the tensor's scale. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return m === 0 ? d : d / m;
}

/** Softmax of row `row` of a [batch][classes] logits array. */
export function softmaxRow(logits: ArrayLike<number>, classes: number, row: number): number[] {
  const x = Array.from({ length: classes }, (_, i) => logits[row * classes + i]!);
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Indices of the five largest values, largest first. */
export const top5 = (p: number[]) =>
  p
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, 5)
    .map((e) => e[1]);

/**
 * Two batches of logits compared as the bar reads them: whether every row's top 5 is the same
 * (`sameTop5`), the largest |dp| over the batch's softmax rows, and the share of logits equal to
 * the bit (`same`).
 */
export function compareLogits(got: ArrayLike<number>, want: ArrayLike<number>, batch: number) {
  const classes = want.length / batch;
  let dp = 0;
  let sameTop5 = true;
  for (let r = 0; r < batch; r++) {
    const p = softmaxRow(got, classes, r);
    const q = softmaxRow(want, classes, r);
    if (top5(p).join() !== top5(q).join()) sameTop5 = false;
    for (let i = 0; i < classes; i++) dp = Math.max(dp, Math.abs(p[i]! - q[i]!));
  }
  let equal = 0;
  for (let i = 0; i < want.length; i++) if (got[i] === want[i]) equal++;
  return { dp, sameTop5, same: equal / want.length };
}
