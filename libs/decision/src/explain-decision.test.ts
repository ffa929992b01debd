import { DEFAULT_PRESETS, ExplanationSchema, type ImageQueryResult } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import { decideCloudAnswer } from './cloud-decision';
import { decide } from './decide';
import {
  buildExplanation,
  explainCloudDecision,
  explainDecision,
  fmt,
  modelSteps,
  withLaterAnswer,
} from './explain-decision';
import type { DecisionInput } from './types';

const base: DecisionInput = {
  preset: DEFAULT_PRESETS.default,
  humanReview: 'DEFAULT',
  wantAsync: false,
  detectorThreshold: 0.9,
  inference: { status: 'ok', mode: 'BINARY', primaryConfidence: 0.95 },
  lastEscalationAtMs: undefined,
  nowMs: 10_000,
  auditRoll: 0.5,
  confidentAuditRate: 1e-5,
};
const { edge_answers_with_escalation: EAWE, no_cloud: NO_CLOUD } = DEFAULT_PRESETS;
const ok = (primaryConfidence: number, outlierProbability?: number) => ({
  status: 'ok' as const,
  mode: 'BINARY' as const,
  primaryConfidence,
  ...(outlierProbability === undefined ? {} : { outlierProbability }),
});

// Each row: the decision's input, the step kinds, the reason in `data`, and words the decision sentence has.
const rows: [string, Partial<DecisionInput>, string[], string, RegExp][] = [
  ['confident', {}, ['confidence', 'decision'], 'CONFIDENT', /^Answered at the edge: .*clears/],
  ['audit', { auditRoll: 0, confidentAuditRate: 1 }, ['confidence', 'decision'], 'AUDIT', /audit/],
  [
    'below threshold, background',
    { preset: EAWE, inference: ok(0.6) },
    ['confidence', 'decision'],
    'BELOW_THRESHOLD',
    /escalated to the cloud: the confidence is below the threshold/,
  ],
  [
    'below threshold, sync',
    { inference: ok(0.6) },
    ['confidence', 'decision'],
    'BELOW_THRESHOLD',
    /^Escalated to the cloud: the confidence is below/,
  ],
  [
    'out of domain',
    { preset: EAWE, inference: ok(0.95, 0.9) },
    ['confidence', 'decision'],
    'OUT_OF_DOMAIN',
    /unlike the detector's training images/,
  ],
  [
    'cooldown',
    { preset: EAWE, inference: ok(0.6), lastEscalationAtMs: 9_990 },
    ['confidence', 'decision'],
    'COOLDOWN',
    /without escalating.*less than \d+ s ago/,
  ],
  [
    'edge only',
    { preset: NO_CLOUD, inference: ok(0.6) },
    ['confidence', 'decision'],
    'EDGE_ONLY',
    /never sends images to the cloud/,
  ],
  [
    'human review asked',
    { humanReview: 'ALWAYS' },
    ['decision'],
    'HUMAN_REVIEW_ALWAYS',
    /^Escalated to the cloud: the request asked for human review/,
  ],
  [
    'human review asked, cloud unreachable',
    { humanReview: 'ALWAYS', cloudReachable: false },
    ['decision'],
    'HUMAN_REVIEW_ALWAYS',
    /queued for the cloud: the request asked for human review, and the cloud cannot be reached/,
  ],
  ['no model', { inference: { status: 'no_model' } }, ['decision'], 'NO_MODEL', /no edge model is installed/],
  [
    'inference down',
    { inference: { status: 'down' } },
    ['decision'],
    'INFERENCE_DOWN',
    /inference service is not available/,
  ],
  ['want async', { wantAsync: true }, ['decision'], 'WANT_ASYNC', /asked for an asynchronous answer\.$/],
  [
    'below threshold, cloud unreachable',
    { inference: ok(0.6), cloudReachable: false },
    ['confidence', 'decision'],
    'BELOW_THRESHOLD',
    /queued until it can be reached/,
  ],
];

describe('explainDecision', () => {
  it.each(rows)('%s', (_name, over, kinds, reason, words) => {
    const input = { ...base, ...over };
    const decision = decide(input);
    const steps = explainDecision({
      decision,
      label: 'YES',
      cloudReachable: input.cloudReachable,
      cooldownSeconds: input.preset.min_time_between_escalations,
    });
    expect(steps.map((s) => s.kind)).toEqual(kinds);
    const last = steps[steps.length - 1]!;
    expect(last.data?.['reason']).toBe(reason);
    expect(last.text).toMatch(words);
  });

  it('the confidence step compares the OODD-adjusted confidence with the threshold, in words and data', () => {
    const [step] = explainDecision({ decision: decide({ ...base, inference: ok(0.95, 0.9) }), label: 'YES' });
    expect(step!.kind).toBe('confidence');
    expect(step!.text).toBe(
      'The confidence in "YES" is 0.54 (0.95 from the model, lowered by the in-domain check), below the threshold 0.90.',
    );
    expect(step!.data).toMatchObject({ raw_confidence: 0.95, threshold: 0.9, confident: false });
    expect(step!.data!['confidence']).toBeCloseTo(0.9 * 0.5 + 0.1 * 0.95);
  });

  it.each([
    [0.9, '0.90'],
    [0.999, '0.999'],
    [0.0004, '0.0004'],
    [1, '1.00'],
    [0, '0.00'],
  ])('writes %d as %s', (p, text) => {
    expect(fmt(p)).toBe(text);
  });

  it('a request threshold is the one reported', () => {
    const [step] = explainDecision({ decision: decide({ ...base, requestThreshold: 0.99 }), label: 'NO' });
    expect(step!.text).toMatch(/0\.95, below the threshold 0\.99/);
  });
});

describe('buildExplanation', () => {
  it('puts the model steps before the decision steps and validates against the contract', () => {
    const decision = decide(base);
    const e = buildExplanation({
      imageQueryId: 'iq_1',
      label: 'YES',
      confidence: 0.95,
      model: {
        steps: modelSteps({ label: 'YES', rawConfidence: 0.95, inDomainProbability: 0.8 }),
        evidence: { rows: 1, cols: 2, values: [0.1, 0.9], label: 'YES' },
        neighbors: [{ image_query_id: 'iq_0', label: 'YES', similarity: 0.9 }],
      },
      decisionSteps: explainDecision({ decision, label: 'YES' }),
      rois: [
        {
          label: 'person',
          score: 0.8,
          geometry: { left: 0, top: 0, right: 0.5, bottom: 0.5, x: 0.25, y: 0.25 },
        },
      ],
    });
    expect(ExplanationSchema.parse(e)).toEqual(e);
    expect(e.steps.map((s) => s.kind)).toEqual(['observation', 'domain', 'confidence', 'decision']);
    expect(e.rois).toHaveLength(1);
    expect(e.text_spans).toBeUndefined();
  });

  it('without a model part it has the decision steps only, no evidence, no neighbours', () => {
    const e = buildExplanation({
      imageQueryId: 'iq_2',
      label: null,
      confidence: null,
      model: null,
      decisionSteps: explainDecision({ decision: decide({ ...base, wantAsync: true }), label: null }),
    });
    expect(e).toMatchObject({ evidence: null, neighbors: [], steps: [{ kind: 'decision' }] });
  });
});

describe('modelSteps', () => {
  it.each([
    [
      { label: 'YES', rawConfidence: 0.7, inDomainProbability: null },
      ['observation'],
      /model answered "YES"/,
    ],
    [
      { label: 'NO', rawConfidence: 0.7, inDomainProbability: 0.2 },
      ['observation', 'domain'],
      /unlike .* pulled toward a guess/,
    ],
    [
      { label: '3', rawConfidence: 0.7, inDomainProbability: null, answeredBy: 'coco_detector', boxes: 3 },
      ['observation'],
      /object detector found 3/,
    ],
    [
      { label: 'AB12', rawConfidence: 0.7, inDomainProbability: null, answeredBy: 'ocr' },
      ['observation'],
      /text reader read "AB12"/,
    ],
  ])('%o', (answer, kinds, words) => {
    const steps = modelSteps(answer);
    expect(steps.map((s) => s.kind)).toEqual(kinds);
    expect(steps.map((s) => s.text).join(' ')).toMatch(words);
  });
});

describe('withLaterAnswer', () => {
  const e = buildExplanation({
    imageQueryId: 'iq_3',
    label: 'NO',
    confidence: 0.6,
    model: null,
    decisionSteps: explainDecision({ decision: decide({ ...base, inference: ok(0.6) }), label: 'NO' }),
  });
  const result = (over: Partial<ImageQueryResult>): ImageQueryResult =>
    ({
      result_type: 'binary_classification',
      label: 'YES',
      confidence: 1,
      source: 'USER',
      from_edge: false,
      ...over,
    }) as ImageQueryResult;

  it.each([
    ['a reviewer', result({}), /^Labelled by a reviewer: "YES"\.$/, 'YES', 1],
    [
      'the cloud model',
      result({ source: 'CLOUD', confidence: 0.97 }),
      /^The cloud's answer: "YES" \(confidence 0\.97\)/,
      'YES',
      0.97,
    ],
  ])('%s answered later', (_who, r, words, label, confidence) => {
    const later = withLaterAnswer(e, r);
    expect(later.steps.slice(0, e.steps.length)).toEqual(e.steps);
    expect(later.steps[later.steps.length - 1]!.text).toMatch(words);
    expect(later).toMatchObject({ label, confidence });
  });

  it('a cloud step already in the explanation is not repeated, but the answer is the current one', () => {
    const r = result({ source: 'CLOUD', confidence: 0.97 });
    const later = withLaterAnswer(e, r);
    expect(withLaterAnswer(later, r)).toEqual(later);
  });

  it('a relabel reads as the latest label', () => {
    expect(withLaterAnswer(e, result({ label: 'NO' }))).toMatchObject({ label: 'NO', confidence: 1 });
  });

  it.each([
    ['the edge answer', result({ source: 'ALGORITHM', from_edge: true, label: 'NO', confidence: 0.6 })],
    ['no answer', null],
  ])('%s adds nothing', (_who, r) => {
    expect(withLaterAnswer(e, r)).toEqual(e);
  });
});

describe('explainCloudDecision', () => {
  const cloud = (predictionConfidence: number | null, metadata: unknown = null) =>
    decideCloudAnswer({
      predictionConfidence,
      threshold: 0.9,
      humanReview: 'DEFAULT',
      escalationType: 'STANDARD',
      metadata,
    });

  it.each([
    ['confident cloud model', 0.95, false, ['confidence', 'decision'], /^answered by the cloud model/],
    ['no cloud model', null, false, ['decision'], /^sent to the review queue: no cloud model/],
    [
      'escalated, below threshold',
      0.5,
      true,
      ['confidence', 'decision'],
      /^In the cloud: sent to the review queue: the confidence is below/,
    ],
  ])('%s', (_name, p, escalated, kinds, words) => {
    const steps = explainCloudDecision({
      decision: cloud(p),
      edge: p === null ? null : { rawConfidence: p, adjustedConfidence: p, threshold: 0.9 },
      label: 'YES',
      escalated,
    });
    expect(steps.map((s) => s.kind)).toEqual(kinds);
    expect(steps[steps.length - 1]!.text).toMatch(words);
    expect(steps[steps.length - 1]!.data).toMatchObject({ where: 'cloud' });
  });
});
