/** What the converter reads, what it finds, and what it returns. */

/** How the checkpoint's blocks are built (the `mode` of the official RepOptVGG). */
export type BlockMode = 'target' | 'repvgg' | 'hs' | 'csla';

export type KnownArch = 'B1' | 'B2' | 'L1' | 'L2';

/**
 * How a GhostNet checkpoint's RepGhost modules are saved (see ghost/layout.ts): RepOpt-GhostNet's
 * 'target', 'hs' and 'csla'; RepOptimizers' 'rep' (RepGhostNet trained as published, the zoo's
 * file); RepGhost's own training names ('repghost'); RepGhost after its convert.py ('deploy').
 */
export type GhostMode = 'target' | 'rep' | 'repghost' | 'hs' | 'csla' | 'deploy';

export type ArchFamily = 'repopt-vgg' | 'ghostnet';

/** What the model panel and `info` show of a GhostNet. */
export interface GhostDetails {
  /** Nominal width multiplier (0.5 for 0.5x) when the layout is the published one, else null. */
  width: number | null;
  stem: number;
  /** Per bottleneck: [in, mid, out, stride, depthwise kernel or null, SE channels or null]. */
  bottlenecks: {
    prefix: string;
    inChannels: number;
    midChannels: number;
    outChannels: number;
    stride: number;
    kernel: number | null;
    se: number | null;
  }[];
  /** The last 1x1 conv's channels, and the conv_head's. */
  last: number;
  head: number;
}

/**
 * One checkpoint tensor. `shape` alone is enough for detection and counting; `data` (row-major,
 * contiguous) is needed to convert. The checkpoint reader's `Tensor` fits as it is.
 */
export interface TensorLike {
  readonly shape: readonly number[];
  readonly data?: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
}

/** Parameter name (no `module.` prefix) -> tensor. */
export type WeightMap = ReadonlyMap<string, TensorLike>;

export interface DetectedArch {
  /** Absent means RepOpt-VGG (kept optional so saved reports stay valid). */
  family?: ArchFamily;
  mode: BlockMode | GhostMode;
  /** Blocks in stage1..stage4 (stage0 is always one block); GhostNet: bottlenecks per stage. */
  blocks: number[];
  /** Width multipliers of stage1..stage4 (channels / 64, 128, 256, 512); GhostNet: [width]. */
  widths: number[];
  /** Output channels of stage0..stage4; GhostNet: the stem's, then each stage's. */
  channels: number[];
  numClasses: number;
  /** Squeeze-and-excitation (`post_se`) after the blocks. */
  se: boolean;
  name: KnownArch | null;
  /** One line for people, e.g. "RepOpt-VGG-B1 (target mode, 1000 classes)". */
  description: string;
  /** GhostNet only. */
  ghost?: GhostDetails;
}

/** A RepOpt-VGG's architecture, whose mode is one of RepOpt-VGG's. */
export type VggArch = DetectedArch & { mode: BlockMode };

/** One block as the converter builds it. */
export interface BlockPlan {
  /** Key prefix, e.g. 'stage0' or 'stage3.15'. */
  prefix: string;
  inChannels: number;
  outChannels: number;
  stride: 1 | 2;
  /** Has an identity branch (bn_identity / scale_identity): in == out and stride 1. */
  identity: boolean;
  /** Internal width of the SE block, or null without SE. */
  seChannels: number | null;
}

export interface ArchPlan {
  arch: VggArch;
  blocks: BlockPlan[];
}

export interface ConvertProgress {
  /** Blocks written so far (the classifier counts as the last one). */
  done: number;
  total: number;
  /** The block just written, e.g. 'stage2.3' or 'linear'. */
  block: string;
}

export interface ConvertOptions {
  /** float16 weights, each Cast to float32 in the graph (file about half the size). */
  fp16?: boolean;
  /** Also output `features`: the last stage's activations before pooling, [N, C, h, w]. */
  features?: boolean;
  /** sha256 (hex) of the source checkpoint, recorded in the metadata. */
  sourceSha256?: string;
  /** Preprocessing preset id recorded in the metadata (default 'torchvision-256-224'). */
  preset?: string;
  /** Input height and width (default 224). */
  inputSize?: number;
  /**
   * Convert even when weights are NaN/Inf or a BatchNorm variance is negative (refused by
   * default; `ConvertResult.badValues` then lists them).
   */
  allowNonFinite?: boolean;
  /** Called after each block is fused and written. */
  onProgress?: (progress: ConvertProgress) => void;
}

/** A tensor whose values no model can compute with (see values.ts). */
export interface BadValues {
  key: string;
  nan: number;
  inf: number;
  /** Values below zero in a `running_var`. */
  negativeVariance: number;
}

export interface ConvertResult {
  onnx: Uint8Array;
  /** Tensors with NaN, Inf or negative variances (converted only with `allowNonFinite`). */
  badValues: BadValues[];
  arch: DetectedArch;
  /** Learnable parameters of the checkpoint as trained (before fusion). */
  params: number;
  /** Multiply-accumulates per image of the converted graph, in billions. */
  gmacs: number;
  /** The graph's outputs ('logits', and 'features' when asked for and the head allows CAM). */
  outputs: string[];
}
