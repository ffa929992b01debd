import { classLayout } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import { escalationStats, type EdgeQueryRow } from './escalation-stats';

const layout = classLayout('BINARY', null);
const edge = (classIndex: number) => ({ class_index: classIndex, raw_primary_confidence: 0.6 });
const escalation = (edgeClass: number, label: string | null, policy = false): EdgeQueryRow => ({
  metadata: {
    reason: policy ? 'POLICY_RISK' : 'BELOW_THRESHOLD',
    edge_result: edge(edgeClass),
    ...(policy ? { learned_policy: true } : {}),
  },
  label,
});
const audit = (
  edgeClass: number,
  label: string | null,
  rate: number | undefined,
  policy = false,
): EdgeQueryRow => ({
  metadata: {
    reason: 'AUDIT',
    is_edge_audit: true,
    edge_result: edge(edgeClass),
    ...(rate !== undefined ? { audit_rate: rate } : {}),
    ...(policy ? { learned_policy: true } : {}),
  },
  label,
});

describe(escalationStats.name, () => {
  it('estimates answers from audits and splits threshold from policy decisions', () => {
    const rows: EdgeQueryRow[] = [
      // threshold: 4 escalations (3 labelled, 2 of them the edge had right), 2 audits at 10% (1 right, 1 wrong)
      escalation(0, 'YES'),
      escalation(1, 'NO'),
      escalation(0, 'NO'),
      escalation(0, null),
      audit(0, 'YES', 0.1),
      audit(1, 'YES', 0.1),
      // policy: 1 escalation (edge wrong), 1 audit at 10% (right)
      escalation(0, 'NO', true),
      audit(1, 'no', 0.1, true),
      // not confidence decisions: left out
      { metadata: { reason: 'NO_MODEL' }, label: 'YES' },
      { metadata: { line: 'caller metadata only' }, label: 'YES' },
    ];
    const s = escalationStats(rows, layout, 1e-5);
    expect(s.threshold).toEqual({
      escalations: 4,
      labelledEscalations: 3,
      audits: 2,
      labelledAudits: 2,
      estimatedAnswers: 24,
      escalationRate: 4 / 24,
      falseEscalationRate: (4 * (2 / 3)) / 24,
      edgeAccuracy: 0.5,
    });
    expect(s.learnedPolicy).toMatchObject({
      escalations: 1,
      estimatedAnswers: 11,
      escalationRate: 1 / 11,
      falseEscalationRate: 0,
      edgeAccuracy: 1,
    });
  });

  it.each([
    [
      'no audits: no rates',
      [escalation(0, 'YES')],
      { escalationRate: null, falseEscalationRate: null, edgeAccuracy: null },
    ],
    [
      'no labelled escalation: no false-escalation rate',
      [escalation(0, null), audit(0, 'YES', 0.5)],
      { escalationRate: 1 / 3, falseEscalationRate: null, edgeAccuracy: 1 },
    ],
    [
      'an audit without its rate weighs by the default',
      [escalation(0, 'YES'), audit(0, null, undefined)],
      { estimatedAnswers: 1 + 1 / 1e-5, labelledAudits: 0, edgeAccuracy: null },
    ],
    ['an audit at rate 0 is ignored', [audit(0, 'YES', 0)], { audits: 0 }],
  ] as const)('%s', (_what, rows, expected) => {
    expect(escalationStats(rows, layout, 1e-5).threshold).toMatchObject(expected);
  });
});
