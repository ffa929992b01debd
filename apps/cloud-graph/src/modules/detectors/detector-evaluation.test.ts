import { describe, expect, it } from 'vitest';
import { toEvaluationResults, type RecordedEvaluation } from './detector-evaluation';

const at = new Date('2026-12-02T10:00:00Z');
const recorded = (over: Partial<RecordedEvaluation>): RecordedEvaluation => ({
  finishedAt: at,
  labelCount: 12,
  evaluation: null,
  examplesPerClass: null,
  ...over,
});

describe('toEvaluationResults', () => {
  it.each([
    ['binary: balanced = mean recall, positive = YES, negative = NO', { YES: 1, NO: 0.5 }, 0.75, 1, 0.5],
    ['multi-class: no positive/negative', { cat: 0.9, dog: 0.6, bird: 0.3 }, 0.6, null, null],
    ['non-finite recalls are left out', { YES: 0.8, NO: Number.NaN }, 0.8, 0.8, null],
    ['no recall recorded', null, null, null, null],
  ])('%s', (_, perClassRecall, balanced, positive, negative) => {
    const r = toEvaluationResults(recorded({ evaluation: { perClassRecall } }), 20);
    if (balanced === null) expect(r.kfold_pooled__balanced_accuracy).toBeNull();
    else expect(r.kfold_pooled__balanced_accuracy).toBeCloseTo(balanced, 10);
    expect(r.kfold_pooled__positive_accuracy).toBe(positive);
    expect(r.kfold_pooled__negative_accuracy).toBe(negative);
    expect(r.recall__mean).toBe(r.kfold_pooled__balanced_accuracy);
  });

  it('carries the timestamp, counts and examples per class; unmeasured numbers are null', () => {
    const r = toEvaluationResults(
      recorded({ examplesPerClass: { YES: 7, NO: 5, bad: 'x' }, evaluation: { perClassRecall: { YES: 1 } } }),
      9,
    );
    expect(r.eval_timestamp).toBe('2026-12-02T10:00:00.000Z');
    expect(r.total_ground_truth_examples).toBe(9);
    expect(r.total_labeled_examples).toBe(12);
    expect(r.num_examples_per_class).toEqual({ YES: 7, NO: 5 });
    expect(r.class_accuracies).toEqual({ YES: 1 });
    expect([r.precision__mean, r.roc_auc__mean, r.confusion_dict, r.balanced_system_accuracies]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});
