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
 */
export function transformWeights(
  weights: Float32Array,
  k: number,
  c: number,
  tile: Tile,
  out: Float32Array,
): void {
  const { alpha, g } = MATRICES[tile];
  const a2 = alpha * alpha;
  if (out.length !== a2 * c * k) throw new RangeError('transformWeights: output size');
  // ci outer, ko inner: the 36 planes of U are each written contiguously (k is innermost)
  const gm = Float64Array.from(g.flat());
  const tmp = new Float64Array(alpha * 3);
  for (let ci = 0; ci < c; ci++) {
    for (let ko = 0; ko < k; ko++) {
      const w = (ko * c + ci) * 9;
      const w0 = weights[w]!,
        w1 = weights[w + 1]!,
        w2 = weights[w + 2]!;
      const w3 = weights[w + 3]!,
        w4 = weights[w + 4]!,
        w5 = weights[w + 5]!;
      const w6 = weights[w + 6]!,
        w7 = weights[w + 7]!,
        w8 = weights[w + 8]!;
      // tmp = G g  (α x 3)
      for (let i = 0; i < alpha; i++) {
        const a = gm[i * 3]!,
          b = gm[i * 3 + 1]!,
          d = gm[i * 3 + 2]!;
        tmp[i * 3] = a * w0 + b * w3 + d * w6;
        tmp[i * 3 + 1] = a * w1 + b * w4 + d * w7;
        tmp[i * 3 + 2] = a * w2 + b * w5 + d * w8;
      }
      // U = tmp G^T  (α x α)
      for (let i = 0; i < alpha; i++) {
        const t0 = tmp[i * 3]!,
          t1 = tmp[i * 3 + 1]!,
          t2 = tmp[i * 3 + 2]!;
        for (let j = 0; j < alpha; j++)
          out[((i * alpha + j) * c + ci) * k + ko] =
            t0 * gm[j * 3]! + t1 * gm[j * 3 + 1]! + t2 * gm[j * 3 + 2]!;
      }
    }
  }
}
