/** @intellioptics/learning: continuous learning for detectors (pure: no DB, no network). */
// The class layout is a shared contract (libs/schema class-layout.ts); re-exported for the training worker.
export type { ClassLayout } from '@intellioptics/schema';
export {
  classLayout,
  UnsupportedModeError,
  DEFAULT_MAX_COUNT,
  GREATER_THAN_MAX,
} from '@intellioptics/schema';
export * from './held-out.split';
export * from './metrics.evaluate';
export * from './calibration.fit';
export * from './oodd-clusters';
export * from './oodd.scorer';
export * from './candidate.train';
export * from './promotion.rule';
export * from './retrain-trigger.policy';
export * from './escalation-policy';
export * from './reasoning.choice';
export * from './recursive.candidate';
