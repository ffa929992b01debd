/**
 * The learned escalation policy, evaluated from data (pure: the model is numbers shipped in the model package,
 * fitted by libs/learning escalation-policy/). It predicts the probability that the edge's answer is wrong from
 * a few features of the answer. It decides only the answers the threshold policy would escalate (decide.ts):
 * those whose risk is ≤ the threshold chosen by risk control are answered at the edge, so people stop seeing
 * the escalations the edge gets right while the confident answers stay as they were.
 *
 * Features, in `ESCALATION_POLICY_FEATURES` order:
 *   confidence          calibrated top-class probability (before the OODD adjustment)
 *   margin              top probability minus the runner-up's
 *   in_domain           the OODD head's in-domain probability (1 when there is no OODD model)
 *   neighbor_agreement  share of the nearest labelled examples whose label is the answer (0.5 with none)
 *   conformal_set_size  size of the split-conformal prediction set {k : p_k ≥ 1 − q̂}, at least 1
 *   model_age_days      days since the model version was trained
 *   audit_disagreement  the detector's recent share of audits that disagreed with the edge (0 with none)
 *   class_risk          log-odds of the answered class's error rate among the detector's escalations (the
 *                       model's `class_risk` table): a pooled confidence means different things per class
 */
import {
  ESCALATION_POLICY_FEATURES,
  ESCALATION_POLICY_KIND,
  readEscalationPolicy,
  type EscalationPolicyFeature,
  type EscalationPolicyModel,
  type ExplanationStep,
} from '@intellioptics/schema';

// The contract (type + zod schema) lives in libs/schema escalation-policy.ts; re-exported for callers here.
export { ESCALATION_POLICY_FEATURES, ESCALATION_POLICY_KIND };
export type { EscalationPolicyFeature, EscalationPolicyModel };

/** What the edge knows about one answer. */
export interface PolicyObservation {
  classNames: readonly string[];
  /** Calibrated probabilities, aligned with classNames. */
  probabilities: readonly number[];
  /** OODD in-domain probability; null = no OODD model. */
  inDomain: number | null;
  /** Labels of the nearest labelled examples, most similar first (from the package's neighbour index). */
  neighborLabels: readonly string[];
  modelAgeDays: number;
  /** Recent audit disagreement rate of the detector; null when no audits are known. */
  auditDisagreement: number | null;
}

export interface PolicyVerdict {
  escalate: boolean;
  risk: number;
  riskThreshold: number;
  answer: string;
  conformalSet: string[];
  neighborsDisagreeing: number;
  neighborsUsed: number;
  /** The answered class's error rate among the detector's past escalations (the class_risk table). */
  classRisk: number;
  /** One sentence for the explanation's `policy` step. */
  text: string;
}

/** Top label index and the conformal set, shared by feature building and the explanation. */
function readProbabilities(obs: PolicyObservation, conformalQuantile: number) {
  const p = obs.probabilities;
  if (p.length < 2 || p.length !== obs.classNames.length)
    throw new RangeError(`need ≥ 2 probabilities aligned with classNames, got ${p.length}`);
  let top = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[top]!) top = k;
  let second = -Infinity;
  for (let k = 0; k < p.length; k++) if (k !== top && p[k]! > second) second = p[k]!;
  const set = obs.classNames.filter((_, k) => p[k]! >= 1 - conformalQuantile);
  return { top, margin: p[top]! - second, set: set.length > 0 ? set : [obs.classNames[top]!] };
}

/** What the features read from the policy itself (the model fields of the same names). */
export interface PolicyFeatureParams {
  conformalQuantile: number;
  neighbors: number;
  classRisk: Readonly<Record<string, number>>;
  classRiskDefault: number;
}

export const featureParamsOf = (m: EscalationPolicyModel): PolicyFeatureParams => ({
  conformalQuantile: m.conformal_quantile,
  neighbors: m.neighbors,
  classRisk: m.class_risk,
  classRiskDefault: m.class_risk_default,
});

/** Log-odds of a rate, kept finite (a class never wrong in the history is not certainly right). */
export const rateLogOdds = (r: number): number => {
  const c = Math.min(1 - 1e-3, Math.max(1e-3, r));
  return Math.log(c / (1 - c));
};

/** The raw (unstandardised) feature vector, in ESCALATION_POLICY_FEATURES order. */
export function policyFeatures(
  obs: PolicyObservation,
  params: PolicyFeatureParams,
): { values: number[]; top: number; set: string[]; used: number; disagreeing: number; classRisk: number } {
  const { top, margin, set } = readProbabilities(obs, params.conformalQuantile);
  const answer = obs.classNames[top]!;
  const near = obs.neighborLabels.slice(0, params.neighbors);
  const agreeing = near.filter((l) => l === answer).length;
  const classRisk = Object.hasOwn(params.classRisk, answer)
    ? params.classRisk[answer]!
    : params.classRiskDefault;
  const values = [
    obs.probabilities[top]!,
    margin,
    obs.inDomain ?? 1,
    near.length > 0 ? agreeing / near.length : 0.5,
    set.length,
    Math.max(0, obs.modelAgeDays),
    obs.auditDisagreement ?? 0,
    rateLogOdds(classRisk),
  ];
  return { values, top, set, used: near.length, disagreeing: near.length - agreeing, classRisk };
}

/** Predicted probability that the answer is wrong. */
export function policyRisk(model: EscalationPolicyModel, values: readonly number[]): number {
  let z = model.bias;
  for (let i = 0; i < model.weights.length; i++) {
    const s = model.scale[i]! > 0 ? model.scale[i]! : 1;
    z += model.weights[i]! * ((values[i]! - model.mean[i]!) / s);
  }
  return 1 / (1 + Math.exp(-z));
}

export function evaluateEscalationPolicy(
  model: EscalationPolicyModel,
  obs: PolicyObservation,
): PolicyVerdict {
  assertModel(model);
  const f = policyFeatures(obs, featureParamsOf(model));
  const risk = policyRisk(model, f.values);
  const escalate = risk > model.risk_threshold;
  const answer = obs.classNames[f.top]!;
  const setText = `conformal set {${f.set.join(', ')}}`;
  const nbText =
    f.used === 0
      ? 'no labelled neighbours'
      : `${f.disagreeing} of ${f.used} nearest labelled examples disagree`;
  const classText = `${answer} wrong in ${(100 * f.classRisk).toFixed(0)}% of past escalations`;
  const riskText = `estimated error risk ${(100 * risk).toFixed(1)}% ${escalate ? '>' : '≤'} ${(100 * model.risk_threshold).toFixed(1)}%`;
  return {
    escalate,
    risk,
    riskThreshold: model.risk_threshold,
    answer,
    conformalSet: f.set,
    neighborsDisagreeing: f.disagreeing,
    neighborsUsed: f.used,
    classRisk: f.classRisk,
    text: `${setText}; ${nbText}; ${classText}; ${riskText}: ${escalate ? 'escalate' : 'answer at the edge'}`,
  };
}

/** Models already checked: the edge decides every query with the same package's policy object. */
const checkedModels = new WeakSet<EscalationPolicyModel>();

/** A shipped policy that does not fit this contract is a packaging bug: throw, the caller falls back. */
export function assertModel(model: EscalationPolicyModel): void {
  if (checkedModels.has(model)) return;
  const r = readEscalationPolicy(model);
  if (r.error !== null) throw new RangeError(`escalation policy off its contract: ${r.error}`);
  checkedModels.add(model);
}

/** The explanation's `policy` step (libs/schema explanation.ts) for a decision the learned policy took. */
export function policyStep(v: PolicyVerdict): ExplanationStep {
  return {
    kind: 'policy',
    text: `Learned escalation policy: ${v.text}.`,
    data: {
      risk: v.risk,
      risk_threshold: v.riskThreshold,
      escalate: v.escalate,
      conformal_set: v.conformalSet.join(', '),
      conformal_set_size: v.conformalSet.length,
      neighbors_disagreeing: v.neighborsDisagreeing,
      neighbors_used: v.neighborsUsed,
      class_risk: v.classRisk,
    },
  };
}

export type EscalationPolicyChoice =
  /** The detector's setting is `threshold`. */
  | 'SETTING_THRESHOLD'
  /** The primary package ships no policy (too little history, nothing certified, or an older package). */
  | 'NONE_SHIPPED'
  /** The setting is `learned`: the shipped policy, won or not. */
  | 'SETTING_LEARNED'
  /** No setting: the shipped policy, because it beat the threshold policy on held-out history. */
  | 'WON_HELD_OUT'
  /** No setting: the shipped policy did not beat the threshold policy on held-out history. */
  | 'DID_NOT_WIN';

/**
 * The policy the edge decides with, from the detector's `escalation_policy` setting and the policy its primary
 * package ships. Unset means "learned when it won on held-out history" (the product's default).
 */
export function selectEscalationPolicy(
  setting: 'threshold' | 'learned' | null | undefined,
  shipped: EscalationPolicyModel | null | undefined,
): { model: EscalationPolicyModel | null; choice: EscalationPolicyChoice } {
  if (setting === 'threshold') return { model: null, choice: 'SETTING_THRESHOLD' };
  if (!shipped) return { model: null, choice: 'NONE_SHIPPED' };
  if (setting === 'learned') return { model: shipped, choice: 'SETTING_LEARNED' };
  return shipped.held_out.won
    ? { model: shipped, choice: 'WON_HELD_OUT' }
    : { model: null, choice: 'DID_NOT_WIN' };
}

/**
 * The policy's observation of one inference answer (libs/schema inference-answer.ts): class order and
 * probabilities as the model reported them, its OODD probability, and the neighbour labels and model age the
 * answer carries with the policy. Null for answers without a distribution (built-in models).
 */
export function policyObservationOf(answer: {
  probabilities: Record<string, number>;
  in_domain_probability: number | null;
  escalation_policy?: { neighbor_labels: string[]; model_age_days: number } | undefined;
}): PolicyObservation | null {
  const classNames = Object.keys(answer.probabilities);
  if (classNames.length < 2 || !answer.escalation_policy) return null;
  return {
    classNames,
    probabilities: classNames.map((c) => answer.probabilities[c]!),
    inDomain: answer.in_domain_probability,
    neighborLabels: answer.escalation_policy.neighbor_labels,
    modelAgeDays: answer.escalation_policy.model_age_days,
    // The edge does not learn its audits' outcomes yet; the fit sees 0 for every example too.
    auditDisagreement: null,
  };
}
