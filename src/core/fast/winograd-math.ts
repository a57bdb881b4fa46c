/**
 * Winograd minimal filtering F(m x m, 3x3) (Lavin & Gray 2015): a 3x3 correlation over an
 * (m+2)x(m+2) input tile d is Y = A^T [(G g G^T) ⊙ (B^T d B)] A. The matrices are exact small
 * rationals; the weight transform U = G g G^T is computed in float64 and rounded once to float32.
 * Interpolation points: 0, ±1, ±2, ∞ for F4 (the choice cuDNN and NNPACK use, small entries); 0, ±1, ∞
 * for F2.
 */

export type Tile = 'F4' | 'F2';

export interface WinogradMatrices {
  /** Output tile side m. */
  m: number;
  /** Input tile side α = m + 2. */
  alpha: number;
  /** B^T, α x α, row-major. */
  bt: number[][];
  /** G, α x 3. */
  g: number[][];
  /** A^T, m x α. */
  at: number[][];
}

export const MATRICES: Readonly<Record<Tile, WinogradMatrices>> = {
  F2: {
    m: 2,
    alpha: 4,
    bt: [
      [1, 0, -1, 0],
      [0, 1, 1, 0],
      [0, -1, 1, 0],
      [0, 1, 0, -1],
    ],
    g: [
      [1, 0, 0],
      [1 / 2, 1 / 2, 1 / 2],
      [1 / 2, -1 / 2, 1 / 2],
      [0, 0, 1],
    ],
    at: [
      [1, 1, 1, 0],
      [0, 1, -1, -1],
    ],
  },
  F4: {
    m: 4,
    alpha: 6,
    bt: [
      [4, 0, -5, 0, 1, 0],
      [0, -4, -4, 1, 1, 0],
      [0, 4, -4, -1, 1, 0],
      [0, -2, -1, 2, 1, 0],
      [0, 2, -1, -2, 1, 0],
      [0, 4, 0, -5, 0, 1],
    ],
    g: [
      [1 / 4, 0, 0],
      [-1 / 6, -1 / 6, -1 / 6],
      [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6],
      [1 / 24, -1 / 12, 1 / 6],
      [0, 0, 1],
    ],
    at: [
      [1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 0],
      [0, 1, 1, 4, 4, 0],
      [0, 1, -1, 8, -8, 1],
    ],
  },
};

/** Rows r x cols c Kronecker square of `a` (r x c): K[(i,j),(u,v)] = a[i][u] a[j][v], as float32. */
export function kron2(a: number[][]): { rows: number; cols: number; data: Float32Array } {
  const r = a.length;
  const c = a[0]!.length;
  const data = new Float32Array(r * r * c * c);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < r; j++)
      for (let u = 0; u < c; u++)
        for (let v = 0; v < c; v++) data[(i * r + j) * c * c + u * c + v] = a[i]![u]! * a[j]![v]!;
  return { rows: r * r, cols: c * c, data };
}

/**
 * Transformed weights for a [K, C, 3, 3] kernel, laid out [α², C, K] (ξ = i·α + j) so that the
 * product is one batched MatMul V[α², T, C] @ U[α², C, K]. float64 throughout, one rounding.
 *
 * U = G g Gᵀ is computed with G's structure (its rows come in ± pairs) rather than as two dense
 * products: for F4, 9 operations per column instead of 30. The sums are exact rewrites of G's
 * rows, so U differs from the dense product by float64 rounding only, at most one float32 ulp
 * after the final rounding (tested against the dense products in test/helpers/winograd-dense.ts). This is the rewrite's largest
 * cost at load time (B1: about 1.2 s of it before, see docs/winograd.md).
 */
export function transformWeights(
  weights: Float32Array,
  k: number,
  c: number,
  tile: Tile,
  out: Float32Array,
): void {
  const { alpha } = MATRICES[tile];
  if (out.length !== alpha * alpha * c * k) throw new RangeError('transformWeights: output size');
  if (tile === 'F4') transformF4(weights, k, c, out);
  else transformF2(weights, k, c, out);
}

/**
 * F4's G: rows (1/4, 0, 0), (-1/6)(1, ±1, 1), (1/24, ±1/12, 1/6), (0, 0, 1). `gg` = G g (6 x 3,
 * row-major), then each row of gg times Gᵀ gives one row of U, written into its 6 planes.
 * ci outer, ko inner: each plane of U is written contiguously (k is innermost).
 */
function transformF4(weights: Float32Array, k: number, c: number, out: Float32Array): void {
  const plane = c * k;
  const gg = new Float64Array(18);
  for (let ci = 0; ci < c; ci++) {
    for (let ko = 0; ko < k; ko++) {
      const w = (ko * c + ci) * 9;
      for (let j = 0; j < 3; j++) {
        const a = weights[w + j]!;
        const b = weights[w + 3 + j]!;
        const d = weights[w + 6 + j]!;
        const ad = a + d;
        const p = a / 24 + d / 6;
        const q = b / 12;
        gg[j] = a / 4;
        gg[3 + j] = -(ad + b) / 6;
        gg[6 + j] = -(ad - b) / 6;
        gg[9 + j] = p + q;
        gg[12 + j] = p - q;
        gg[15 + j] = d;
      }
      let o = ci * k + ko;
      for (let i = 0; i < 6; i++) {
        const a = gg[i * 3]!;
        const b = gg[i * 3 + 1]!;
        const d = gg[i * 3 + 2]!;
        const ad = a + d;
        const p = a / 24 + d / 6;
        const q = b / 12;
        out[o] = a / 4;
        out[o + plane] = -(ad + b) / 6;
        out[o + 2 * plane] = -(ad - b) / 6;
        out[o + 3 * plane] = p + q;
        out[o + 4 * plane] = p - q;
        out[o + 5 * plane] = d;
        o += 6 * plane;
      }
    }
  }
}

/** F2's G: rows (1, 0, 0), (1/2)(1, ±1, 1), (0, 0, 1); as `transformF4`. */
function transformF2(weights: Float32Array, k: number, c: number, out: Float32Array): void {
  const plane = c * k;
  const gg = new Float64Array(12);
  for (let ci = 0; ci < c; ci++) {
    for (let ko = 0; ko < k; ko++) {
      const w = (ko * c + ci) * 9;
      for (let j = 0; j < 3; j++) {
        const a = weights[w + j]!;
        const b = weights[w + 3 + j]!;
        const d = weights[w + 6 + j]!;
        const h = (a + d) / 2;
        const q = b / 2;
        gg[j] = a;
        gg[3 + j] = h + q;
        gg[6 + j] = h - q;
        gg[9 + j] = d;
      }
      let o = ci * k + ko;
      for (let i = 0; i < 4; i++) {
        const a = gg[i * 3]!;
        const b = gg[i * 3 + 1]!;
        const d = gg[i * 3 + 2]!;
        const h = (a + d) / 2;
        const q = b / 2;
        out[o] = a;
        out[o + plane] = h + q;
        out[o + 2 * plane] = h - q;
        out[o + 3 * plane] = d;
        o += 4 * plane;
      }
    }
  }
}
