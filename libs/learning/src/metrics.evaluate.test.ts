import { describe, expect, it } from 'vitest';
import {
  adjustedConfidence,
  auroc,
  evaluatePredictions,
  evaluationMetrics,
  metricsRecord,
  recallMetrics,
} from './metrics.evaluate';

describe(adjustedConfidence.name, () => {
  it.each([
    ['no OODD model', 0.95, null, 2, 0.95],
    ['fully in domain', 0.95, 1, 2, 0.95],
    ['fully out of domain → chance', 0.95, 0, 2, 0.5],
    ['half out, 4 classes', 0.9, 0.5, 4, 0.5 * 0.25 + 0.5 * 0.9],
  ] as const)('%s', (_n, conf, pIn, c, expected) => {
    expect(adjustedConfidence(conf, pIn, c)).toBeCloseTo(expected, 12);
  });
});

describe(auroc.name, () => {
  it.each([
    ['perfect separation', [0.9, 0.8], [0.1, 0.2], 1],
    ['reversed', [0.1], [0.9, 0.8], 0],
    ['all tied', [0.5, 0.5], [0.5], 0.5],
    ['one swap of four pairs', [0.9, 0.3], [0.4, 0.1], 0.75],
  ] as const)('%s', (_n, pos, neg, expected) => {
    expect(auroc(pos, neg)).toBeCloseTo(expected, 12);
  });

  it('is undefined without one of the two sides', () => {
    expect(auroc([0.9], [])).toBeNaN();
    expect(auroc([], [0.9])).toBeNaN();
  });
});

describe(evaluatePredictions.name, () => {
  const p = (yes: number, inDomain: number | null = 1) => ({ probabilities: [yes, 1 - yes], inDomain });
  const ev = evaluatePredictions({
    exampleIds: ['a', 'b', 'c', 'd'],
    labels: [0, 0, 1, 1],
    predictions: [p(0.95), p(0.6), p(0.3), p(0.97, 0)],
    classNames: ['YES', 'NO'],
    threshold: 0.9,
  });

  it('counts accuracy and recall per class', () => {
    expect(ev.accuracy).toBe(0.75);
    expect(ev.perClassRecall).toEqual({ YES: 1, NO: 0.5 });
    expect(ev.correct).toEqual([true, true, true, false]);
  });

  it('escalates below the OODD-adjusted threshold and scores the edge answers', () => {
    // a: 0.95 ≥ 0.9 answered and right; b: 0.6 escalates; c: 0.7 escalates; d: out of domain → 0.5 escalates.
    expect(ev.escalationRate).toBe(0.75);
    expect(ev.edgeAnswered).toBe(1);
    expect(ev.edgeAccuracy).toBe(1);
  });

  it('computes ECE and NLL from the top-class confidence', () => {
    // Bins of 0.1: 0.6 (right) | 0.7 (right) | 0.95 (right) and 0.97 (wrong) share the top bin:
    // (|1 − 0.6| + |1 − 0.7| + |1 − (0.95 + 0.97)|) / 4.
    expect(ev.ece).toBeCloseTo((0.4 + 0.3 + 0.92) / 4, 10);
    expect(ev.nll).toBeCloseTo(-(Math.log(0.95) + Math.log(0.6) + Math.log(0.7) + Math.log(0.03)) / 4, 10);
  });

  it('rejects misaligned inputs', () => {
    expect(() =>
      evaluatePredictions({
        exampleIds: ['a'],
        labels: [0, 1],
        predictions: [p(1)],
        classNames: ['YES', 'NO'],
        threshold: 0.5,
      }),
    ).toThrow(RangeError);
  });

  it('names the evaluation and per-class recall as predictor_metadata.json metric entries', () => {
    expect(Object.entries(evaluationMetrics(ev))).toEqual([
      ['accuracy', 0.75],
      ['ece', ev.ece],
      ['nll', ev.nll],
      ['threshold', 0.9],
      ['escalation_rate', 0.75],
      ['edge_accuracy', 1],
      ['edge_answered', 1],
    ]);
    expect(recallMetrics(ev)).toEqual({ 'recall.YES': 1, 'recall.NO': 0.5 });
  });

  it('leaves non-finite metrics out of the record', () => {
    expect(metricsRecord({ a: 1, b: NaN, c: undefined, d: Infinity })).toEqual({ a: 1 });
  });
});
