/**
 * Fits a detector's escalation policy from its own history of labelled edge answers (escalations labelled by
 * people, audits of confident answers, importance-weighted by 1/P(labelled)). The policy only ever rescues
 * answers from escalation: what the threshold policy keeps stays kept, and of the answers it would escalate
 * the policy answers at the edge those whose predicted risk of being wrong is ≤ λ. The kept answers' error then
 * stays ≤ r* (the threshold policy's own kept error) exactly when the rescued answers' error is ≤ r* — and the
 * rescued answers come from the region every answer of which people labelled (P(labelled) = 1), so their error
 * can be certified from plain counts. A policy free to also escalate confident answers would need its
 * certificate from audits (a tenth of the confident answers, a handful of errors): it never certified
 * anything in bench:escalation (fe_reduction 0.00 over four sessions).
 *
 * The history is split by id hash into a fitting half and a calibration half.
 *   fitting half: r* (targetRiskOf: the audited confident answers' error), the split-conformal quantile, the
 *     weighted logistic model of P(edge wrong) on the answers the threshold escalates, and the λ grid with the
 *     start of its test sequence;
 *   calibration half: Learn-then-Test of the rescued answers' error at r* (fixed sequence, Clopper–Pearson,
 *     level δ) and the held-out comparison with the threshold policy that decides whether it "won".
 * r* never comes from the data that certifies the policy against it.
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
  keptErrorUpperBound,
  learnThenTest,
  type CalibrationPoint,
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
}

export const DEFAULT_ESCALATION_POLICY_OPTIONS: Required<EscalationPolicyOptions> = {
  delta: 0.1,
  conformalAlpha: 0.1,
  neighbors: 5,
  minLabelled: 200,
  minErrors: 10,
  l2: 1,
};

/** FITTED: certified and won on the calibration half; NOT_BETTER: certified, did not win (shipped, off by default). */
export type EscalationPolicyFitReason = 'FITTED' | 'NOT_BETTER' | 'HISTORY_TOO_SMALL' | 'NOT_CERTIFIED';

export interface EscalationPolicyFit {
  model: EscalationPolicyModel | null;
  /** The fitted risk model, certified or not (no operating point): to measure its ranking. */
  riskModel: EscalationPolicyModel | null;
  reason: EscalationPolicyFitReason;
  /** r*: the threshold policy's kept error, estimated on the fitting half (targetRiskOf). */
  targetRisk: number;
  /** How r* was estimated: the audits' own error, the model's predicted error, the audits' upper bound. */
  targetRiskEstimate: TargetRiskEstimate;
  /** The certified λ, its bound, and the calibration half's kept share and kept error there. */
  riskControl: { lambda: number | null; bound: number; keptShare: number; keptError: number } | null;
  lttResult: RiskControlResult | null;
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

/** The threshold policy on a labelled history (importance-weighted): escalation rate and kept error. */
export function thresholdPolicyStats(
  history: readonly PolicyHistoryExample[],
  threshold: number,
  mode: DetectorMode,
): { escalationRate: number; keptError: number } {
  let total = 0;
  let kept = 0;
  let wrong = 0;
  for (const e of history) {
    const w = weightOf(e);
    total += w;
    if (escalatedByThreshold(e, threshold, mode)) continue;
    kept += w;
    if (!answerCorrect(e)) wrong += w;
  }
  return {
    escalationRate: total > 0 ? 1 - kept / total : 0,
    keptError: kept > 0 ? wrong / kept : 0,
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

export interface TargetRiskEstimate {
  /** Importance-weighted error of the audited confident answers: r*. */
  audited: number;
  /** Their mean predicted error 1 − p(top), from the model's calibrated probabilities. */
  predicted: number;
  /** Clopper–Pearson upper bound (level δ, stratified by P(labelled)) on the audited error. */
  auditUpper: number;
  /** Confident answers audited. */
  audits: number;
}

/**
 * r*, the threshold policy's kept-answer error: the importance-weighted error of the audited confident answers.
 * With the estimate, what an operator needs to read it: at r* ≈ 1% a few dozen audits mostly hold 0 or 1 error
 * (r* = 0 certifies nothing), and the model's own predicted error and the audits' upper bound show how little
 * they pin it down. The model's prediction is not used as r*: it is only as good as the calibration among
 * confident answers (in bench:escalation 1.0–1.6× the test error, 8× on an easy detector), and a policy
 * certified against an r* set too high answers worse than the threshold. No audits: r* = 0.
 */
export function targetRiskOf(
  history: readonly PolicyHistoryExample[],
  threshold: number,
  mode: DetectorMode,
  delta: number,
): { target: number; estimate: TargetRiskEstimate } {
  const audited = history.filter((e) => !escalatedByThreshold(e, threshold, mode));
  let weight = 0;
  let predicted = 0;
  for (const e of audited) {
    weight += weightOf(e);
    predicted += weightOf(e) * (1 - Math.max(...e.observation.probabilities));
  }
  const estimate: TargetRiskEstimate = {
    audited: thresholdPolicyRisk(history, threshold, mode),
    predicted: weight > 0 ? predicted / weight : 0,
    auditUpper: keptErrorUpperBound(
      calibrationPoints(
        audited,
        audited.map(() => 0),
      ),
      0,
      delta,
    ).upper,
    audits: audited.length,
  };
  return { target: estimate.audited, estimate };
}

/** The threshold policy escalates it: its OODD-adjusted confidence is below the threshold (decide.ts step 7). */
const escalatedByThreshold = (e: PolicyHistoryExample, threshold: number, mode: DetectorMode): boolean =>
  adjustedConfidence(e, mode) < threshold;

/** Risk-control points of labelled answers scored by a risk model. */
const calibrationPoints = (
  xs: readonly PolicyHistoryExample[],
  risks: readonly number[],
): CalibrationPoint[] =>
  xs.map((e, i) => ({
    risk: risks[i]!,
    wrong: !answerCorrect(e),
    labelledProbability: e.labelledProbability,
  }));

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

/** Pseudo-answers at the overall rate each class's error rate is smoothed with (a class seen 3 times says little). */
const CLASS_RISK_PRIOR = 10;

/**
 * The class_risk table: per answered class, the weighted share of wrong answers among the escalations, smoothed
 * toward the overall share. A pooled confidence of 0.7 means one thing for a shirt and another for a trouser.
 */
export function classRiskTable(escalated: readonly PolicyHistoryExample[]): {
  table: Record<string, number>;
  overall: number;
} {
  const byClass = new Map<string, { weight: number; wrong: number }>();
  let weight = 0;
  let wrong = 0;
  for (const e of escalated) {
    const answer = e.observation.classNames[topIndex(e.observation.probabilities)]!;
    const c = byClass.get(answer) ?? { weight: 0, wrong: 0 };
    const w = weightOf(e);
    const bad = answerCorrect(e) ? 0 : w;
    c.weight += w;
    c.wrong += bad;
    byClass.set(answer, c);
    weight += w;
    wrong += bad;
  }
  const overall = weight > 0 ? wrong / weight : 0;
  const table: Record<string, number> = {};
  for (const [name, c] of [...byClass].sort(([a], [b]) => a.localeCompare(b)))
    table[name] = (c.wrong + CLASS_RISK_PRIOR * overall) / (c.weight + CLASS_RISK_PRIOR);
  return { table, overall };
}

/** λ grid: rescued shares of the escalated answers 1%, 2%, …, 100% (the fitting half's risk quantiles). */
const GRID_SHARES = Array.from({ length: 100 }, (_, i) => (i + 1) / 100);

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
  const { target: rStar, estimate } = targetRiskOf(fit, threshold, mode, opts.delta);
  const escalated = (e: PolicyHistoryExample): boolean => escalatedByThreshold(e, threshold, mode);
  const fitEsc = fit.filter(escalated);
  const calEsc = cal.filter(escalated);
  const base = {
    targetRisk: rStar,
    targetRiskEstimate: estimate,
    fitExamples: fit.length,
    calibrationExamples: cal.length,
    lttResult: null,
    heldOut: null,
  };
  const errors = (xs: readonly PolicyHistoryExample[]) => xs.filter((e) => !answerCorrect(e)).length;
  if (
    fit.length < opts.minLabelled / 2 ||
    cal.length < opts.minLabelled / 2 ||
    errors(fitEsc) < opts.minErrors / 2 ||
    errors(calEsc) < opts.minErrors / 2
  )
    return { ...base, model: null, riskModel: null, reason: 'HISTORY_TOO_SMALL', riskControl: null };

  const q = weightedConformalQuantile(
    fit.map((e) => 1 - labelProbability(e)),
    fit.map(weightOf),
    opts.conformalAlpha,
  );
  const classRisk = classRiskTable(fitEsc);
  const params = {
    conformalQuantile: q,
    neighbors: opts.neighbors,
    classRisk: classRisk.table,
    classRiskDefault: classRisk.overall,
  };
  const featuresOf = (e: PolicyHistoryExample): number[] => policyFeatures(e.observation, params).values;
  const lr = fitWeightedLogistic(
    fitEsc.map(featuresOf),
    fitEsc.map((e) => (answerCorrect(e) ? 0 : 1)),
    fitEsc.map(weightOf),
    { l2: opts.l2 },
  );
  const draft: EscalationPolicyModel = {
    kind: ESCALATION_POLICY_KIND,
    features: [...ESCALATION_POLICY_FEATURES],
    mean: lr.mean,
    scale: lr.scale,
    weights: lr.weights,
    bias: lr.bias,
    risk_threshold: 0,
    conformal_quantile: q,
    conformal_alpha: opts.conformalAlpha,
    neighbors: opts.neighbors,
    class_risk: classRisk.table,
    class_risk_default: classRisk.overall,
    risk_control: 'learn_then_test',
    target_risk: rStar,
    delta: opts.delta,
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
  // The λ grid from the fitting half (never seen by the calibration half), most cautious first. The fixed
  // sequence starts where the test is likeliest to pass: the λ whose rescued answers have the lowest upper
  // bound on the fitting half (too few rescued answers prove nothing, too many hold the risky ones), and goes
  // on toward more lenient λ. Starting at the first λ that just passes there fails on the calibration half
  // about half the time, and at the most cautious λ at once. With r* = 0 nothing can be rescued.
  const fitRisks = fitEsc.map((e) => policyRisk(draft, featuresOf(e)));
  const fitWeights = fitEsc.map(weightOf);
  const fullGrid = [...new Set(weightedQuantiles(fitRisks, fitWeights, GRID_SHARES))];
  const fitPoints = calibrationPoints(fitEsc, fitRisks);
  const fitBounds = fullGrid.map((l) => keptErrorUpperBound(fitPoints, l, opts.delta).upper);
  const start = rStar > 0 ? fitBounds.indexOf(Math.min(...fitBounds)) : -1;
  const grid = start < 0 ? [] : fullGrid.slice(start);
  const calRisks = calEsc.map((e) => policyRisk(draft, featuresOf(e)));
  const lttResult = learnThenTest(calibrationPoints(calEsc, calRisks), grid, rStar, opts.delta);
  const lambda = lttResult.lambda;

  // Held out from the fit (the calibration half, importance-weighted): the threshold policy vs the policy at λ̂.
  const calStats = thresholdPolicyStats(cal, threshold, mode);
  const total = cal.reduce((a, e) => a + weightOf(e), 0);
  const rescued = lambda === null ? [] : calEsc.filter((_, i) => calRisks[i]! <= lambda);
  const kept = [...cal.filter((e) => !escalated(e)), ...rescued];
  const keptW = kept.reduce((a, e) => a + weightOf(e), 0);
  const wrongW = kept.filter((e) => !answerCorrect(e)).reduce((a, e) => a + weightOf(e), 0);
  const calEscWrong = calEsc.map((e) => !answerCorrect(e));
  const riskControl = {
    lambda,
    bound: lttResult.upper,
    keptShare: total > 0 ? keptW / total : 0,
    keptError: keptW > 0 ? wrongW / keptW : 0,
  };
  if (lambda === null)
    return { ...base, lttResult, model: null, riskModel: draft, reason: 'NOT_CERTIFIED', riskControl };
  const heldOut: EscalationPolicyHeldOut = {
    examples: cal.length,
    escalation_rate_threshold: calStats.escalationRate,
    escalation_rate_policy: 1 - riskControl.keptShare,
    edge_error_threshold: calStats.keptError,
    edge_error_policy: riskControl.keptError,
    // Both rankings over the answers the threshold escalates, the only ones the policy decides.
    aurc_confidence: weightedAurc(
      calEsc.map((e) => -adjustedConfidence(e, mode)),
      calEscWrong,
      calEsc.map(weightOf),
    ),
    aurc_policy: weightedAurc(calRisks, calEscWrong, calEsc.map(weightOf)),
    won: false,
  };
  // Certified at r* (the fitting half's) already; winning asks for fewer escalations and a better ranking than
  // confidence where the policy decides. The calibration half's own edge error is reported, not required: its
  // handful of audited errors would veto or pass a policy by chance.
  heldOut.won =
    heldOut.escalation_rate_policy < heldOut.escalation_rate_threshold &&
    heldOut.aurc_policy < heldOut.aurc_confidence;
  return {
    ...base,
    lttResult,
    heldOut,
    model: { ...draft, risk_threshold: lambda, held_out: heldOut },
    riskModel: draft,
    reason: heldOut.won ? 'FITTED' : 'NOT_BETTER',
    riskControl,
  };
}
