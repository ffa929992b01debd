/** docs/DECISION.md "In the cloud" and `decideCloudAnswer()` must agree row for row. */
import { readFileSync } from 'node:fs';
import { DecisionReasonSchema, EscalationTypeSchema, HumanReviewSchema } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import { decideCloudAnswer } from './cloud-decision';

const DOC = new URL('../../../docs/DECISION.md', import.meta.url);
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
type Row = Record<(typeof COLUMNS)[number], string>;

function readTable(): Row[] {
  const text = readFileSync(DOC, 'utf8');
  const block = /<!-- cloud-decision-table:begin -->\n([\s\S]*?)<!-- cloud-decision-table:end -->/.exec(
    text,
  )?.[1];
  if (block === undefined) throw new Error('docs/DECISION.md has no cloud-decision-table block');
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim());
  const lines = block.trim().split('\n');
  expect(cells(lines[0] ?? '')).toEqual([...COLUMNS]);
  return lines.slice(2).map((line) => {
    const values = cells(line);
    expect(values, line).toHaveLength(COLUMNS.length);
    return Object.fromEntries(COLUMNS.map((c, i) => [c, values[i] ?? ''])) as Row;
  });
}

const rows = readTable();

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
