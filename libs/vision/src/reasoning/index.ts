/** The recursive reasoning head (#15): model, training, token projection. */
export type { RecursiveHeadConfig, StepOutput } from './recursive-head.model';
export {
  DEFAULT_RECURSIVE_CONFIG,
  forwardSteps,
  initParameters,
  lossAndGradient,
  parameterCount,
  parameterShapes,
} from './recursive-head.model';
export type {
  AdamOptions,
  RecursiveHead,
  RecursivePrediction,
  RecursiveTrainOptions,
  ReasoningStep,
} from './recursive-head.train';
export {
  Adam,
  calibrateHalting,
  calibrateRecursiveHead,
  HALT_THRESHOLD,
  HALT_THRESHOLDS,
  haltStep,
  interpretSteps,
  predictRecursive,
  trainRecursiveHead,
} from './recursive-head.train';
export type { TokenProjection, ProjectionFitOptions } from './token-projection';
export { fitTokenProjection, projectTokens } from './token-projection';
export {
  buildRecursiveHead,
  MAP_INPUT,
  STEP_ATTENTION_OUTPUT,
  STEP_HALT_OUTPUT,
  STEP_PROBABILITIES_OUTPUT,
} from './recursive-head.onnx';
export type { MapHeadTensor } from './feature-map.head';
export { FeatureMapHead, loadFeatureMapHead } from './feature-map.head';
export type { RecursivePackageInput } from './recursive-head.package';
export {
  buildRecursivePackage,
  isRecursivePackage,
  readRecursiveOutputs,
  RECURSIVE_ALGORITHM,
} from './recursive-head.package';
export { recursiveReasoning } from './recursive-explanation';
export type { MapHeadReading } from './map-head.reading';
export { addMapHeadReading, canReadMapHead, readMapHead } from './map-head.reading';
