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

/**
 * Layers with fewer channels (in or out) stay direct: the transforms cost per channel and the
 * product per pair of channels, so narrow layers gain least. docs/winograd.md, "Channel counts":
 * 32 channels at 56x56 ran slower with F4 (11.8 against 6.7 ms), 64 faster (5.1 against 7.9) in
 * one run and the other way round in another, so the break-even lies between 32 and 64 and this
 * machine's noise is as large as the effect there. Below 32 the loss is certain (the 16->4096 layer
 * of issue 20 is one); 32 itself is left to Winograd, where the project's tiny fixture runs it.
 */
export const MIN_CHANNELS = 32;

/**
 * Tile activations one layer may hold at once, per image: the two largest consecutive tensors of
 * the rewritten layer (tiles and V, V and M, M and Y; see `tileActivationBytes`). Direct
 * convolution holds its input and output; Winograd holds α²/m² (2.25 for F4, 4 for F2) times as
 * much in the tile domain. B1's largest is 7 MiB (128 channels at 56x56); a 16->4096 layer at
 * 224x224 needed 1.85 GB for M alone (issue 20), and the page's heap ends at 4 GiB.
 */
export const ACTIVATION_LIMIT_BYTES = 256 * 2 ** 20;

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
export function chooseTile(layer: LayerFacts): Tile | 'direct' {
  if (Math.min(layer.cin, layer.cout) < MIN_CHANNELS) return 'direct';
  return tilesOf(layer, 'F4') >= 16 ? 'F4' : 'F2';
}

/** Bytes of the largest two consecutive tile-domain tensors of one layer, for one image. */
export function tileActivationBytes(l: LayerFacts, f: Tile): number {
  const { m, alpha } = MATRICES[f];
  const t = tilesOf(l, f);
  const a2 = alpha * alpha;
  const tiles = a2 * t * l.cin; // the gathered tiles, then V (same size)
  const product = a2 * t * l.cout; // M
  const y = m * m * t * l.cout; // Y, before the output transform's reshape
  return 4 * Math.max(2 * tiles, tiles + product, product + y);
}
