/**
 * Fits a detector's escalation policy from its own history of labelled edge answers (escalations labelled by
 * people, audits of confident answers, importance-weighted by 1/P(labelled)): split the history by id hash
 * into a fitting half and a calibration half.
 *   fitting half: r* (the threshold policy's kept-answer error and its joint rate P(kept ∧ wrong)), the
 *     split-conformal quantile, the weighted logistic model of P(edge wrong) and the λ grid;
 *   calibration half: the operating point — conformal risk control of the joint rate at the fitting half's
 *     (default), or Learn-then-Test of the kept-answer error at r* — and the held-out comparison with the
 *     threshold policy (escalation rate, edge error, AURC) that decides whether it "won".
 * r* never comes from the data that certifies the policy against it: estimated on the same audits, the
 * upper bound of a policy keeping the threshold's own answers is above r* by construction, so nothing could
 * ever be certified (the first bench run's fe_reduction 0.00).
 * Null (the edge keeps the threshold policy) while the history is too small or nothing can be certified.
 */
import {
  adjustConfidenceForDomain,
  policyFeatures,
  policyRisk,
  type PolicyObservation,
} from '@intellioptics/decision';
import {
  ESCALATION_POLICY_FEATURES,
  ESCALATION_POLICY_KIND,
  type DetectorMode,
  type EscalationPolicyHeldOut,
  type EscalationPolicyModel,
} from '@intellioptics/schema';
import { idHash } from '../held-out.split';
import { weightedConformalQuantile } from './conformal';
import { fitWeightedLogistic } from './logistic.fit';
import {
  conformalRiskControl,
  learnThenTest,
  type CalibrationPoint,
  type ConformalRiskControlResult,
  type RiskControlResult,
} from './risk-control';

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
  /** How the operating point is certified (see the header). */
  riskControl?: 'conformal_risk_control' | 'learn_then_test';
}

export const DEFAULT_ESCALATION_POLICY_OPTIONS: Required<EscalationPolicyOptions> = {
  delta: 0.1,
  conformalAlpha: 0.1,
  neighbors: 5,
  minLabelled: 200,
  minErrors: 10,
  l2: 1,
  riskControl: 'conformal_risk_control',
};

/** FITTED: certified and won on the calibration half; NOT_BETTER: certified, did not win (shipped, off by default). */
export type EscalationPolicyFitReason = 'FITTED' | 'NOT_BETTER' | 'HISTORY_TOO_SMALL' | 'NOT_CERTIFIED';

export interface EscalationPolicyFit {
  model: EscalationPolicyModel | null;
  reason: EscalationPolicyFitReason;
  /** r* and the joint rate, both on the fitting half. */
  targetRisk: number;
  targetJointRisk: number;
  /** The certified λ and the calibration half's estimates there (either method). */
  riskControl: { lambda: number | null; bound: number; keptShare: number; keptError: number } | null;
  lttResult: RiskControlResult | null;
  crcResult: ConformalRiskControlResult | null;
  heldOut: EscalationPolicyHeldOut | null;
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

/** The threshold policy on a labelled history (importance-weighted): escalation rate, kept error, joint rate. */
export function thresholdPolicyStats(
  history: readonly PolicyHistoryExample[],
  threshold: number,
  mode: DetectorMode,
): { escalationRate: number; keptError: number; jointRisk: number } {
  let total = 0;
  let kept = 0;
  let wrong = 0;
  for (const e of history) {
    const w = weightOf(e);
    total += w;
    if (adjustedConfidence(e, mode) < threshold) continue;
    kept += w;
    if (!answerCorrect(e)) wrong += w;
  }
  return {
    escalationRate: total > 0 ? 1 - kept / total : 0,
    keptError: kept > 0 ? wrong / kept : 0,
    jointRisk: total > 0 ? wrong / total : 0,
  };
}

/** r*: the threshold policy's kept-answer error estimated from a history (importance-weighted). */
export function thresholdPolicyRisk(
  history: readonly PolicyHistoryExample[],
  threshold: number,
  mode: DetectorMode,
): number {
  return thresholdPolicyStats(history, threshold, mode).keptError;
}

/** The OODD-adjusted top confidence, as the edge compares it with the threshold. */
function adjustedConfidence(e: PolicyHistoryExample, mode: DetectorMode): number {
  const p = e.observation.probabilities;
  return adjustConfidenceForDomain({
    confidence: Math.max(...p),
    inDomainProbability: e.observation.inDomain,
    mode,
    numClasses: p.length,
  });
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

/**
 * Importance-weighted area under the risk–coverage curve when answers are kept in `score` order (lower =
 * kept first): the mean, over coverage, of the kept-answer error. Lower is a better ranking.
 */
export function weightedAurc(
  score: readonly number[],
  wrong: readonly boolean[],
  weights: readonly number[],
) {
  const order = score.map((s, i) => ({ s, w: weights[i]!, bad: wrong[i]! })).sort((a, b) => a.s - b.s);
  const total = order.reduce((a, o) => a + o.w, 0);
  let kept = 0;
  let errors = 0;
  let area = 0;
  for (const o of order) {
    kept += o.w;
    if (o.bad) errors += o.w;
    area += o.w * (errors / kept);
  }
  return total > 0 ? area / total : 0;
}

export function fitEscalationPolicy(input: {
  history: readonly PolicyHistoryExample[];
  /** The detector's confidence threshold (the threshold policy the history was answered with). */
  threshold: number;
  mode: DetectorMode;
  options?: EscalationPolicyOptions;
}): EscalationPolicyFit {
  const opts = { ...DEFAULT_ESCALATION_POLICY_OPTIONS, ...input.options };
  const { history, threshold, mode } = input;
  // Its own salt: independent of the model's held-out split.
  const fit = history.filter((e) => idHash(e.id, 'escalation-policy-v1') < 0.5);
  const cal = history.filter((e) => idHash(e.id, 'escalation-policy-v1') >= 0.5);
  const ref = thresholdPolicyStats(fit, threshold, mode);
  const base = {
    targetRisk: ref.keptError,
    targetJointRisk: ref.jointRisk,
    fitExamples: fit.length,
    calibrationExamples: cal.length,
    lttResult: null,
    crcResult: null,
    heldOut: null,
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
    risk_threshold: 1,
    conformal_quantile: q,
    conformal_alpha: opts.conformalAlpha,
    neighbors: opts.neighbors,
    risk_control: opts.riskControl,
    target_risk: ref.keptError,
    target_joint_risk: ref.jointRisk,
    delta: opts.riskControl === 'learn_then_test' ? opts.delta : null,
    confidence_threshold: threshold,
    held_out: {
      examples: 0,
      escalation_rate_threshold: 0,
      escalation_rate_policy: 0,
      edge_error_threshold: 0,
      edge_error_policy: 0,
      aurc_confidence: 0,
      aurc_policy: 0,
      won: false,
    },
    history_examples: history.length,
  };
  // The λ grid: risk quantiles of the fitting half at coverage 30%, 30.5%, …, 100% (ascending = most
  // cautious first; never seen by the calibration half).
  const fitRisks = fit.map((e) => policyRisk(draft, featuresOf(e)));
  const levels = Array.from({ length: 141 }, (_, i) => 0.3 + i / 200);
  const grid = [...new Set(weightedQuantiles(fitRisks, fit.map(weightOf), levels))];
  const calRisks = cal.map((e) => policyRisk(draft, featuresOf(e)));
  const points: CalibrationPoint[] = cal.map((e, i) => ({
    risk: calRisks[i]!,
    wrong: !answerCorrect(e),
    labelledProbability: e.labelledProbability,
  }));
  const lttResult =
    opts.riskControl === 'learn_then_test' ? learnThenTest(points, grid, ref.keptError, opts.delta) : null;
  const crcResult = lttResult ? null : conformalRiskControl(points, grid, ref.jointRisk);
  // Either method's certified λ and the calibration half's estimates there.
  const riskControl: NonNullable<EscalationPolicyFit['riskControl']> = lttResult
    ? {
        lambda: lttResult.lambda,
        bound: lttResult.upper,
        keptShare: lttResult.keptShare,
        keptError: lttResult.point,
      }
    : {
        lambda: crcResult!.lambda,
        bound: crcResult!.adjusted,
        keptShare: crcResult!.keptShare,
        keptError: crcResult!.keptError,
      };
  const lambda = riskControl.lambda;
  if (lambda === null)
    return { ...base, lttResult, crcResult, model: null, reason: 'NOT_CERTIFIED', riskControl };

  // Held out from the fit (the calibration half): the threshold policy vs the policy at λ̂.
  const calStats = thresholdPolicyStats(cal, threshold, mode);
  const w = cal.map(weightOf);
  const wrong = cal.map((e) => !answerCorrect(e));
  const heldOut: EscalationPolicyHeldOut = {
    examples: cal.length,
    escalation_rate_threshold: calStats.escalationRate,
    escalation_rate_policy: 1 - riskControl.keptShare,
    edge_error_threshold: calStats.keptError,
    edge_error_policy: riskControl.keptError,
    aurc_confidence: weightedAurc(
      cal.map((e) => -adjustedConfidence(e, mode)),
      wrong,
      w,
    ),
    aurc_policy: weightedAurc(calRisks, wrong, w),
    won: false,
  };
  heldOut.won =
    heldOut.escalation_rate_policy < heldOut.escalation_rate_threshold &&
    heldOut.edge_error_policy <= heldOut.edge_error_threshold &&
    heldOut.aurc_policy < heldOut.aurc_confidence;
  return {
    ...base,
    lttResult,
    crcResult,
    heldOut,
    model: { ...draft, risk_threshold: lambda, held_out: heldOut },
    reason: heldOut.won ? 'FITTED' : 'NOT_BETTER',
    riskControl,
  };
}
