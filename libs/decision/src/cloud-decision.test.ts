import { describe, expect, it } from 'vitest';
import type { EscalationType, HumanReview } from '@intellioptics/schema';
import { decideCloudAnswer, type CloudAnswerDecision } from './cloud-decision';

type Row = [
  what: string,
  confidence: number | null,
  humanReview: HumanReview,
  escalationType: EscalationType,
  metadata: unknown,
  expected: Pick<CloudAnswerDecision, 'outcome' | 'reason'>,
];

const edgeResult = { class_index: 1, raw_primary_confidence: 0.6, adjusted_confidence: 0.55, threshold: 0.9 };

describe(decideCloudAnswer.name, () => {
  it.each<Row>([
    ['confident at the threshold', 0.9, 'DEFAULT', 'STANDARD', null, { outcome: 'answered', reason: null }],
    ['confident, human_review NEVER', 0.95, 'NEVER', 'STANDARD', null, { outcome: 'answered', reason: null }],
    [
      'below threshold',
      0.89,
      'DEFAULT',
      'STANDARD',
      null,
      { outcome: 'escalated', reason: 'BELOW_THRESHOLD' },
    ],
    ['no model', null, 'DEFAULT', 'STANDARD', null, { outcome: 'escalated', reason: 'NO_MODEL' }],
    [
      'ALWAYS overrides confidence',
      0.99,
      'ALWAYS',
      'STANDARD',
      null,
      { outcome: 'escalated', reason: 'HUMAN_REVIEW_ALWAYS' },
    ],
    ['NEVER keeps it from people', 0.5, 'NEVER', 'STANDARD', null, { outcome: 'pending', reason: null }],
    [
      'NO_HUMAN_LABELING keeps it from people',
      0.5,
      'DEFAULT',
      'NO_HUMAN_LABELING',
      null,
      { outcome: 'pending', reason: null },
    ],
    [
      'NO_HUMAN_LABELING without a model',
      null,
      'DEFAULT',
      'NO_HUMAN_LABELING',
      null,
      { outcome: 'pending', reason: null },
    ],
    [
      'NO_HUMAN_LABELING yields to ALWAYS',
      0.99,
      'ALWAYS',
      'NO_HUMAN_LABELING',
      null,
      { outcome: 'escalated', reason: 'HUMAN_REVIEW_ALWAYS' },
    ],
    [
      'the edge reason wins',
      null,
      'DEFAULT',
      'STANDARD',
      { reason: 'COOLDOWN' },
      { outcome: 'escalated', reason: 'COOLDOWN' },
    ],
    [
      'the edge reason wins over ALWAYS',
      0.5,
      'ALWAYS',
      'STANDARD',
      { reason: 'OUT_OF_DOMAIN' },
      { outcome: 'escalated', reason: 'OUT_OF_DOMAIN' },
    ],
    [
      'an unknown edge reason is ignored',
      null,
      'DEFAULT',
      'STANDARD',
      { reason: 'MADE_UP' },
      { outcome: 'escalated', reason: 'NO_MODEL' },
    ],
    [
      'an edge audit',
      null,
      'DEFAULT',
      'STANDARD',
      { is_edge_audit: true },
      { outcome: 'escalated', reason: 'AUDIT' },
    ],
    [
      'an edge result without a reason',
      null,
      'DEFAULT',
      'STANDARD',
      { edge_result: edgeResult },
      { outcome: 'escalated', reason: 'BELOW_THRESHOLD' },
    ],
    [
      'metadata that is not an object',
      null,
      'DEFAULT',
      'STANDARD',
      'x',
      { outcome: 'escalated', reason: 'NO_MODEL' },
    ],
  ])('%s', (_what, predictionConfidence, humanReview, escalationType, metadata, expected) => {
    const d = decideCloudAnswer({
      predictionConfidence,
      threshold: 0.9,
      humanReview,
      escalationType,
      metadata,
    });
    expect({ outcome: d.outcome, reason: d.reason }).toEqual(expected);
    expect(d.confident).toBe(expected.outcome === 'answered');
    expect(d.wantsHuman).toBe(expected.outcome === 'escalated');
  });
});
