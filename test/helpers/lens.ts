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
