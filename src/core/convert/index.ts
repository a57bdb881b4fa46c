/** Checkpoint -> ONNX conversion for RepOpt-VGG (see convert.ts). */
export { convertStateDict, CONVERTER_VERSION, DEFAULT_PRESET } from './convert';
export { detectArch, KNOWN_ARCHS } from './detect';
export { countMacs, countParams } from './count';
export { badValuesError, describeBadValues, findBadValues } from './values';
export type {
  BadValues,
  BlockMode,
  ConvertOptions,
  ConvertProgress,
  ConvertResult,
  DetectedArch,
  KnownArch,
  TensorLike,
  WeightMap,
} from './types';
