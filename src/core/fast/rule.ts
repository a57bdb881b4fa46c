/** Which Winograd tile a layer gets: see docs/winograd.md for the measurements behind it. */
import { MATRICES, type Tile } from './winograd-math';

export interface LayerFacts {
  name: string;
  cin: number;
  cout: number;
  height: number;
  width: number;
}

/**
 * Transformed weights allowed in all, by default: B1 with every layer F4 needs 592 MiB; L2 steps
 * its smallest maps down to F2 to stay within it (the page's worker also holds the session's own
 * copy, and a 32-bit WASM heap ends at 4 GiB).
 */
export const DEFAULT_BUDGET_BYTES = 640 * 2 ** 20;

/** F(4x4) tiles a layer's map splits into. */
const tilesOf = (l: LayerFacts, f: Tile) =>
  Math.ceil(l.height / MATRICES[f].m) * Math.ceil(l.width / MATRICES[f].m);

/**
 * F(4x4,3x3) needs 36 multiplications per 16 outputs (2.25 per output, against 9 direct) and
 * F(2x2,3x3) 16 per 4 (4 per output), but F4 keeps 36/9 of the 3x3 weights as transformed
 * weights against F2's 16/9, and on a small map its edge tiles compute mostly padding: a 7x7
 * map takes 2x2 F4 tiles (64 outputs for 49). Per-layer runs in WASM (docs/winograd.md) put the
 * break-even near 16 F4 tiles: F4 from 13x13 maps up, F2 below (RepOpt-VGG's 7x7 stage).
 */
export function chooseTile(layer: LayerFacts): Tile {
  return tilesOf(layer, 'F4') >= 16 ? 'F4' : 'F2';
}
