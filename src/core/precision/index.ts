export {
  BN_DEFAULT_EPS,
  BN_FLAG_RATIO,
  batchNormsOfOnnx,
  batchNormsOfStateDict,
  bnReport,
  type BnChannel,
  type BnParams,
  type BnReport,
} from './batchnorm';
export {
  FP16_MAX,
  FP16_MIN_NORMAL,
  FP16_OVERFLOW,
  FP16_UNDERFLOW,
  fp16Simulation,
  roundFp16,
} from './fp16';
export {
  BREAK_BELOW_DB,
  checkPrecision,
  DROP_DB,
  FP16_LIMITS,
  rank,
  RANGE_HOG,
  type Finding,
  type FindingKind,
  type PrecisionLayer,
  type PrecisionOptions,
  type PrecisionPhase,
  type PrecisionReport,
  type PrecisionSide,
} from './precision';
export { describeFinding, findingNote } from './describe';
