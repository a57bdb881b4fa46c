export {
  calibratedRange,
  CALIBRATION_METHODS,
  DEFAULT_PERCENTILE,
  isCalibrationMethod,
  klAmax,
  percentileAmax,
  type CalibrationMethod,
} from './calibrate';
export { AbsHistogram, HISTOGRAM_BINS } from './histogram';
export {
  planQuantization,
  quantizedTensors,
  rewriteQdq,
  withOutputs,
  type QuantPlan,
} from './graph';
export { AgreementSum, NoiseSum, sqnrDb, type Agreement } from './measure';
export {
  activationParams,
  dequantizeValue,
  quantizeValue,
  quantizeWeights,
  roundHalfEven,
  type QParams,
} from './qparams';
export {
  quantizeModel,
  type CalibrationImage,
  type KeepFloat,
  type LayerReport,
  type QuantizeOptions,
  type QuantizeResult,
  type QuantPhase,
  type QuantReport,
  type QuantRunner,
  type QuantRunnerFactory,
} from './quantize';
