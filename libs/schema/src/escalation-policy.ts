/**
 * The learned escalation policy's contract: the numbers a primary model package carries
 * (`metadata.escalation_policy`, libs/vision package) and libs/decision evaluates at the edge. It decides only
 * the answers the threshold policy would escalate at `confidence_threshold`: those whose predicted risk is
 * ≤ `risk_threshold` are answered at the edge instead; confident answers stay kept. Fitted by
 * libs/learning escalation-policy/ from a detector's labelled history; `held_out` says whether it beat the
 * threshold policy on history the fit did not use (the edge's default when the detector's escalation_policy
 * is unset). JSON-safe, snake_case like the rest of the package metadata.
 */
import { z } from 'zod';

export const ESCALATION_POLICY_FEATURES = [
  'confidence',
  'margin',
  'in_domain',
  'neighbor_agreement',
  'conformal_set_size',
  'model_age_days',
  'audit_disagreement',
  'class_risk',
] as const;
export type EscalationPolicyFeature = (typeof ESCALATION_POLICY_FEATURES)[number];

/**
 * v3: reads the answered class's risk (`class_risk`). v2 (without it) and v1 (which re-ranked every answer) are
 * off contract and fall back to the threshold until the detector's next version.
 */
export const ESCALATION_POLICY_KIND = 'logistic_risk_v3';

const Finite = z.number().finite();
const Probability = z.number().min(0).max(1);
const PerFeature = z.array(Finite).length(ESCALATION_POLICY_FEATURES.length);

/** The threshold policy vs the learned one on the calibration half of the history (importance-weighted). */
export const EscalationPolicyHeldOutSchema = z.object({
  /** Labelled examples of the calibration half. */
  examples: z.number().int().min(0),
  escalation_rate_threshold: Probability,
  escalation_rate_policy: Probability,
  edge_error_threshold: Probability,
  edge_error_policy: Probability,
  /**
   * Area under the risk–coverage curve of the answers the threshold escalates (the ones the policy decides),
   * ranked by confidence vs by the policy's risk (lower is better).
   */
  aurc_confidence: Finite,
  aurc_policy: Finite,
  /**
   * Certified, fewer escalations and a better risk ranking. The edge error is certified (≤ target_risk with
   * probability ≥ 1 − delta), not compared here: the half's few audited errors would decide it by chance. The
   * same half chose the operating point, so this is a little optimistic; bench:escalation measures on unseen
   * queries.
   */
  won: z.boolean(),
});
export type EscalationPolicyHeldOut = z.infer<typeof EscalationPolicyHeldOutSchema>;

export const EscalationPolicyModelSchema = z
  .object({
    kind: z.literal(ESCALATION_POLICY_KIND),
    features: z
      .array(z.enum(ESCALATION_POLICY_FEATURES))
      .length(ESCALATION_POLICY_FEATURES.length)
      .refine((f) => f.every((name, i) => name === ESCALATION_POLICY_FEATURES[i]), 'features out of order'),
    /** Standardisation z = (x − mean) / scale, then the logistic model of P(edge answer wrong). */
    mean: PerFeature,
    scale: PerFeature,
    weights: PerFeature,
    bias: Finite,
    /** Of the answers the threshold would escalate, escalate those whose predicted risk is above this. */
    risk_threshold: Probability,
    /** Split-conformal quantile q̂ of the score 1 − p_true at level conformal_alpha. */
    conformal_quantile: Probability,
    conformal_alpha: Probability,
    /** How many nearest labelled examples the neighbour agreement reads. */
    neighbors: z.number().int().min(0),
    /**
     * The `class_risk` feature's table: per answered class, its share of wrong answers among the fitting
     * half's escalations, smoothed toward their overall share (`class_risk_default`, also read for a class
     * the history never answered). The feature is its log-odds.
     */
    class_risk: z.record(z.string(), Probability),
    class_risk_default: Probability,
    /**
     * How the operating point was certified: Learn-then-Test, with probability ≥ 1 − delta the rescued
     * answers' error is ≤ target_risk.
     */
    risk_control: z.literal('learn_then_test'),
    /** r*: the threshold policy's kept-answer error, estimated on the fitting half. */
    target_risk: Probability,
    delta: Probability,
    /** The confidence threshold it was certified at; under another threshold the edge uses the threshold policy. */
    confidence_threshold: Probability,
    held_out: EscalationPolicyHeldOutSchema,
    /** The labelled history it was fitted on. */
    history_examples: z.number().int().min(0),
  })
  .strict();
export type EscalationPolicyModel = z.infer<typeof EscalationPolicyModelSchema>;

/** A policy read from a package or a request, or null with the reason (never throws). */
export function readEscalationPolicy(
  value: unknown,
): { model: EscalationPolicyModel; error: null } | { model: null; error: string } {
  const r = EscalationPolicyModelSchema.safeParse(value);
  if (r.success) return { model: r.data, error: null };
  const first = r.error.issues[0];
  return { model: null, error: `${first?.path.join('.') || 'policy'}: ${first?.message ?? 'invalid'}` };
}
