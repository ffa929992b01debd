import { describe, expect, it } from 'vitest';
import type { HeldOutEvaluation } from './metrics.evaluate';
import { chooseReasoningHead, MIN_LABELS_FOR_RECURSIVE, trainsRecursive } from './reasoning.choice';

/** A held-out evaluation of n images with the given right/wrong pattern. */
function evaluation(
  correct: boolean[],
  ece = 0.02,
  ids = correct.map((_, i) => `iq_${i}`),
): HeldOutEvaluation {
  const right = correct.filter(Boolean).length;
  return {
    exampleIds: ids,
    classNames: ['YES', 'NO'],
    n: correct.length,
    accuracy: right / correct.length,
    perClassRecall: {},
    ece,
    nll: 0.3,
    threshold: 0.9,
    escalationRate: 0.1,
    edgeAccuracy: 0.95,
    edgeAnswered: correct.length,
    correct,
  };
}

const pattern = (n: number, wrong: (i: number) => boolean): boolean[] =>
  Array.from({ length: n }, (_, i) => !wrong(i));

describe('trainsRecursive', () => {
  it.each([
    ['linear', 5000, false],
    ['recursive', 10, true],
    ['auto', MIN_LABELS_FOR_RECURSIVE - 1, false],
    ['auto', MIN_LABELS_FOR_RECURSIVE, true],
  ] as const)('%s with %i labels → %s', (setting, labels, expected) => {
    expect(trainsRecursive(setting, labels)).toBe(expected);
  });
});

describe('chooseReasoningHead', () => {
  const linear50 = evaluation(pattern(200, (i) => i % 2 === 0)); // 50% on a left/right question
  const recursive95 = evaluation(pattern(200, (i) => i % 20 === 0)); // 95%

  it.each([
    ['linear setting keeps linear', 'linear', linear50, recursive95, 'linear', 'SETTING'],
    [
      'recursive setting keeps recursive',
      'recursive',
      linear50,
      evaluation(pattern(200, () => true)),
      'recursive',
      'SETTING',
    ],
    ['auto without a recursive head', 'auto', linear50, null, 'linear', 'NOT_TRAINED'],
    ['auto, recursive clearly better', 'auto', linear50, recursive95, 'recursive', 'RECURSIVE_WINS'],
    ['auto, a tie', 'auto', recursive95, recursive95, 'linear', 'NO_SIGNIFICANT_GAIN'],
    // 14 vs 10 images only one head gets right: +2 points, but 4 < 1.645·√24 (a sign test would call it noise).
    [
      'auto, a gain within noise',
      'auto',
      evaluation(pattern(200, (i) => i < 14)),
      evaluation(pattern(200, (i) => i >= 190)),
      'linear',
      'NO_SIGNIFICANT_GAIN',
    ],
    [
      'auto, better but badly calibrated',
      'auto',
      linear50,
      evaluation(
        pattern(200, (i) => i % 20 === 0),
        0.3,
      ),
      'linear',
      'CALIBRATION_WORSE',
    ],
    [
      'auto, evaluated on other images',
      'auto',
      linear50,
      evaluation(
        pattern(200, (i) => i % 20 === 0),
        0.02,
        Array.from({ length: 200 }, (_, i) => `other_${i}`),
      ),
      'linear',
      'DIFFERENT_HELD_OUT',
    ],
  ] as const)('%s', (_name, setting, linear, recursive, head, reason) => {
    const choice = chooseReasoningHead(setting, linear, recursive);
    expect(choice.head).toBe(head);
    expect(choice.reason).toBe(reason);
  });

  it('counts the images each head alone gets right', () => {
    const choice = chooseReasoningHead('auto', linear50, recursive95);
    expect(choice.recursiveOnlyRight).toBe(90); // even indices not divisible by 20: 100 − 10
    expect(choice.linearOnlyRight).toBe(0);
  });

  it('refuses reasoning=recursive without a recursive head', () => {
    expect(() => chooseReasoningHead('recursive', linear50, null)).toThrow(/without a recursive head/);
  });
});
