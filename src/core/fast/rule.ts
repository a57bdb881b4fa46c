/** Which Winograd tile a layer gets: see docs/winograd.md for the measurements behind it. */
import type { Tile } from './winograd-math';

export interface LayerFacts {
  name: string;
  cin: number;
  cout: number;
  height: number;
  width: number;
}

/** Transformed weights allowed in all, by default. */
export const DEFAULT_BUDGET_BYTES = 1024 * 2 ** 20;

export function chooseTile(_layer: LayerFacts): Tile | 'direct' {
  return 'F4';
}
