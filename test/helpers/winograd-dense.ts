/** The definition the Winograd weight transform is tested against, kept out of the product. */
import { MATRICES, type Tile } from '../../src/core/fast/winograd-math';

/**
 * The same U as two dense products with the matrices above (G g, then (G g) Gᵀ), in float64: the
 * definition `transformWeights` is tested against.
 */
export function transformWeightsDense(
  weights: Float32Array,
  k: number,
  c: number,
  tile: Tile,
  out: Float32Array,
): void {
  const { alpha, g } = MATRICES[tile];
  const plane = c * k;
  for (let ci = 0; ci < c; ci++)
    for (let ko = 0; ko < k; ko++) {
      const w = (ko * c + ci) * 9;
      for (let i = 0; i < alpha; i++)
        for (let j = 0; j < alpha; j++) {
          let sum = 0;
          for (let r = 0; r < 3; r++)
            for (let s = 0; s < 3; s++) sum += g[i]![r]! * weights[w + r * 3 + s]! * g[j]![s]!;
          out[(i * alpha + j) * plane + ci * k + ko] = sum;
        }
    }
}
