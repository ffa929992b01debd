import { evaluateEscalationPolicy } from '@intellioptics/decision';
import { mulberry32 } from '@intellioptics/vision';
import { describe, expect, it } from 'vitest';
import { idHash } from '../held-out.split';
import { weightedConformalQuantile } from './conformal';
import { fitWeightedLogistic } from './logistic.fit';
import {
  answerCorrect,
  classRiskTable,
  fitEscalationPolicy,
  targetRiskOf,
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

describe('targetRiskOf: r* from the audits of confident answers', () => {
  const audit = (id: string, p: number, wrong: boolean, rate = 0.1): PolicyHistoryExample => ({
    id,
    observation: {
      classNames: ['YES', 'NO'],
      probabilities: [p, 1 - p],
      inDomain: null,
      neighborLabels: [],
      modelAgeDays: 0,
      auditDisagreement: null,
    },
    label: wrong ? 'NO' : 'YES',
    labelledProbability: rate,
  });
  const escalation = (id: string): PolicyHistoryExample => ({
    ...audit(id, 0.6, true),
    labelledProbability: 1,
  });
  const audits = (n: number, p: number, errors: number, rate?: number) =>
    Array.from({ length: n }, (_, i) => audit(`a${i}`, p, i < errors, rate));
  it.each([
    // name, history, r*, predicted, upper bound (Clopper–Pearson, δ = 0.1)
    [
      'a few audits, no error: r* = 0, however much the model predicts',
      audits(7, 0.9, 0),
      0,
      0.1,
      1 - 0.1 ** (1 / 7),
    ],
    ['errors among the audits: their share', audits(40, 0.98, 2), 0.05, 0.02, null],
    ['escalations are not kept answers', [...audits(10, 0.95, 1), escalation('e1')], 0.1, 0.05, null],
    ['no audits: 0 (nothing can be certified)', [escalation('e1')], 0, 0, 0],
  ] as const)('%s', (_, h, rStar, predicted, upper) => {
    const { target, estimate } = targetRiskOf(h, 0.9, 'BINARY', 0.1);
    expect(target).toBeCloseTo(rStar, 12);
    expect(estimate.audited).toBe(target);
    expect(estimate.predicted).toBeCloseTo(predicted, 12);
    if (upper !== null) expect(estimate.auditUpper).toBeCloseTo(upper, 6);
    else expect(estimate.auditUpper).toBeGreaterThan(target);
  });
  it('weighs audits by 1/P(labelled), whatever the audit rate', () => {
    const mixed = [
      ...audits(10, 0.95, 1, 0.1),
      ...audits(10, 0.95, 0, 0.5).map((e) => ({ ...e, id: `b${e.id}` })),
    ];
    // 10 audits at rate 0.1 stand for 100 answers (10 wrong), 10 at rate 0.5 for 20 (none wrong).
    expect(targetRiskOf(mixed, 0.9, 'BINARY', 0.1).target).toBeCloseTo(10 / 120, 12);
  });
});

describe('classRiskTable', () => {
  const answered = (id: string, answer: 'YES' | 'NO', wrong: boolean): PolicyHistoryExample => ({
    id,
    observation: {
      classNames: ['YES', 'NO'],
      probabilities: answer === 'YES' ? [0.6, 0.4] : [0.4, 0.6],
      inDomain: null,
      neighborLabels: [],
      modelAgeDays: 0,
      auditDisagreement: null,
    },
    label: wrong === (answer === 'YES') ? 'NO' : 'YES',
    labelledProbability: 1,
  });
  it('smooths each answered class toward the overall rate (10 pseudo-answers)', () => {
    const h = [
      ...Array.from({ length: 10 }, (_, i) => answered(`y${i}`, 'YES', i < 5)),
      ...Array.from({ length: 30 }, (_, i) => answered(`n${i}`, 'NO', i < 3)),
    ];
    const { table, overall } = classRiskTable(h);
    expect(overall).toBeCloseTo(8 / 40, 12);
    expect(table['YES']).toBeCloseTo((5 + 10 * 0.2) / 20, 12);
    expect(table['NO']).toBeCloseTo((3 + 10 * 0.2) / 40, 12);
  });
  it('is empty without escalations', () => {
    expect(classRiskTable([])).toEqual({ table: {}, overall: 0 });
  });
});

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
    // r* is the threshold's audited error on the fitting half only (not on the data that certifies).
    const fitHalf = h.filter((e) => idHash(e.id, 'escalation-policy-v1') < 0.5);
    expect(fit.targetRiskEstimate).toEqual(targetRiskOf(fitHalf, 0.9, 'BINARY', 0.1).estimate);
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
    // the policy rescues some of the rest at an error ≤ r*, so the edge answers more and no worse.
    const fresh = history(6000, 3, 1);
    const confident = (e: PolicyHistoryExample) => e.observation.probabilities[0]! >= 0.9;
    const rescued = fresh.filter(
      (e) => !confident(e) && !evaluateEscalationPolicy(m, e.observation).escalate,
    );
    const errorOf = (xs: PolicyHistoryExample[]) => xs.filter((e) => !answerCorrect(e)).length / xs.length;
    expect(errorOf(rescued)).toBeLessThanOrEqual(fit.targetRisk);
    expect(errorOf([...fresh.filter(confident), ...rescued])).toBeLessThanOrEqual(
      errorOf(fresh.filter(confident)),
    );
    expect(rescued.length).toBeGreaterThan(0.3 * fresh.filter((e) => !confident(e)).length);
  });
  it('certifies nothing when the audits show no error at the edge (r* = 0)', () => {
    const h = history(6000, 4, 0.5).map((e) =>
      e.labelledProbability < 1 ? { ...e, label: e.observation.classNames[0]! } : e,
    );
    const fit = fitEscalationPolicy({ history: h, threshold: 0.9, mode: 'BINARY' });
    expect(fit.targetRisk).toBe(0);
    expect(fit.targetRiskEstimate.predicted).toBeGreaterThan(0.04); // the model's own guess is not used
    expect(fit.reason).toBe('NOT_CERTIFIED');
    expect(fit.model).toBeNull();
    expect(fit.riskModel?.weights[3]).toBeLessThan(0); // fitted all the same, for measuring its ranking
  });
});
