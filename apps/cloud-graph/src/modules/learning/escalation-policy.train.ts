/**
 * The training worker's escalation-policy step (#18): fits the detector's learned escalation policy for the new
 * primary on its labelled history (libs/learning policyHistory + fitEscalationPolicy) and returns it for the
 * package's `metadata.escalation_policy`. How each image query came to be labelled is read from its metadata:
 * an edge audit (`is_edge_audit`, `audit_rate`) weighs 1/audit rate, everything else 1.
 * A feature-map primary (the recursive head) gets none: its probabilities are not the pooled head's, which the
 * history is built from.
 */
import {
  DEFAULT_ESCALATION_POLICY_OPTIONS,
  fitEscalationPolicy,
  policyHistory,
  type Candidate,
  type EscalationPolicyFit,
  type LabelledExample,
} from '@intellioptics/learning';
import {
  DEFAULT_EDGE_CONFIG,
  readEscalationMetadata,
  type DetectorMode,
  type EscalationPolicyModel,
} from '@intellioptics/schema';

export interface PolicyStepResult {
  model: EscalationPolicyModel | null;
  /** For the version's metrics and the job result. */
  summary: Record<string, unknown>;
  /** One line for the job log. */
  line: string;
}

/** P(labelled) of one image query from its metadata. */
export function labelledProbability(metadata: unknown): number {
  const m = readEscalationMetadata(metadata);
  if (!m.is_edge_audit) return 1;
  const rate = m.audit_rate ?? DEFAULT_EDGE_CONFIG.global_config.confident_audit_rate;
  return rate > 0 ? rate : 1;
}

export function fitPolicyForVersion(input: {
  detector: {
    mode: DetectorMode;
    modeConfiguration: Record<string, unknown> | null;
    confidenceThreshold: number;
  };
  candidate: Candidate;
  examples: readonly LabelledExample[];
  metadata: ReadonlyMap<string, unknown>;
  head: 'linear' | 'recursive';
  l2?: number;
}): PolicyStepResult {
  if (input.head !== 'linear') {
    return {
      model: null,
      summary: { reason: 'RECURSIVE_PRIMARY' },
      line: 'escalation policy: none for a recursive primary (threshold policy)',
    };
  }
  const opts = DEFAULT_ESCALATION_POLICY_OPTIONS;
  if (input.examples.length < opts.minLabelled) {
    // The fit would refuse it anyway; the out-of-fold predictions are not worth computing.
    return {
      model: null,
      summary: { reason: 'HISTORY_TOO_SMALL', history_examples: input.examples.length },
      line: `escalation policy HISTORY_TOO_SMALL: ${input.examples.length} labelled answers, needs ${opts.minLabelled} (threshold policy)`,
    };
  }
  const history = policyHistory({
    detector: input.detector,
    candidate: input.candidate,
    examples: input.examples.map((e) => ({
      ...e,
      labelledProbability: labelledProbability(input.metadata.get(e.id)),
    })),
    neighbors: opts.neighbors,
    ...(input.l2 !== undefined ? { l2: input.l2 } : {}),
  });
  const fit = fitEscalationPolicy({
    history,
    threshold: input.detector.confidenceThreshold,
    mode: input.detector.mode,
  });
  return { model: fit.model, summary: summarise(fit, history.length), line: logLine(fit, history.length) };
}

function summarise(fit: EscalationPolicyFit, historyExamples: number): Record<string, unknown> {
  return {
    reason: fit.reason,
    history_examples: historyExamples,
    fit_examples: fit.fitExamples,
    calibration_examples: fit.calibrationExamples,
    target_risk: fit.targetRisk,
    target_risk_estimate: fit.targetRiskEstimate,
    risk_threshold: fit.model?.risk_threshold ?? null,
    held_out: fit.heldOut,
  };
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

function logLine(fit: EscalationPolicyFit, n: number): string {
  const h = fit.heldOut;
  const head = `escalation policy ${fit.reason} on ${n} labelled answers (r* ${pct(fit.targetRisk)})`;
  if (!h) return head;
  return `${head}: held out ${h.examples}, escalation ${pct(h.escalation_rate_threshold)} → ${pct(h.escalation_rate_policy)}, edge error ${pct(h.edge_error_threshold)} → ${pct(h.edge_error_policy)}${h.won ? ' (won)' : ''}`;
}
