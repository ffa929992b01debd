export type {
  PolicyHistoryExample,
  EscalationPolicyOptions,
  EscalationPolicyFit,
  EscalationPolicyFitReason,
} from './policy.fit';
export {
  fitEscalationPolicy,
  thresholdPolicyRisk,
  answerCorrect,
  DEFAULT_ESCALATION_POLICY_OPTIONS,
} from './policy.fit';
export type { CalibrationPoint, RiskControlResult } from './risk-control';
export { learnThenTest, keptErrorUpperBound, clopperPearsonUpper } from './risk-control';
export { weightedConformalQuantile } from './conformal';
export type { LogisticFit } from './logistic.fit';
export { fitWeightedLogistic } from './logistic.fit';
