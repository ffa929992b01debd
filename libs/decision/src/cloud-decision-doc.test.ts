/** docs/DECISION.md "In the cloud" and `decideCloudAnswer()` must agree row for row. */
import { DecisionReasonSchema, EscalationTypeSchema, HumanReviewSchema } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import { readDocTable } from '../test/doc-table';
import { decideCloudAnswer } from './cloud-decision';

const COLUMNS = [
  '#',
  'confidence',
  'threshold',
  'human_review',
  'escalation_type',
  'edge reason',
  'outcome',
  'reason',
] as const;
const rows = readDocTable('cloud-decision-table', COLUMNS);

describe('docs/DECISION.md cloud table', () => {
  it('has rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
  });

  it.each(rows.map((r) => [r['#'], r] as const))('row %s matches decideCloudAnswer()', (_n, row) => {
    const d = decideCloudAnswer({
      predictionConfidence: row.confidence === 'none' ? null : Number(row.confidence),
      threshold: Number(row.threshold),
      humanReview: HumanReviewSchema.parse(row.human_review),
      escalationType: EscalationTypeSchema.parse(row.escalation_type),
      metadata:
        row['edge reason'] === '—' ? null : { reason: DecisionReasonSchema.parse(row['edge reason']) },
    });
    expect(d.outcome).toBe(row.outcome);
    expect(d.reason ?? '—').toBe(row.reason);
  });
});
