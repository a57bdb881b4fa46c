/**
 * The state_dict keys of one RepOpt-VGG block in each mode, as the official RepOptimizers code
 * names them (github.com/DingXiaoH/RepOptimizers, repoptimizer/repoptvgg_model.py):
 *
 * - target (RealVGGBlock): conv, bn
 * - repvgg (RepVGGBlock, the baseline, deploy=False): conv_3x3, bn_3x3, conv_1x1, bn_1x1,
 *   and bn_identity when in == out and stride 1
 * - hs / csla (LinearAddBlock): conv, scale_conv, conv_1x1, scale_1x1, scale_identity when
 *   in == out and stride 1, then bn on the sum (ScaleLayer: a `weight` vector, no bias)
 * - any mode with use_post_se: post_se.down and post_se.up, 1x1 convolutions with bias (SEBlock)
 */
import type { BlockMode, BlockPlan } from './types';

const BN_FIELDS = ['weight', 'bias', 'running_mean', 'running_var'] as const;

/** Expected keys (suffix after the block prefix) with their shapes. */
export function blockKeys(mode: BlockMode, b: BlockPlan): Map<string, number[]> {
  const o = b.outChannels;
  const i = b.inChannels;
  const keys = new Map<string, number[]>();
  const bn = (name: string) => BN_FIELDS.forEach((f) => keys.set(`${name}.${f}`, [o]));
  if (mode === 'target') {
    keys.set('conv.weight', [o, i, 3, 3]);
    bn('bn');
  } else if (mode === 'repvgg') {
    keys.set('conv_3x3.weight', [o, i, 3, 3]);
    bn('bn_3x3');
    keys.set('conv_1x1.weight', [o, i, 1, 1]);
    bn('bn_1x1');
    if (b.identity) bn('bn_identity');
  } else {
    keys.set('conv.weight', [o, i, 3, 3]);
    keys.set('scale_conv.weight', [o]);
    keys.set('conv_1x1.weight', [o, i, 1, 1]);
    keys.set('scale_1x1.weight', [o]);
    if (b.identity) keys.set('scale_identity.weight', [o]);
    bn('bn');
  }
  if (b.seChannels !== null) {
    const r = b.seChannels;
    keys.set('post_se.down.weight', [r, o, 1, 1]);
    keys.set('post_se.down.bias', [r]);
    keys.set('post_se.up.weight', [o, r, 1, 1]);
    keys.set('post_se.up.bias', [o]);
  }
  return keys;
}

/** BatchNorm's step counter: present in saved state_dicts, not needed for inference. */
export const isIgnoredKey = (suffix: string) => suffix.endsWith('.num_batches_tracked');

/** The block's main 3x3 kernel, whose shape gives the channels. */
export const mainConvKey = (mode: BlockMode) =>
  mode === 'repvgg' ? 'conv_3x3.weight' : 'conv.weight';

/** The suffix whose presence marks the identity branch. */
export const identityKey = (mode: BlockMode) =>
  mode === 'repvgg' ? 'bn_identity.weight' : mode === 'target' ? null : 'scale_identity.weight';

/** Mode from the keys of one block (hs and csla share keys; see detect.ts). */
export function modeOf(suffixes: ReadonlySet<string>): BlockMode | null {
  if (suffixes.has('conv_3x3.weight')) return 'repvgg';
  if (suffixes.has('scale_conv.weight')) return 'hs';
  if (suffixes.has('conv.weight')) return 'target';
  return null;
}

/** BN epsilon of nn.BatchNorm2d's default, which the official blocks use. */
export const BN_EPS = 1e-5;
