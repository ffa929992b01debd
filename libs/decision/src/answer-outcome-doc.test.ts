/**
 * docs/DECISION.md "From an answer to the decision" and `inferenceOutcomeFromAnswer()` must agree row for row.
 */
import type { DetectorAnswer } from '@intellioptics/schema';
import { DetectorAnswerSchema } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import { readDocTable } from '../test/doc-table';
import { inferenceOutcomeFromAnswer } from './answer-outcome';
import { decide } from './decide';
import { DEFAULT_PRESETS } from '@intellioptics/schema';

const COLUMNS = ['#', 'mode', 'answered_by', 'conf', 'in_domain', 'unanswered', 'outcome', 'p_out'] as const;
type Row = Record<(typeof COLUMNS)[number], string>;
const rows = readDocTable('answer-outcome-table', COLUMNS);
const none = (cell: string): boolean => cell === '—';

function answerOf(row: Row): DetectorAnswer {
  const answer: Record<string, unknown> = {
    detector_id: 'det_x',
    mode: row.mode,
    label: { index: 0, name: 'x' },
    probabilities: row.answered_by === 'trained_model' || none(row.answered_by) ? { a: 0.5, b: 0.5 } : {},
    confidence: Number(row.conf),
    in_domain_probability: none(row.in_domain) ? null : Number(row.in_domain),
    adjusted_confidence: Number(row.conf),
    model_versions: { primary: { version: 1, model_id: 'm' }, oodd: null },
  };
  if (!none(row.answered_by)) answer['answered_by'] = row.answered_by;
  if (!none(row.unanswered))
    answer['unanswered'] = { code: row.unanswered, detail: 'no model for pallet yet' };
  return DetectorAnswerSchema.parse(answer);
}

describe('docs/DECISION.md answer-outcome table', () => {
  it('has rows', () => expect(rows.length).toBeGreaterThan(5));

  it.each(rows.map((r) => [r['#'], r] as const))('row %s', (_n, row) => {
    const outcome = inferenceOutcomeFromAnswer(answerOf(row));
    if (row.outcome === 'no_model') {
      expect(outcome).toEqual({ status: 'no_model', detail: 'no model for pallet yet' });
      return;
    }
    const m = /^ok ([0-9.]+)$/.exec(row.outcome);
    expect(m, row.outcome).not.toBeNull();
    expect(outcome.status).toBe('ok');
    if (outcome.status !== 'ok') return;
    expect(outcome.mode).toBe(row.mode);
    expect(outcome.primaryConfidence).toBe(Number(m![1]));
    if (none(row.p_out)) expect(outcome.outlierProbability ?? null).toBeNull();
    else expect(outcome.outlierProbability).toBeCloseTo(Number(row.p_out), 12);
    // The outcome is a valid decision input for every mode (no missing numClasses, no throw).
    expect(() =>
      decide({
        preset: DEFAULT_PRESETS.default,
        humanReview: 'DEFAULT',
        wantAsync: false,
        detectorThreshold: 0.9,
        inference: outcome,
        lastEscalationAtMs: undefined,
        nowMs: 0,
        auditRoll: 0.5,
        confidentAuditRate: 0,
      }),
    ).not.toThrow();
  });

  it('an unanswered class under an edge-only preset is refused with its reason', () => {
    const d = decide({
      preset: DEFAULT_PRESETS.no_cloud,
      humanReview: 'DEFAULT',
      wantAsync: false,
      detectorThreshold: 0.9,
      inference: { status: 'no_model', detail: 'No model for class "pallet" yet.' },
      lastEscalationAtMs: undefined,
      nowMs: 0,
      auditRoll: 0.5,
      confidentAuditRate: 0,
    });
    expect(d).toMatchObject({ kind: 'reject', code: 'EDGE_ONLY_UNAVAILABLE', reason: 'NO_MODEL' });
    if (d.kind === 'reject') expect(d.detail).toMatch(/pallet/);
  });
});
