/** Parameter and multiply-accumulate counts, from shapes only (no weights needed). */
import type { ArchPlan } from './types';

const BN_BUFFERS = /\.(running_mean|running_var|num_batches_tracked)$/;

/**
 * Learnable parameters of the checkpoint as saved (unfused), as thop and the paper count them:
 * every tensor except BatchNorm's running statistics and step counter. RepOpt-VGG-B1 (target
 * mode): 51,841,832. The csla branch scales are counted: they are nn.Parameters, only frozen.
 */
export function countParams(
  sd: ReadonlyMap<string, { readonly shape: readonly number[] }>,
): number {
  let n = 0;
  for (const [key, t] of sd) {
    if (!BN_BUFFERS.test(key)) n += t.shape.reduce((a, b) => a * b, 1);
  }
  return n;
}

/** Output size of a 3x3 convolution with padding 1. */
export const convOut = (size: number, stride: number) => Math.floor((size - 1) / stride) + 1;

export function macsOfPlan(plan: ArchPlan, inputSize: number): number {
  let size = inputSize;
  let macs = 0;
  for (const b of plan.blocks) {
    size = convOut(size, b.stride);
    macs += size * size * b.outChannels * b.inChannels * 9;
    if (b.seChannels !== null) macs += 2 * b.outChannels * b.seChannels;
  }
  const last = plan.blocks[plan.blocks.length - 1]!;
  return macs + last.outChannels * plan.arch.numClasses;
}
