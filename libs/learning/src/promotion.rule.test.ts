import { describe, expect, it } from 'vitest';
import type { HeldOutEvaluation } from './metrics.evaluate';
import { decidePromotion, PROMOTION_RULE } from './promotion.rule';

/** An evaluation on n images with the given wrong indices and ECE. */
function ev(n: number, wrong: number[], ece: number, classNames = ['YES', 'NO']): HeldOutEvaluation {
  const correct = Array.from({ length: n }, (_, i) => !wrong.includes(i));
  return {
    exampleIds: Array.from({ length: n }, (_, i) => `iq_${i}`),
    classNames,
    n,
    accuracy: correct.filter(Boolean).length / n,
    perClassRecall: {},
    ece,
    nll: 0.1,
    threshold: 0.9,
    escalationRate: 0.2,
    edgeAccuracy: 0.99,
    edgeAnswered: Math.round(0.8 * n),
    correct,
  };
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe(decidePromotion.name, () => {
  it.each([
    ['first version', ev(10, [1, 2, 3], 0.2), null, true, 'FIRST_VERSION'],
    ['classes changed', ev(100, [], 0.01), ev(100, [], 0.01, ['a', 'b', 'c']), true, 'CLASSES_CHANGED'],
    [
      'small held-out set: publish even if worse',
      ev(10, [1, 2, 3, 4], 0.3),
      ev(10, [], 0.01),
      true,
      'SMALL_HELD_OUT',
    ],
    ['identical', ev(200, [1, 2], 0.02), ev(200, [1, 2], 0.02), true, 'NOT_WORSE'],
    ['better', ev(200, [1], 0.01), ev(200, range(0, 10), 0.05), true, 'NOT_WORSE'],
    // b = 3, c = 1: b − c = 2 is 2% > 1% of 100 but 2 < 1.645·√4 = 3.29: noise.
    ['slightly worse, within noise', ev(100, [1, 2, 3], 0.02), ev(100, [50], 0.02), true, 'NOT_WORSE'],
    // b − c = 12 (6%) > 1.645·√12 = 5.7: material and significant.
    ['clearly less accurate', ev(200, range(0, 12), 0.02), ev(200, [], 0.02), false, 'ACCURACY_WORSE'],
    // many disagreements that cancel out: b = 20, c = 14 → 6 < 1.645·√34 = 9.6.
    [
      'disagreeing but not worse',
      ev(400, range(0, 20), 0.02),
      ev(400, range(20, 34), 0.02),
      true,
      'NOT_WORSE',
    ],
    // ECE tolerance at n = 400: max(0.01, 0.5/20) = 0.025.
    ['ECE within tolerance', ev(400, [], 0.044), ev(400, [], 0.02), true, 'NOT_WORSE'],
    ['ECE worse', ev(400, [], 0.05), ev(400, [], 0.02), false, 'CALIBRATION_WORSE'],
    ['both worse', ev(400, range(0, 30), 0.09), ev(400, [], 0.02), false, 'ACCURACY_AND_CALIBRATION_WORSE'],
    // Large set: b − c = 60 is 0.6% of 10,000 < ε = 1% although significant.
    [
      'immaterial loss on a large set',
      ev(10_000, range(0, 60), 0.01),
      ev(10_000, [], 0.01),
      true,
      'NOT_WORSE',
    ],
  ] as const)('%s', (_name, candidate, current, publish, reason) => {
    const d = decidePromotion({ candidate, current });
    expect(d.publish).toBe(publish);
    expect(d.reason).toBe(reason);
    expect(d.rule).toBe(PROMOTION_RULE);
  });

  it('publishes when the current version cannot be evaluated', () => {
    const d = decidePromotion({ candidate: ev(100, [], 0.02), current: null, currentUnavailable: true });
    expect(d).toMatchObject({ publish: true, reason: 'CURRENT_NOT_EVALUABLE' });
  });

  it('records the numbers it used', () => {
    const d = decidePromotion({ candidate: ev(200, range(0, 12), 0.03), current: ev(200, [0, 100], 0.02) });
    expect(d.numbers).toMatchObject({
      heldOut: 200,
      candidateAccuracy: 0.94,
      currentAccuracy: 0.99,
      candidateWrongCurrentRight: 11,
      candidateRightCurrentWrong: 1,
      candidateEce: 0.03,
      currentEce: 0.02,
    });
    expect(d.numbers.significanceMargin).toBeCloseTo(1.645 * Math.sqrt(12), 10);
    expect(d.numbers.eceTolerance).toBeCloseTo(0.5 / Math.sqrt(200), 10);
  });

  it('honours a stricter configuration', () => {
    const d = decidePromotion({
      candidate: ev(100, [1, 2, 3], 0.02),
      current: ev(100, [50], 0.02),
      config: { accuracyEpsilon: 0, z: 0 },
    });
    expect(d).toMatchObject({ publish: false, reason: 'ACCURACY_WORSE' });
  });

  it('refuses to compare evaluations of different held-out images', () => {
    const other = { ...ev(200, [], 0.02), exampleIds: range(0, 200).map((i) => `other_${i}`) };
    expect(() => decidePromotion({ candidate: ev(200, [], 0.02), current: other })).toThrow(/held-out/);
  });
});
