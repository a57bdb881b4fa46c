/** The released RepOpt-VGG models' published figures (RepOptimizers README, ICLR 2023 paper). */
import type { KnownArch } from '../convert/types';

export interface PublishedModel {
  checkpoint: string;
  params: number;
  top1: number;
  /** Multiply-accumulates at 224x224 (conv + linear), where the paper's count is known. */
  gmacs: number | null;
}

export const PUBLISHED: Readonly<Record<KnownArch, PublishedModel>> = {
  B1: { checkpoint: 'RepOpt-VGG-B1-acc78.62.pth', params: 51.842e6, top1: 78.62, gmacs: 11.83 },
  B2: { checkpoint: 'RepOpt-VGG-B2-acc79.68.pth', params: 80.3e6, top1: 79.68, gmacs: null },
  L1: { checkpoint: 'RepOpt-VGG-L1-acc79.82.pth', params: 76.0e6, top1: 79.82, gmacs: null },
  L2: { checkpoint: 'RepOpt-VGG-L2-acc80.47.pth', params: 118.1e6, top1: 80.47, gmacs: null },
};

/**
 * GhostNet-0.5x figures where an official README gives them, by the form the checkpoint is in:
 * RepOptimizers' README lists "RepGhostNet-0.5x (our implementation)" 66.51 % (the 'rep' form,
 * the zoo's RepGhostNet-0.5x-acc66.51.pth) and RepOpt-GhostNet-0.5x 66.50 % ('target'); the
 * RepGhost README lists its own 0.5x at 66.9 % (its training names and deployed files). The
 * parameters are PyTorch's count of each form's state_dict; the MACs those of the fused graph
 * (forward hooks on every conv and the linear layer), 43.3 M, which the RepGhost README rounds
 * to "43 M FLOPs". The zoo's "0.109 GFLOPs" is neither count.
 */
export const PUBLISHED_GHOSTNET: Readonly<Record<string, PublishedModel & { name: string }>> = {
  rep: {
    name: 'RepGhostNet-0.5x (RepOptimizers)',
    checkpoint: 'RepGhostNet-0.5x-acc66.51.pth',
    params: 2_313_968,
    top1: 66.51,
    gmacs: 0.0433,
  },
  target: {
    name: 'RepOpt-GhostNet-0.5x (RepOptimizers)',
    checkpoint: 'RepOpt-GhostNet-0.5x, RepOptimizers README',
    params: 2_309_008,
    top1: 66.5,
    gmacs: 0.0433,
  },
  repghost: {
    name: 'RepGhostNet-0.5x (RepGhost)',
    checkpoint: 'repghostnet_0_5x, RepGhost README',
    params: 2_313_968,
    top1: 66.9,
    gmacs: 0.0433,
  },
  deploy: {
    name: 'RepGhostNet-0.5x (RepGhost, deployed)',
    checkpoint: 'repghostnet_0_5x, RepGhost README',
    params: 2_306_528,
    top1: 66.9,
    gmacs: 0.0433,
  },
};
