/** Checkpoint -> ONNX conversion for RepOpt-VGG and GhostNet (see convert.ts, family.ts). */
export { convertStateDict, CONVERTER_VERSION, DEFAULT_PRESET, GHOSTNET_PRESET } from './convert';
export { KNOWN_ARCHS } from './detect';
export { countMacs, detectArch } from './family';
export { countParams } from './count';
export { badValuesError, describeBadValues, findBadValues } from './values';
export type {
  BadValues,
  BlockMode,
  ConvertOptions,
  ConvertProgress,
  ConvertResult,
  DetectedArch,
  GhostDetails,
  GhostMode,
  KnownArch,
  TensorLike,
  WeightMap,
} from './types';
export { seededGhostNet } from './ghost/seeded';
export { MODE_NAMES as GHOST_MODE_NAMES } from './ghost/layout';
