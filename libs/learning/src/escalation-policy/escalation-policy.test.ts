import { evaluateEscalationPolicy } from '@intellioptics/decision';
import { mulberry32 } from '@intellioptics/vision';
import { describe, expect, it } from 'vitest';
import { idHash } from '../held-out.split';
import { weightedConformalQuantile } from './conformal';
import { fitWeightedLogistic } from './logistic.fit';
import {
  answerCorrect,
  fitEscalationPolicy,
  thresholdPolicyRisk,
  type PolicyHistoryExample,
} from './policy.fit';
import { clopperPearsonUpper, keptErrorUpperBound, learnThenTest } from './risk-control';

describe('Clopper–Pearson upper bound', () => {
  it.each([
    [0, 100, 0.05, 1 - 0.05 ** (1 / 100)],
    [0, 10, 0.1, 1 - 0.1 ** (1 / 10)],
    [10, 10, 0.1, 1],
    [0, 0, 0.1, 1],
  ])('%i errors of %i at δ %s', (e, n, d, want) => {
    expect(clopperPearsonUpper(e, n, d)).toBeCloseTo(want, 6);
  });
  it('grows with the errors and shrinks with n', () => {
    expect(clopperPearsonUpper(5, 100, 0.1)).toBeGreaterThan(0.05);
    expect(clopperPearsonUpper(5, 100, 0.1)).toBeGreaterThan(clopperPearsonUpper(50, 1000, 0.1));
  });
});

describe('kept-error bound and Learn-then-Test', () => {
  // 100 audited answers (P 0.1, 1 wrong) at risk 0.1, 50 escalated answers (all labelled, 25 wrong) at risk 0.9.
  const points = [
    ...Array.from({ length: 100 }, (_, i) => ({ risk: 0.1, wrong: i === 0, labelledProbability: 0.1 })),
    ...Array.from({ length: 50 }, (_, i) => ({ risk: 0.9, wrong: i % 2 === 0, labelledProbability: 1 })),
  ];
  it('weights the audited stratum by 1/P(labelled)', () => {
    const b = keptErrorUpperBound(points, 1, 0.1);
    expect(b.keptShare).toBeCloseTo(1, 10);
    expect(b.point).toBeCloseTo((10 + 25) / 1050, 10);
    expect(b.upper).toBeGreaterThan(b.point);
  });
  it('certifies the cautious λ and stops at the first failure', () => {
    const r = learnThenTest(points, [0.1, 0.9, 0.1], 0.05, 0.1);
    expect(r.lambda).toBe(0.1);
    expect(r.tested).toBe(2);
    expect(r.keptShare).toBeCloseTo(1000 / 1050, 10);
    expect(learnThenTest(points, [0.1], 0.001, 0.1).lambda).toBeNull();
  });
});

describe('weighted split conformal', () => {
  it('equal weights: the ⌈(n+1)(1−α)⌉-th smallest score', () => {
    const scores = Array.from({ length: 19 }, (_, i) => (i + 1) / 20);
    expect(
      weightedConformalQuantile(
        scores,
        scores.map(() => 1),
        0.1,
      ),
    ).toBeCloseTo(18 / 20, 10);
  });
  it('a heavy score pulls the quantile toward it', () => {
    const q = weightedConformalQuantile([0.1, 0.2, 0.9], [1, 1, 20], 0.5);
    expect(q).toBe(0.9);
  });
});

describe('weighted logistic regression', () => {
  it('recovers the sign of an informative feature and ignores a constant one', () => {
    const rng = mulberry32(3);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 400; i++) {
      const a = rng();
      x.push([a, 1]);
      y.push(rng() < 0.1 + 0.8 * a ? 1 : 0);
    }
    const fit = fitWeightedLogistic(
      x,
      y,
      x.map(() => 1),
    );
    expect(fit.weights[0]).toBeGreaterThan(0.5);
    expect(fit.weights[1]).toBe(0);
  });
});

/** A synthetic detector: confidence says little, neighbour agreement says a lot about errors. */
function history(n: number, seed: number, auditRate: number): PolicyHistoryExample[] {
  const rng = mulberry32(seed);
  const out: PolicyHistoryExample[] = [];
  for (let i = 0; i < n; i++) {
    const p = 0.5 + 0.5 * rng();
    const hard = rng() < 0.15;
    const wrong = rng() < (hard ? 0.6 : 0.01);
    const neighborLabels = Array.from({ length: 5 }, () => (rng() < (hard ? 0.3 : 0.95) ? 'YES' : 'NO'));
    const labelledProbability = p < 0.9 ? 1 : auditRate;
    if (rng() >= labelledProbability) continue;
    out.push({
      id: `iq_${seed}_${i}`,
      observation: {
        classNames: ['YES', 'NO'],
        probabilities: [p, 1 - p],
        inDomain: 1,
        neighborLabels,
        modelAgeDays: 0,
        auditDisagreement: null,
      },
      label: wrong ? 'NO' : 'YES',
      labelledProbability,
    });
  }
  return out;
}

describe('fitEscalationPolicy', () => {
  it('keeps the threshold policy while history is small', () => {
    const h = history(100, 1, 0.5);
    expect(fitEscalationPolicy({ history: h, threshold: 0.9, mode: 'BINARY' }).reason).toBe(
      'HISTORY_TOO_SMALL',
    );
  });
  it('learns that disagreeing neighbours mean errors, rescues escalations, kept error ≤ r* on fresh data', () => {
    const h = history(6000, 2, 0.5);
    const fit = fitEscalationPolicy({ history: h, threshold: 0.9, mode: 'BINARY' });
    // r* is the threshold policy's error on the fitting half only (not on the data that certifies).
    const fitHalf = h.filter((e) => idHash(e.id, 'escalation-policy-v1') < 0.5);
    expect(fit.targetRisk).toBeCloseTo(thresholdPolicyRisk(fitHalf, 0.9, 'BINARY'), 12);
    expect(fit.targetRisk).toBeGreaterThan(0.05);
    expect(fit.reason).toBe('FITTED');
    const m = fit.model!;
    expect(m.risk_control).toBe('learn_then_test');
    expect(m.held_out.won).toBe(true);
    expect(m.held_out.aurc_policy).toBeLessThan(m.held_out.aurc_confidence);
    expect(fit.riskControl!.bound).toBeLessThanOrEqual(fit.targetRisk);
    expect(m.weights[3]).toBeLessThan(0); // neighbour agreement lowers the risk
    const o = h[0]!.observation;
    const agree = evaluateEscalationPolicy(m, { ...o, neighborLabels: ['YES', 'YES', 'YES', 'YES', 'YES'] });
    const disagree = evaluateEscalationPolicy(m, { ...o, neighborLabels: ['NO', 'NO', 'NO', 'NO', 'YES'] });
    expect(disagree.risk).toBeGreaterThan(agree.risk);
    // On fresh data (every answer labelled), as the edge decides: the threshold's confident answers stay kept,
    // the policy rescues some of the rest; the kept error is at most r* and fewer answers are escalated.
    const fresh = history(6000, 3, 1);
    const confident = (e: PolicyHistoryExample) => e.observation.probabilities[0]! >= 0.9;
    const kept = fresh.filter((e) => confident(e) || !evaluateEscalationPolicy(m, e.observation).escalate);
    const err = kept.filter((e) => !answerCorrect(e)).length / kept.length;
    expect(err).toBeLessThanOrEqual(fit.targetRisk);
    expect(kept.length).toBeGreaterThan(fresh.filter(confident).length);
  });
  it('certifies nothing when the audits show no error at the edge (r* = 0)', () => {
    const h = history(6000, 4, 0.5).map((e) =>
      e.labelledProbability < 1 ? { ...e, label: e.observation.classNames[0]! } : e,
    );
    const fit = fitEscalationPolicy({ history: h, threshold: 0.9, mode: 'BINARY' });
    expect(fit.targetRisk).toBe(0);
    expect(fit.reason).toBe('NOT_CERTIFIED');
    expect(fit.model).toBeNull();
    expect(fit.riskModel?.weights[3]).toBeLessThan(0); // fitted all the same, for measuring its ranking
  });
});
