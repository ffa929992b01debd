/**
 * Which head a detector ships (#15): `linear` (softmax regression on the pooled vector), `recursive` (the
 * recursive reasoning head on the 7×7 patch tokens) or `auto`. `auto` trains the recursive head only with enough
 * labels, and keeps it only when it wins on the SAME held-out images by more than noise (the pairwise sign test
 * of the promotion rule, the other way round) without worse calibration; otherwise the cheaper linear head.
 */
import type { ReasoningMode } from '@intellioptics/schema';
import type { HeldOutEvaluation } from './metrics.evaluate';
import { DEFAULT_PROMOTION_CONFIG, type PromotionConfig } from './promotion.rule';

export { REASONING_MODES as REASONING_SETTINGS } from '@intellioptics/schema';
export type ReasoningSetting = ReasoningMode;
export type ReasoningHeadKind = 'linear' | 'recursive';

/** Below this, `auto` does not train the recursive head (its held-out split could not tell the two apart). */
export const MIN_LABELS_FOR_RECURSIVE = 100;

export function trainsRecursive(setting: ReasoningSetting, labels: number): boolean {
  return setting === 'recursive' || (setting === 'auto' && labels >= MIN_LABELS_FOR_RECURSIVE);
}

export type ReasoningChoiceReason =
  | 'SETTING'
  | 'NOT_TRAINED'
  | 'DIFFERENT_HELD_OUT'
  | 'RECURSIVE_WINS'
  | 'NO_SIGNIFICANT_GAIN'
  | 'CALIBRATION_WORSE';

export interface ReasoningChoice {
  head: ReasoningHeadKind;
  reason: ReasoningChoiceReason;
  /** Held-out images only the recursive head gets right, and only the linear head. */
  recursiveOnlyRight: number | null;
  linearOnlyRight: number | null;
}

export function chooseReasoningHead(
  setting: ReasoningSetting,
  linear: HeldOutEvaluation,
  recursive: HeldOutEvaluation | null,
  config: PromotionConfig = DEFAULT_PROMOTION_CONFIG,
): ReasoningChoice {
  const none = { recursiveOnlyRight: null, linearOnlyRight: null };
  if (setting === 'linear') return { head: 'linear', reason: 'SETTING', ...none };
  if (!recursive) {
    if (setting === 'recursive')
      throw new Error('chooseReasoningHead: reasoning=recursive without a recursive head');
    return { head: 'linear', reason: 'NOT_TRAINED', ...none };
  }
  if (setting === 'recursive') return { head: 'recursive', reason: 'SETTING', ...none };
  const sameImages =
    linear.exampleIds.length === recursive.exampleIds.length &&
    linear.exampleIds.every((id, i) => recursive.exampleIds[i] === id);
  if (!sameImages) return { head: 'linear', reason: 'DIFFERENT_HELD_OUT', ...none };
  let c = 0; // recursive right, linear wrong
  let b = 0; // linear right, recursive wrong
  recursive.correct.forEach((ok, i) => {
    if (ok && !linear.correct[i]) c++;
    if (!ok && linear.correct[i]) b++;
  });
  const counts = { recursiveOnlyRight: c, linearOnlyRight: b };
  const n = linear.n;
  const wins = (c - b) / n > config.accuracyEpsilon && c - b > config.z * Math.sqrt(b + c);
  if (!wins) return { head: 'linear', reason: 'NO_SIGNIFICANT_GAIN', ...counts };
  const eceTolerance = Math.max(config.eceEpsilon, 0.5 / Math.sqrt(n));
  if (recursive.ece > linear.ece + eceTolerance)
    return { head: 'linear', reason: 'CALIBRATION_WORSE', ...counts };
  return { head: 'recursive', reason: 'RECURSIVE_WINS', ...counts };
}
