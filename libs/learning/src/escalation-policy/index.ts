export type {
  PolicyHistoryExample,
  EscalationPolicyOptions,
  EscalationPolicyFit,
  EscalationPolicyFitReason,
} from './policy.fit';
export {
  fitEscalationPolicy,
  thresholdPolicyRisk,
  thresholdPolicyStats,
  weightedAurc,
  answerCorrect,
  DEFAULT_ESCALATION_POLICY_OPTIONS,
} from './policy.fit';
export type { CalibrationPoint, ConformalRiskControlResult, RiskControlResult } from './risk-control';
export {
  conformalRiskControl,
  learnThenTest,
  keptErrorUpperBound,
  clopperPearsonUpper,
} from './risk-control';
export { weightedConformalQuantile } from './conformal';
export type { LogisticFit } from './logistic.fit';
export { fitWeightedLogistic } from './logistic.fit';
export type { PolicyHistoryInput, ProvenancedExample } from './policy.history';
export { policyHistory } from './policy.history';
