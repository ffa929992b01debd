/**
 * The detector page's Escalations section as plain data (#18): the last 30 days' edge numbers per policy
 * (threshold vs learned), with a hint where an estimate rests on nothing, and the published primary's
 * escalation-policy fit (`metrics.escalation_policy`) with the held-out before → after and which policy the
 * edge decides with. The choice mirrors libs/decision selectEscalationPolicy.
 */
import type { EscalationGroupFieldsFragment, EscalationPolicyMode } from '../../gql/graphql';
import { percent } from '../../ui/format';

export type PolicyFitReason =
  'FITTED' | 'NOT_BETTER' | 'NOT_CERTIFIED' | 'HISTORY_TOO_SMALL' | 'RECURSIVE_PRIMARY';

export interface PolicyHeldOut {
  examples: number;
  escalationRateThreshold: number;
  escalationRatePolicy: number;
  edgeErrorThreshold: number;
  edgeErrorPolicy: number;
  won: boolean;
}

export interface PolicyFit {
  reason: PolicyFitReason;
  historyExamples: number | null;
  targetRisk: number | null;
  /** Audited confident answers r* rests on (`target_risk_estimate.audits`); null for older versions. */
  audits: number | null;
  heldOut: PolicyHeldOut | null;
}

const REASONS: readonly PolicyFitReason[] = [
  'FITTED',
  'NOT_BETTER',
  'NOT_CERTIFIED',
  'HISTORY_TOO_SMALL',
  'RECURSIVE_PRIMARY',
];

function record(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The fit from a model version's metrics; null when the version records none (older packages). */
export function policyFitOf(metrics: unknown): PolicyFit | null {
  const p = record(record(metrics)?.escalation_policy);
  if (!p || !(REASONS as readonly unknown[]).includes(p.reason)) return null;
  const h = record(p.held_out);
  const rates = h && [
    num(h.examples),
    num(h.escalation_rate_threshold),
    num(h.escalation_rate_policy),
    num(h.edge_error_threshold),
    num(h.edge_error_policy),
  ];
  const heldOut: PolicyHeldOut | null =
    rates && rates.every((x) => x !== null)
      ? {
          examples: rates[0]!,
          escalationRateThreshold: rates[1]!,
          escalationRatePolicy: rates[2]!,
          edgeErrorThreshold: rates[3]!,
          edgeErrorPolicy: rates[4]!,
          won: h.won === true,
        }
      : null;
  return {
    reason: p.reason as PolicyFitReason,
    historyExamples: num(p.history_examples),
    targetRisk: num(p.target_risk),
    audits: num(record(p.target_risk_estimate)?.audits),
    heldOut,
  };
}

/** A policy is in the package only when risk control certified it (won or not). */
export const shipsPolicy = (fit: PolicyFit | null): boolean =>
  fit?.reason === 'FITTED' || fit?.reason === 'NOT_BETTER';

/** libs/learning DEFAULT_ESCALATION_POLICY_OPTIONS.minLabelled (the UI does not bundle the trainer). */
export const MIN_POLICY_HISTORY = 200;

export function reasonText(fit: PolicyFit): string {
  const n = fit.historyExamples;
  switch (fit.reason) {
    case 'FITTED':
      return 'Fitted: its edge error is certified at most the threshold’s, and it won on held-out history.';
    case 'NOT_BETTER':
      return 'Fitted and certified, but not better than the threshold on held-out history.';
    case 'NOT_CERTIFIED':
      // r* is the audits' error: with none seen, no rescue can be certified below it, and only audits help.
      if (fit.targetRisk === 0 && fit.audits !== null)
        return `Not shipped: the threshold’s edge error is 0 on ${fit.audits} audits, so no escalation can be certified to be answered as well; more audits (confident_audit_rate at the edge) let it learn.`;
      return `Not shipped: risk control could not certify the learned policy at the threshold’s edge error${fit.targetRisk !== null && fit.audits !== null ? ` (${percent(fit.targetRisk, 1)} on ${fit.audits} audits)` : ''}.`;
    case 'HISTORY_TOO_SMALL':
      return `Not shipped: ${n === null ? 'too few' : `only ${n}`} labelled answers so far (needs ${MIN_POLICY_HISTORY}).`;
    case 'RECURSIVE_PRIMARY':
      return 'Not shipped: the published primary is the recursive head, which the policy is not fitted for.';
  }
}

export type AppliedPolicy = 'threshold' | 'learned';

/** Which policy the edge decides with, and why, from the detector's setting and the published primary's fit. */
export function appliedPolicy(
  setting: EscalationPolicyMode | null,
  fit: PolicyFit | null,
): { policy: AppliedPolicy; why: string } {
  if (setting === 'THRESHOLD') return { policy: 'threshold', why: 'the detector is set to Threshold' };
  if (!shipsPolicy(fit)) return { policy: 'threshold', why: 'the published primary ships no learned policy' };
  if (setting === 'LEARNED') return { policy: 'learned', why: 'the detector is set to Learned' };
  return fit?.heldOut?.won
    ? { policy: 'learned', why: 'it won on held-out data (Default setting)' }
    : { policy: 'threshold', why: 'the learned policy did not win on held-out data (Default setting)' };
}

export interface BeforeAfterRow {
  label: string;
  before: string;
  after: string;
  /** The learned policy is lower (better) here. */
  better: boolean;
}

/** The held-out comparison: threshold (before) → learned policy (after). */
export function heldOutRows(h: PolicyHeldOut): BeforeAfterRow[] {
  const row = (label: string, before: number, after: number): BeforeAfterRow => ({
    label,
    before: percent(before, 1),
    after: percent(after, 1),
    better: after < before,
  });
  return [
    row('Escalation rate', h.escalationRateThreshold, h.escalationRatePolicy),
    row('Edge error', h.edgeErrorThreshold, h.edgeErrorPolicy),
  ];
}

export interface StatCell {
  label: string;
  value: string;
  /** Why the value is "—", or what it rests on. */
  note: string;
}

const AUDIT_HINT = 'no audits yet: set confident_audit_rate at the edge';

/** One group's numbers for the last 30 days, each with what it rests on or why it is missing. */
export function statCells(g: EscalationGroupFieldsFragment): StatCell[] {
  const answers = `of ≈${Math.round(g.estimatedAnswers)} edge answers`;
  // A rate is missing for want of audits first; `otherwise` says what else it waits for.
  const note = (value: number | null, restsOn: string, otherwise: string): string =>
    value !== null ? restsOn : g.audits === 0 ? AUDIT_HINT : otherwise;
  return [
    {
      label: 'Escalation rate',
      value: percent(g.escalationRate, 1),
      note: g.escalationRate === null ? AUDIT_HINT : `${g.escalations} escalations ${answers}`,
    },
    {
      label: 'False-escalation rate (est.)',
      value: percent(g.falseEscalationRate, 1),
      note: note(
        g.falseEscalationRate,
        `from ${g.labelledEscalations} labelled escalations`,
        g.escalations === 0
          ? 'no escalations in these 30 days'
          : 'no labelled escalations yet: label them in the review queue',
      ),
    },
    {
      label: 'Edge accuracy (audits)',
      value: percent(g.edgeAccuracy, 1),
      note: note(
        g.edgeAccuracy,
        `from ${g.labelledAudits} labelled audits`,
        `${g.audits} audits, none labelled yet`,
      ),
    },
  ];
}
