/**
 * The learned escalation policy, evaluated from data (pure: the model is numbers shipped in the model package,
 * fitted by libs/learning escalation-policy/). It predicts the probability that the edge's answer is wrong from
 * a few features of the answer and escalates when that risk exceeds the threshold chosen by risk control, so
 * people see the answers most likely to be wrong instead of every answer below a confidence threshold.
 *
 * Features, in `ESCALATION_POLICY_FEATURES` order:
 *   confidence          calibrated top-class probability (before the OODD adjustment)
 *   margin              top probability minus the runner-up's
 *   in_domain           the OODD head's in-domain probability (1 when there is no OODD model)
 *   neighbor_agreement  share of the nearest labelled examples whose label is the answer (0.5 with none)
 *   conformal_set_size  size of the split-conformal prediction set {k : p_k ≥ 1 − q̂}, at least 1
 *   model_age_days      days since the model version was trained
 *   audit_disagreement  the detector's recent share of audits that disagreed with the edge (0 with none)
 */
import type { ExplanationStep } from '@intellioptics/schema';

export const ESCALATION_POLICY_FEATURES = [
  'confidence',
  'margin',
  'in_domain',
  'neighbor_agreement',
  'conformal_set_size',
  'model_age_days',
  'audit_disagreement',
] as const;
export type EscalationPolicyFeature = (typeof ESCALATION_POLICY_FEATURES)[number];

export const ESCALATION_POLICY_KIND = 'logistic_risk_v1';

/** The shipped policy (the `escalation_policy.json` part of a primary model package). JSON-safe. */
export interface EscalationPolicyModel {
  kind: typeof ESCALATION_POLICY_KIND;
  features: readonly EscalationPolicyFeature[];
  /** Standardisation: z = (x − mean) / scale, per feature. */
  mean: readonly number[];
  scale: readonly number[];
  weights: readonly number[];
  bias: number;
  /** Escalate when the predicted risk is above this (chosen by Learn-then-Test on calibration history). */
  riskThreshold: number;
  /** Split-conformal quantile q̂ of the score 1 − p_true at level `conformalAlpha`. */
  conformalQuantile: number;
  conformalAlpha: number;
  /** How many nearest labelled examples the neighbour agreement uses. */
  neighbors: number;
  /** The guarantee: with probability ≥ 1 − delta, kept-answer error ≤ targetRisk (the threshold policy's). */
  targetRisk: number;
  delta: number;
}

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

/** The raw (unstandardised) feature vector, in ESCALATION_POLICY_FEATURES order. */
export function policyFeatures(
  obs: PolicyObservation,
  conformalQuantile: number,
  neighbors: number,
): { values: number[]; top: number; set: string[]; used: number; disagreeing: number } {
  const { top, margin, set } = readProbabilities(obs, conformalQuantile);
  const answer = obs.classNames[top]!;
  const near = obs.neighborLabels.slice(0, neighbors);
  const agreeing = near.filter((l) => l === answer).length;
  const values = [
    obs.probabilities[top]!,
    margin,
    obs.inDomain ?? 1,
    near.length > 0 ? agreeing / near.length : 0.5,
    set.length,
    Math.max(0, obs.modelAgeDays),
    obs.auditDisagreement ?? 0,
  ];
  return { values, top, set, used: near.length, disagreeing: near.length - agreeing };
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
  const f = policyFeatures(obs, model.conformalQuantile, model.neighbors);
  const risk = policyRisk(model, f.values);
  const escalate = risk > model.riskThreshold;
  const answer = obs.classNames[f.top]!;
  const setText = `conformal set {${f.set.join(', ')}}`;
  const nbText =
    f.used === 0
      ? 'no labelled neighbours'
      : `${f.disagreeing} of ${f.used} nearest labelled examples disagree`;
  const riskText = `estimated error risk ${(100 * risk).toFixed(1)}% ${escalate ? '>' : '≤'} ${(100 * model.riskThreshold).toFixed(1)}%`;
  return {
    escalate,
    risk,
    riskThreshold: model.riskThreshold,
    answer,
    conformalSet: f.set,
    neighborsDisagreeing: f.disagreeing,
    neighborsUsed: f.used,
    text: `${setText}; ${nbText}; ${riskText}: ${escalate ? 'escalate' : 'answer at the edge'}`,
  };
}

/** A shipped policy that does not fit this contract is a packaging bug: throw, the caller falls back. */
export function assertModel(model: EscalationPolicyModel): void {
  const n = ESCALATION_POLICY_FEATURES.length;
  if (model.kind !== ESCALATION_POLICY_KIND)
    throw new RangeError(`unknown policy kind ${String(model.kind)}`);
  const aligned =
    model.features.length === n &&
    model.features.every((f, i) => f === ESCALATION_POLICY_FEATURES[i]) &&
    [model.mean, model.scale, model.weights].every((a) => a.length === n && a.every(Number.isFinite));
  if (!aligned) throw new RangeError('escalation policy features/weights do not match the contract');
  if (!(model.riskThreshold >= 0 && model.riskThreshold <= 1))
    throw new RangeError(`riskThreshold must be in [0, 1], got ${model.riskThreshold}`);
  if (!Number.isFinite(model.bias) || !Number.isFinite(model.conformalQuantile))
    throw new RangeError('escalation policy numbers must be finite');
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
    },
  };
}
