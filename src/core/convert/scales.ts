/**
 * RepOptimizer's scales files (RepOpt-VGG-B1-scales.pth, RepOptGhostNet_0_5x_scales.pth and the
 * like, github.com/DingXiaoH/RepOptimizers): only the per-channel branch scales of a
 * hyper-search ('hs') model, which RepOptimizer turns into its Grad Mults and initialisation
 * while it trains the target model. No convolution weights: not a model, so it is named for what
 * it is instead of being refused as an unknown architecture.
 */
import { LensError } from '../errors';
import { sampleKeys } from './foreign';

const VGG_SCALE = /^stage\d+(\.\d+)?\.scale_(conv|1x1|identity)\.weight$/;
const GHOST_SCALE = /^blocks\.\d+\.\d+\.ghost[12]\.(fusion_scale|cheap_operation\.1)\.weight$/;

export function scalesFileError(keys: readonly string[]): LensError | null {
  if (keys.length === 0) return null;
  const model = keys.every((k) => VGG_SCALE.test(k))
    ? 'RepOpt-VGG'
    : keys.every((k) => GHOST_SCALE.test(k))
      ? 'RepOpt-GhostNet'
      : null;
  if (!model) return null;
  return new LensError(
    'unknown-architecture',
    `This is a RepOptimizer scales file for ${model} (${keys.length} per-channel scale vectors: ${sampleKeys(keys, 3)}), not a trained model: ` +
      `it holds the constants RepOptimizer uses while it trains a ${model} (searched by a hyper-search 'hs' model), and no convolution weights, so there is nothing to classify with. ` +
      `Convert the trained model's checkpoint instead.`,
  );
}
