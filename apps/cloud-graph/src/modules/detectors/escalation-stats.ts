/**
 * A detector's edge escalation numbers, estimated from what the cloud sees of the edge's answers: its
 * escalations (every one reaches the cloud) and its audits (confident answers sent at the audit rate, so each
 * stands for 1/audit rate answers). Grouped by who decided at the edge: the confidence threshold, or the
 * learned escalation policy (`learned_policy` in the escalation metadata) — the detector page's before/after.
 *   answers ≈ escalations + Σ 1/audit rate over audits
 *   escalation rate = escalations / answers
 *   false-escalation rate = escalations × (share of labelled escalations whose label is the edge's answer) / answers
 *   edge accuracy = labelled audits whose label is the edge's answer / labelled audits
 * Estimates are null while they rest on nothing (no audits, no labelled escalation).
 */
import { readEscalationMetadata, type ClassLayout } from '@intellioptics/schema';

/** The decisions on confidence that send a query to people (others — NO_MODEL, ALWAYS, async — are not the policy's). */
const CONFIDENCE_ESCALATIONS = new Set(['BELOW_THRESHOLD', 'OUT_OF_DOMAIN', 'POLICY_RISK']);

export interface EdgeQueryRow {
  metadata: unknown;
  /** The latest reviewer label, or null. */
  label: string | null;
}

export interface EscalationGroupStats {
  escalations: number;
  labelledEscalations: number;
  audits: number;
  labelledAudits: number;
  /** Edge answers the escalations and audits stand for. */
  estimatedAnswers: number;
  escalationRate: number | null;
  falseEscalationRate: number | null;
  edgeAccuracy: number | null;
}

export interface EscalationStats {
  threshold: EscalationGroupStats;
  learnedPolicy: EscalationGroupStats;
}

interface Tally {
  escalations: number;
  labelledEscalations: number;
  falseEscalations: number;
  audits: number;
  auditWeight: number;
  labelledAudits: number;
  correctAudits: number;
}

const empty = (): Tally => ({
  escalations: 0,
  labelledEscalations: 0,
  falseEscalations: 0,
  audits: 0,
  auditWeight: 0,
  labelledAudits: 0,
  correctAudits: 0,
});

function finish(t: Tally): EscalationGroupStats {
  const answers = t.escalations + t.auditWeight;
  return {
    escalations: t.escalations,
    labelledEscalations: t.labelledEscalations,
    audits: t.audits,
    labelledAudits: t.labelledAudits,
    estimatedAnswers: answers,
    // Without audits the answers kept at the edge are unknown, so no rate.
    escalationRate: t.audits > 0 && answers > 0 ? t.escalations / answers : null,
    falseEscalationRate:
      t.audits > 0 && t.labelledEscalations > 0
        ? (t.escalations * (t.falseEscalations / t.labelledEscalations)) / answers
        : null,
    edgeAccuracy: t.labelledAudits > 0 ? t.correctAudits / t.labelledAudits : null,
  };
}

export function escalationStats(
  rows: readonly EdgeQueryRow[],
  layout: ClassLayout,
  defaultAuditRate: number,
): EscalationStats {
  const groups = { threshold: empty(), learnedPolicy: empty() };
  for (const row of rows) {
    const m = readEscalationMetadata(row.metadata);
    const t = m.learned_policy ? groups.learnedPolicy : groups.threshold;
    const edgeClass = m.edge_result?.class_index;
    const labelClass = row.label === null ? null : layout.indexOf(row.label);
    const edgeRight = labelClass === null || edgeClass === undefined ? null : labelClass === edgeClass;
    if (m.is_edge_audit) {
      const rate = m.audit_rate ?? defaultAuditRate;
      if (!(rate > 0)) continue;
      t.audits++;
      t.auditWeight += 1 / rate;
      if (edgeRight !== null) {
        t.labelledAudits++;
        if (edgeRight) t.correctAudits++;
      }
    } else if (m.reason !== undefined && CONFIDENCE_ESCALATIONS.has(m.reason)) {
      t.escalations++;
      if (edgeRight !== null) {
        t.labelledEscalations++;
        if (edgeRight) t.falseEscalations++;
      }
    }
  }
  return { threshold: finish(groups.threshold), learnedPolicy: finish(groups.learnedPolicy) };
}
