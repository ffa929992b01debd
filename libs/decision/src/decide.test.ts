import { DEFAULT_PRESETS, ERROR_CODES, HUMAN_REVIEW } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import { ASYNC_WITH_EDGE_ONLY, HUMAN_REVIEW_WITH_EDGE_ONLY, decide, decideBeforeInference } from './decide';
import { presetBehaviour } from './presets';
import { DECISION_REASONS, type DecisionInput, type InferenceOutcome } from './types';

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
const input = (over: Partial<DecisionInput>): DecisionInput => ({ ...base, ...over });
const { edge_answers_with_escalation: EAWE, no_cloud: NO_CLOUD, disabled: DISABLED } = DEFAULT_PRESETS;

describe('invalid combinations → 400 with a message', () => {
  it.each([
    [
      'ALWAYS with edge_answers_with_escalation',
      { preset: EAWE, humanReview: 'ALWAYS' },
      'INVALID_COMBINATION',
      HUMAN_REVIEW_WITH_EDGE_ONLY,
    ],
    [
      'ALWAYS with no_cloud',
      { preset: NO_CLOUD, humanReview: 'ALWAYS' },
      'INVALID_COMBINATION',
      HUMAN_REVIEW_WITH_EDGE_ONLY,
    ],
    [
      'want_async with edge_answers_with_escalation',
      { preset: EAWE, wantAsync: true },
      'INVALID_COMBINATION',
      ASYNC_WITH_EDGE_ONLY,
    ],
    [
      'want_async with no_cloud',
      { preset: NO_CLOUD, wantAsync: true },
      'INVALID_COMBINATION',
      ASYNC_WITH_EDGE_ONLY,
    ],
    [
      'ALWAYS and want_async with no_cloud (ALWAYS reported)',
      { preset: NO_CLOUD, wantAsync: true, humanReview: 'ALWAYS' },
      'INVALID_COMBINATION',
      HUMAN_REVIEW_WITH_EDGE_ONLY,
    ],
    [
      'threshold above 1',
      { requestThreshold: 1.01 },
      'INVALID_PARAMETER',
      'confidence_threshold must be between 0 and 1, got 1.01',
    ],
    [
      'threshold negative',
      { requestThreshold: -0.5 },
      'INVALID_PARAMETER',
      'confidence_threshold must be between 0 and 1',
    ],
    [
      'threshold NaN',
      { requestThreshold: Number.NaN },
      'INVALID_PARAMETER',
      'confidence_threshold must be between 0 and 1',
    ],
    [
      'bad threshold wins over want_async',
      { requestThreshold: 2, wantAsync: true },
      'INVALID_PARAMETER',
      'confidence_threshold',
    ],
    [
      'bad threshold wins over a disabled preset',
      { requestThreshold: 2, preset: DISABLED },
      'INVALID_PARAMETER',
      'confidence_threshold',
    ],
  ] as const)('%s', (_name, over, code, detail) => {
    const d = decide(input(over));
    expect(d).toMatchObject({ kind: 'reject', status: 400, code, reason: code });
    if (d.kind === 'reject') expect(d.detail).toContain(detail);
    // Invalid combinations are decided before inference, so the gateway never runs the model for them.
    expect(decideBeforeInference(input(over))).toEqual(d);
  });

  it('the detail for ALWAYS + edge-only matches the reference word for word', () => {
    expect(HUMAN_REVIEW_WITH_EDGE_ONLY).toBe(
      'Human review cannot be required if edge predictions are required.',
    );
  });
});

describe('decideBeforeInference', () => {
  it.each([
    ['plain request', {}],
    ['human_review NEVER', { humanReview: 'NEVER' }],
    ['edge preset', { preset: EAWE }],
  ] as const)('%s → run inference (undefined)', (_name, over) => {
    expect(decideBeforeInference(input(over))).toBeUndefined();
  });

  it.each([
    ['want_async', { wantAsync: true }, 'WANT_ASYNC'],
    ['ALWAYS', { humanReview: 'ALWAYS' }, 'HUMAN_REVIEW_ALWAYS'],
    ['disabled', { preset: DISABLED }, 'EDGE_DISABLED'],
  ] as const)('%s is decided without inference, whatever inference would say', (_name, over, reason) => {
    const early = decideBeforeInference(input(over));
    expect(early?.reason).toBe(reason);
    for (const inference of [
      { status: 'no_model' },
      { status: 'down' },
      base.inference,
    ] as InferenceOutcome[]) {
      expect(decide(input({ ...over, inference }))).toEqual(early);
    }
  });
});

describe('modes other than BINARY', () => {
  it.each([
    // MULTI_CLASS, 4 classes: 0.5·0.25 + 0.5·0.95 = 0.6 — below 0.9 although 0.95 passes.
    [
      'MULTI_CLASS out of domain',
      { status: 'ok', mode: 'MULTI_CLASS', primaryConfidence: 0.95, numClasses: 4, outlierProbability: 0.5 },
      'escalate_sync',
      'OUT_OF_DOMAIN',
      0.6,
    ],
    [
      'COUNT confident',
      { status: 'ok', mode: 'COUNT', primaryConfidence: 0.92, numClasses: 6 },
      'answer_edge',
      'CONFIDENT',
      0.92,
    ],
    // BOUNDING_BOX: chance 0, so 0.1·0 + 0.9·0.99 = 0.891.
    [
      'BOUNDING_BOX out of domain',
      { status: 'ok', mode: 'BOUNDING_BOX', primaryConfidence: 0.99, outlierProbability: 0.1 },
      'escalate_sync',
      'OUT_OF_DOMAIN',
      0.891,
    ],
  ] as const)('%s', (_name, inference, kind, reason, adjusted) => {
    const d = decide(input({ inference }));
    expect(d).toMatchObject({ kind, reason });
    const confidence =
      d.kind === 'answer_edge'
        ? d.adjustedConfidence
        : d.kind === 'escalate_sync'
          ? d.edge?.adjustedConfidence
          : undefined;
    expect(confidence).toBeCloseTo(adjusted, 12);
  });

  it.each([
    ['confident OCR text', 0.97, { kind: 'answer_edge', escalate: 'none', reason: 'CONFIDENT' }],
    ['doubtful OCR text', 0.4, { kind: 'escalate_sync', fallback: 'edge_answer', reason: 'BELOW_THRESHOLD' }],
  ] as const)('TEXT is decided on its confidence like any mode: %s', (_name, conf, expected) => {
    const d = decide(
      input({ inference: { status: 'ok', mode: 'TEXT', primaryConfidence: conf, outlierProbability: null } }),
    );
    expect(d).toMatchObject(expected);
  });
});

describe('answers carry the numbers they were decided on', () => {
  it('edge answer: raw, adjusted and the request threshold', () => {
    const d = decide(
      input({
        requestThreshold: 0.5,
        inference: { status: 'ok', mode: 'BINARY', primaryConfidence: 0.8, outlierProbability: 0.2 },
      }),
    );
    expect(d).toMatchObject({ kind: 'answer_edge', rawConfidence: 0.8, threshold: 0.5 });
    if (d.kind === 'answer_edge') expect(d.adjustedConfidence).toBeCloseTo(0.74, 12);
  });

  it('sync escalation keeps the edge numbers for the fallback answer', () => {
    const d = decide(input({ inference: { status: 'ok', mode: 'BINARY', primaryConfidence: 0.7 } }));
    expect(d).toEqual({
      kind: 'escalate_sync',
      fallback: 'edge_answer',
      reason: 'BELOW_THRESHOLD',
      edge: { rawConfidence: 0.7, adjustedConfidence: 0.7, threshold: 0.9 },
    });
  });

  it('the preset cooldown is read from the preset', () => {
    const slow = { ...EAWE, min_time_between_escalations: 30 };
    const low = { status: 'ok', mode: 'BINARY', primaryConfidence: 0.5 } as const;
    expect(decide(input({ preset: slow, inference: low, lastEscalationAtMs: 10_000 - 29_000 })).reason).toBe(
      'COOLDOWN',
    );
    expect(decide(input({ preset: slow, inference: low, lastEscalationAtMs: 10_000 - 30_000 })).reason).toBe(
      'BELOW_THRESHOLD',
    );
  });
});

describe('caller bugs throw instead of deciding', () => {
  it.each([
    ['audit roll 1', { auditRoll: 1 }],
    ['audit roll negative', { auditRoll: -0.1 }],
    ['audit rate above 1', { confidentAuditRate: 2 }],
    ['detector threshold above 1', { detectorThreshold: 1.2 }],
    ['now NaN', { nowMs: Number.NaN }],
    ['primary confidence above 1', { inference: { status: 'ok', mode: 'BINARY', primaryConfidence: 1.5 } }],
    [
      'COUNT without numClasses and with OODD',
      { inference: { status: 'ok', mode: 'COUNT', primaryConfidence: 0.5, outlierProbability: 0.5 } },
    ],
  ] as const)('%s', (_name, over) => {
    expect(() => decide(input(over as Partial<DecisionInput>))).toThrow(RangeError);
  });
});

describe('invariants over every combination', () => {
  const presets = Object.values(DEFAULT_PRESETS);
  const inferences: InferenceOutcome[] = [
    { status: 'no_model' },
    { status: 'down' },
    { status: 'ok', mode: 'BINARY', primaryConfidence: 0.95 },
    { status: 'ok', mode: 'BINARY', primaryConfidence: 0.95, outlierProbability: 0.6 },
    { status: 'ok', mode: 'BINARY', primaryConfidence: 0.3 },
  ];
  const grid: DecisionInput[] = [];
  for (const preset of presets)
    for (const humanReview of HUMAN_REVIEW)
      for (const wantAsync of [false, true])
        for (const cloudReachable of [true, false, undefined])
          for (const inference of inferences)
            for (const lastEscalationAtMs of [undefined, 9_500])
              for (const auditRoll of [0, 0.5])
                grid.push(
                  input({
                    preset,
                    humanReview,
                    wantAsync,
                    cloudReachable,
                    inference,
                    lastEscalationAtMs,
                    auditRoll,
                    confidentAuditRate: 0.1,
                  }),
                );

  it('covers the grid', () => expect(grid.length).toBe(4 * 3 * 2 * 3 * 5 * 2 * 2));

  it('every outcome has a known reason and a consistent shape', () => {
    for (const i of grid) {
      const d = decide(i);
      const where = JSON.stringify(i);
      expect(DECISION_REASONS, where).toContain(d.reason);
      const behaviour = presetBehaviour(i.preset);
      switch (d.kind) {
        case 'answer_edge':
          // An audit is invisible to the caller; a background escalation is not.
          expect(d.doneProcessing, where).toBe(d.escalate !== 'background');
          expect(d.confident, where).toBe(d.adjustedConfidence >= d.threshold);
          expect(i.wantAsync || i.humanReview === 'ALWAYS', where).toBe(false);
          if (d.escalate === 'audit') expect(i.humanReview, where).not.toBe('NEVER');
          break;
        case 'escalate_sync':
        case 'accept_async':
          expect(i.cloudReachable === false && d.kind === 'escalate_sync', where).toBe(false);
          break;
        case 'reject':
          expect(d.status, where).toBe(ERROR_CODES[d.code].status);
          expect(d.detail.length, where).toBeGreaterThan(0);
          break;
      }
      // no_cloud never sends anything to the cloud; disabled never answers on the edge.
      if (behaviour === 'edge_only') {
        expect(d.kind === 'answer_edge' ? d.escalate : d.kind, where).toMatch(/^(none|reject)$/);
      }
      if (behaviour === 'disabled') expect(d.kind, where).not.toBe('answer_edge');
      if (behaviour !== 'disabled' && d.kind === 'reject' && d.status === 503)
        expect(d.edgeOnly, where).toBe(true);
    }
  });
});
