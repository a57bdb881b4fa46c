/** Which converter a state_dict goes to: RepOpt-VGG or GhostNet, by its keys; scales files named. */
import { macsOfPlan } from './count';
import { planArch } from './detect';
import { ghostArch, ghostMacs } from './ghost/convert';
import { looksLikeGhostNet, planGhostNet, type GhostPlan } from './ghost/layout';
import { scalesFileError } from './scales';
import type { ArchPlan, DetectedArch, WeightMap } from './types';

export type ModelPlan =
  { family: 'repopt-vgg'; plan: ArchPlan } | { family: 'ghostnet'; plan: GhostPlan };

export function planModel(sd: WeightMap): ModelPlan {
  const keys = [...sd.keys()];
  const scales = scalesFileError(keys);
  if (scales) throw scales;
  if (looksLikeGhostNet(keys)) return { family: 'ghostnet', plan: planGhostNet(sd) };
  return { family: 'repopt-vgg', plan: planArch(sd) };
}

/** What the checkpoint is; throws LensError('unknown-architecture') when it is neither family. */
export function detectArch(sd: WeightMap): DetectedArch {
  const m = planModel(sd);
  return m.family === 'ghostnet' ? ghostArch(m.plan) : m.plan.arch;
}

/**
 * Multiply-accumulates for one image of the converted (fused) graph. RepOpt-VGG-B1 at 224x224:
 * 11,815,485,440; GhostNet-0.5x: 43,314,720.
 */
export function countMacs(sd: WeightMap, inputSize = 224): number {
  const m = planModel(sd);
  return m.family === 'ghostnet' ? ghostMacs(m.plan, inputSize) : macsOfPlan(m.plan, inputSize);
}
