/**
 * Fits a detector's escalation policy from its own history of labelled edge answers (escalations labelled by
 * people, audits of confident answers): split the history by id hash into a fitting half and a calibration
 * half; on the fitting half, the split-conformal quantile and a weighted logistic model of P(edge wrong);
 * on the calibration half, Learn-then-Test picks the most permissive risk threshold whose kept-answer error is
 * certified ≤ r* (the threshold policy's own error). Null (the edge keeps the threshold policy) while the
 * history is too small or nothing can be certified.
 */
import {
  ESCALATION_POLICY_FEATURES,
  ESCALATION_POLICY_KIND,
  adjustConfidenceForDomain,
  policyFeatures,
  policyRisk,
  type EscalationPolicyModel,
  type PolicyObservation,
} from '@intellioptics/decision';
import type { DetectorMode } from '@intellioptics/schema';
import { idHash } from '../held-out.split';
import { weightedConformalQuantile } from './conformal';
import { fitWeightedLogistic } from './logistic.fit';
import { learnThenTest, type CalibrationPoint, type RiskControlResult } from './risk-control';

export interface PolicyHistoryExample {
  /** The image query id: decides its side of the fit/calibration split. */
  id: string;
  observation: PolicyObservation;
  /** The human label (a class name). */
  label: string;
  /** P(labelled) when it was answered: 1 for an escalation, the audit rate for a confident answer. */
  labelledProbability: number;
}

export interface EscalationPolicyOptions {
  delta?: number;
  conformalAlpha?: number;
  neighbors?: number;
  /** Below these counts the threshold policy stays (too little history to learn or certify anything). */
  minLabelled?: number;
  minErrors?: number;
  l2?: number;
}

export const DEFAULT_ESCALATION_POLICY_OPTIONS: Required<EscalationPolicyOptions> = {
  delta: 0.1,
  conformalAlpha: 0.1,
  neighbors: 5,
  minLabelled: 200,
  minErrors: 10,
  l2: 1,
};

export type EscalationPolicyFitReason = 'FITTED' | 'HISTORY_TOO_SMALL' | 'NOT_CERTIFIED';

export interface EscalationPolicyFit {
  model: EscalationPolicyModel | null;
  reason: EscalationPolicyFitReason;
  targetRisk: number;
  riskControl: RiskControlResult | null;
  fitExamples: number;
  calibrationExamples: number;
}

const weightOf = (e: PolicyHistoryExample): number => 1 / e.labelledProbability;
const topIndex = (p: readonly number[]): number => p.reduce((b, v, k) => (v > p[b]! ? k : b), 0);
/** The edge's answer (top class) agreed with the human label. */
export const answerCorrect = (e: PolicyHistoryExample): boolean =>
  e.observation.classNames[topIndex(e.observation.probabilities)] === e.label;
/** The probability the model gave the human label (0 for a label outside the classes). */
const labelProbability = (e: PolicyHistoryExample): number =>
  e.observation.probabilities[e.observation.classNames.indexOf(e.label)] ?? 0;

/**
 * The threshold policy's kept-answer error estimated from the history (importance-weighted): r*.
 * `threshold` is compared with the OODD-adjusted confidence, as the edge does.
 */
export function thresholdPolicyRisk(
  history: readonly PolicyHistoryExample[],
  threshold: number,
  mode: DetectorMode,
): number {
  let kept = 0;
  let wrong = 0;
  for (const e of history) {
    const p = e.observation.probabilities;
    const conf = Math.max(...p);
    const adjusted = adjustConfidenceForDomain({
      confidence: conf,
      inDomainProbability: e.observation.inDomain,
      mode,
      numClasses: p.length,
    });
    if (adjusted < threshold) continue;
    kept += weightOf(e);
    if (!answerCorrect(e)) wrong += weightOf(e);
  }
  return kept > 0 ? wrong / kept : 0;
}

/** Weighted quantiles of `values` at `levels` (ascending). */
function weightedQuantiles(values: number[], weights: number[], levels: number[]): number[] {
  const order = values.map((v, i) => ({ v, w: weights[i]! })).sort((a, b) => a.v - b.v);
  const total = order.reduce((a, o) => a + o.w, 0);
  return levels.map((q) => {
    let acc = 0;
    for (const o of order) {
      acc += o.w;
      if (acc >= q * total - 1e-9) return o.v;
    }
    return order.at(-1)?.v ?? 1;
  });
}

export function fitEscalationPolicy(input: {
  history: readonly PolicyHistoryExample[];
  targetRisk: number;
  options?: EscalationPolicyOptions;
}): EscalationPolicyFit {
  const opts = { ...DEFAULT_ESCALATION_POLICY_OPTIONS, ...input.options };
  const { history, targetRisk } = input;
  // Its own salt: independent of the model's held-out split.
  const fit = history.filter((e) => idHash(e.id, 'escalation-policy-v1') < 0.5);
  const cal = history.filter((e) => idHash(e.id, 'escalation-policy-v1') >= 0.5);
  const base = {
    targetRisk,
    fitExamples: fit.length,
    calibrationExamples: cal.length,
  };
  const errors = (xs: readonly PolicyHistoryExample[]) => xs.filter((e) => !answerCorrect(e)).length;
  if (
    fit.length < opts.minLabelled / 2 ||
    cal.length < opts.minLabelled / 2 ||
    errors(fit) < opts.minErrors / 2 ||
    errors(cal) < opts.minErrors / 2
  )
    return { ...base, model: null, reason: 'HISTORY_TOO_SMALL', riskControl: null };

  const q = weightedConformalQuantile(
    fit.map((e) => 1 - labelProbability(e)),
    fit.map(weightOf),
    opts.conformalAlpha,
  );
  const featuresOf = (e: PolicyHistoryExample): number[] =>
    policyFeatures(e.observation, q, opts.neighbors).values;
  const lr = fitWeightedLogistic(
    fit.map(featuresOf),
    fit.map((e) => (answerCorrect(e) ? 0 : 1)),
    fit.map(weightOf),
    { l2: opts.l2 },
  );
  const draft: EscalationPolicyModel = {
    kind: ESCALATION_POLICY_KIND,
    features: [...ESCALATION_POLICY_FEATURES],
    mean: lr.mean,
    scale: lr.scale,
    weights: lr.weights,
    bias: lr.bias,
    riskThreshold: 1,
    conformalQuantile: q,
    conformalAlpha: opts.conformalAlpha,
    neighbors: opts.neighbors,
    targetRisk,
    delta: opts.delta,
  };
  // The λ grid: risk quantiles of the fitting half at coverage 50%, 51%, …, 100% (never seen by the test).
  const fitRisks = fit.map((e) => policyRisk(draft, featuresOf(e)));
  const levels = Array.from({ length: 51 }, (_, i) => 0.5 + i / 100);
  const grid = [...new Set(weightedQuantiles(fitRisks, fit.map(weightOf), levels))];
  const points: CalibrationPoint[] = cal.map((e) => ({
    risk: policyRisk(draft, featuresOf(e)),
    wrong: !answerCorrect(e),
    labelledProbability: e.labelledProbability,
  }));
  const rc = learnThenTest(points, grid, targetRisk, opts.delta);
  if (rc.lambda === null) return { ...base, model: null, reason: 'NOT_CERTIFIED', riskControl: rc };
  return { ...base, model: { ...draft, riskThreshold: rc.lambda }, reason: 'FITTED', riskControl: rc };
}
