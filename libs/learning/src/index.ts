/** @intellioptics/learning: continuous learning for detectors (pure: no DB, no network). */
// The class layout is a shared contract (libs/schema class-layout.ts); re-exported for the training worker.
export type { ClassLayout } from '@intellioptics/schema';
export {
  classLayout,
  UnsupportedModeError,
  DEFAULT_MAX_COUNT,
  GREATER_THAN_MAX,
} from '@intellioptics/schema';
export type { HeldOutSplit } from './held-out.split';
export { heldOutSplit, idHash } from './held-out.split';
export type { HeldOutEvaluation, Prediction } from './metrics.evaluate';
export { evaluatePredictions, adjustedConfidence, auroc, argmax, metricsRecord } from './metrics.evaluate';
export type { Calibration, CalibrationOptions } from './calibration.fit';
export {
  fitCalibration,
  outOfFoldProbabilities,
  temper,
  meanNll,
  DEFAULT_CALIBRATION_MIN_EXAMPLES,
} from './calibration.fit';
export { kMeans, subclusterLabels } from './oodd-clusters';
export type { OoddScore } from './oodd.scorer';
export { mahalanobisScorer } from './oodd.scorer';
export type {
  LabelledExample,
  DetectorSpec,
  BackboneSpec,
  TrainOptions,
  TrainingProgress,
  TrainCandidateInput,
  Candidate,
} from './candidate.train';
export {
  trainCandidate,
  fitDetectorOodd,
  DEFAULT_OODD_MAX_COVARIANCE_SAMPLES,
  NotEnoughLabelsError,
  DEFAULT_HELD_OUT_FRACTION,
  MIN_LABELS_PER_CLASS,
} from './candidate.train';
export type { PromotionConfig, PromotionDecision, PromotionNumbers, PromotionReason } from './promotion.rule';
export { decidePromotion, DEFAULT_PROMOTION_CONFIG, PROMOTION_RULE } from './promotion.rule';
export type {
  RetrainTriggerConfig,
  RetrainState,
  RetrainDecision,
  RetrainReason,
} from './retrain-trigger.policy';
export { decideRetrain, newLabelsNeeded, DEFAULT_RETRAIN_TRIGGER } from './retrain-trigger.policy';
export * from './escalation-policy';
export * from './reasoning.choice';
export type {
  RecursiveCandidate,
  RecursiveCandidateInput,
  RecursiveTrainSettings,
  TokenExample,
} from './recursive.candidate';
export { DEFAULT_RECURSIVE_TRAIN, trainRecursiveCandidate } from './recursive.candidate';
