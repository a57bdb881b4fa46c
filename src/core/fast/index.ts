export {
  computeU,
  computeUStepwise,
  rewriteWinograd,
  type UJob,
  type UPlan,
  type LayerPath,
  type WinogradLayer,
  type WinogradOptions,
  type WinogradReport,
} from './rewrite';
export { chooseTile, DEFAULT_BUDGET_BYTES, type LayerFacts } from './rule';
export { MATRICES, transformWeights, type Tile } from './winograd-math';
export {
  applyFastPath,
  computePlans,
  computePlansStepwise,
  describeFastPath,
  pendingPath,
  refusedPath,
  U_FILE,
  type FastPathResult,
  directPath,
  FAST_REASON_CODES,
  fastReason,
  rewriteReason,
  type FastReason,
  type FastReasonCode,
  fastPathNote,
  type FastBackend,
  type FastPathInfo,
} from './apply';
export {
  compareOutputs,
  fastFailureNote,
  FastProofError,
  PROOF_BOUND,
  probeImages,
  unpreparedNote,
  type Comparison,
  type FastCheck,
} from './verify';
