/**
 * The reference's `evaluation_results` from what the learning loop recorded for the published model: the
 * training job's held-out evaluation of that candidate (training.worker.ts `candidateEvaluation`,
 * `examplesPerClass`). Pure, so every field's rule is tested on its own. Numbers the trainer does not measure
 * (precision, ROC AUC, system accuracies per threshold, confusion matrix) stay null rather than invented.
 */

export interface RecordedEvaluation {
  finishedAt: Date;
  /** Label events the job consumed. */
  labelCount: number | null;
  /** `result.candidateEvaluation` of the job. */
  evaluation: { n?: unknown; accuracy?: unknown; perClassRecall?: unknown } | null;
  /** `result.examplesPerClass` of the job. */
  examplesPerClass: unknown;
}

export interface EvaluationResults {
  eval_timestamp: string;
  total_ground_truth_examples: number | null;
  total_labeled_examples: number | null;
  kfold_pooled__balanced_accuracy: number | null;
  kfold_pooled__positive_accuracy: number | null;
  kfold_pooled__negative_accuracy: number | null;
  precision__mean: number | null;
  recall__mean: number | null;
  roc_auc__mean: number | null;
  balanced_system_accuracies: Record<string, number> | null;
  positive_system_accuracies: Record<string, number> | null;
  negative_system_accuracies: Record<string, number> | null;
  mean_absolute_error__mean: number | null;
  objdet_precision__mean: number | null;
  objdet_recall__mean: number | null;
  objdet_f1_score__mean: number | null;
  class_accuracies: Record<string, number> | null;
  confusion_dict: Record<string, unknown> | null;
  num_examples_per_class: Record<string, number> | null;
}

function numberRecord(v: unknown): Record<string, number> | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const entries = Object.entries(v).filter(
    (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
  );
  return entries.length > 0 ? Object.fromEntries(entries) : null;
}

const mean = (xs: number[]): number | null =>
  xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Balanced accuracy is the mean per-class recall on the held-out images; positive/negative accuracy are the
 * recalls of YES and NO (binary detectors only; null otherwise). Recall's mean is the same mean.
 */
export function toEvaluationResults(recorded: RecordedEvaluation, groundTruthNow: number): EvaluationResults {
  const recall = numberRecord(recorded.evaluation?.perClassRecall);
  const balanced = recall ? mean(Object.values(recall)) : null;
  return {
    eval_timestamp: recorded.finishedAt.toISOString(),
    total_ground_truth_examples: groundTruthNow,
    total_labeled_examples: recorded.labelCount,
    kfold_pooled__balanced_accuracy: balanced,
    kfold_pooled__positive_accuracy: recall?.YES ?? null,
    kfold_pooled__negative_accuracy: recall?.NO ?? null,
    precision__mean: null,
    recall__mean: balanced,
    roc_auc__mean: null,
    balanced_system_accuracies: null,
    positive_system_accuracies: null,
    negative_system_accuracies: null,
    mean_absolute_error__mean: null,
    objdet_precision__mean: null,
    objdet_recall__mean: null,
    objdet_f1_score__mean: null,
    class_accuracies: recall,
    confusion_dict: null,
    num_examples_per_class: numberRecord(recorded.examplesPerClass),
  };
}
