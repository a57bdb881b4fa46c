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
