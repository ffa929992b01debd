/**
 * Promotion rule: is a candidate "not worse" than the current version? Both are measured on the SAME held-out
 * images (the candidate's held-out split; the current version is re-run on them), so accuracy is compared
 * pairwise:
 *
 *   b = images the candidate gets wrong and the current version right, c = the reverse, n = held-out size.
 *   Accuracy is worse iff (b − c)/n > ε_acc AND b − c > z·√(b + c)   (a material loss that is not noise:
 *   the second term is a one-sided McNemar sign test at z = 1.645).
 *   Calibration is worse iff ECE_cand > ECE_cur + ε_ece(n), ε_ece(n) = max(ε_ece, 0.5/√n)
 *   (ECE of a well-calibrated model on n images fluctuates by about that much).
 *
 * Small-sample guard: with fewer than `minHeldOut` held-out images nothing can be told apart, and a candidate
 * trained on more labels is the better bet, so it is published (reason SMALL_HELD_OUT). The decision carries
 * the rule name and every number it used, for the model version record.
 */
import type { HeldOutEvaluation } from './metrics.evaluate';

export const PROMOTION_RULE = 'paired_not_worse_v1';

export interface PromotionConfig {
  accuracyEpsilon: number;
  eceEpsilon: number;
  z: number;
  minHeldOut: number;
}

export const DEFAULT_PROMOTION_CONFIG: PromotionConfig = {
  accuracyEpsilon: 0.01,
  eceEpsilon: 0.01,
  z: 1.645,
  minHeldOut: 20,
};

export type PromotionReason =
  | 'FIRST_VERSION'
  | 'CURRENT_NOT_EVALUABLE'
  | 'CLASSES_CHANGED'
  | 'SMALL_HELD_OUT'
  | 'NOT_WORSE'
  | 'ACCURACY_WORSE'
  | 'CALIBRATION_WORSE'
  | 'ACCURACY_AND_CALIBRATION_WORSE';

export interface PromotionNumbers {
  heldOut: number;
  candidateAccuracy: number;
  currentAccuracy: number | null;
  candidateWrongCurrentRight: number | null;
  candidateRightCurrentWrong: number | null;
  accuracyEpsilon: number;
  significanceMargin: number | null;
  candidateEce: number;
  currentEce: number | null;
  eceTolerance: number | null;
  candidateEscalationRate: number;
  currentEscalationRate: number | null;
  candidateEdgeAccuracy: number | null;
  currentEdgeAccuracy: number | null;
}

export interface PromotionDecision {
  publish: boolean;
  rule: typeof PROMOTION_RULE;
  reason: PromotionReason;
  numbers: PromotionNumbers;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function decidePromotion(args: {
  candidate: HeldOutEvaluation;
  /** The current version evaluated on the candidate's held-out images, or null when there is none. */
  current: HeldOutEvaluation | null;
  /**
   * A current version exists but could not be run on the held-out images (package missing or unreadable):
   * publish, so a broken version does not block every later one.
   */
  currentUnavailable?: boolean;
  config?: Partial<PromotionConfig>;
}): PromotionDecision {
  const cfg = { ...DEFAULT_PROMOTION_CONFIG, ...args.config };
  const { candidate: cand, current: cur } = args;
  const n = cand.n;
  const numbers: PromotionNumbers = {
    heldOut: n,
    candidateAccuracy: cand.accuracy,
    currentAccuracy: cur ? cur.accuracy : null,
    candidateWrongCurrentRight: null,
    candidateRightCurrentWrong: null,
    accuracyEpsilon: cfg.accuracyEpsilon,
    significanceMargin: null,
    candidateEce: cand.ece,
    currentEce: cur ? cur.ece : null,
    eceTolerance: null,
    candidateEscalationRate: cand.escalationRate,
    currentEscalationRate: cur ? cur.escalationRate : null,
    candidateEdgeAccuracy: finite(cand.edgeAccuracy),
    currentEdgeAccuracy: cur ? finite(cur.edgeAccuracy) : null,
  };
  const decision = (publish: boolean, reason: PromotionReason): PromotionDecision => ({
    publish,
    rule: PROMOTION_RULE,
    reason,
    numbers,
  });
  if (!cur) return decision(true, args.currentUnavailable ? 'CURRENT_NOT_EVALUABLE' : 'FIRST_VERSION');
  if (cur.classNames.join('\u0000') !== cand.classNames.join('\u0000'))
    return decision(true, 'CLASSES_CHANGED');
  if (cur.n !== n || cur.exampleIds.some((id, i) => id !== cand.exampleIds[i]))
    throw new RangeError('the current version must be evaluated on the candidate’s held-out images');
  if (n < cfg.minHeldOut) return decision(true, 'SMALL_HELD_OUT');

  let b = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (!cand.correct[i] && cur.correct[i]) b++;
    if (cand.correct[i] && !cur.correct[i]) c++;
  }
  const margin = cfg.z * Math.sqrt(b + c);
  const eceTolerance = Math.max(cfg.eceEpsilon, 0.5 / Math.sqrt(n));
  numbers.candidateWrongCurrentRight = b;
  numbers.candidateRightCurrentWrong = c;
  numbers.significanceMargin = margin;
  numbers.eceTolerance = eceTolerance;
  const accuracyWorse = (b - c) / n > cfg.accuracyEpsilon && b - c > margin;
  const calibrationWorse = cand.ece > cur.ece + eceTolerance;
  if (accuracyWorse && calibrationWorse) return decision(false, 'ACCURACY_AND_CALIBRATION_WORSE');
  if (accuracyWorse) return decision(false, 'ACCURACY_WORSE');
  if (calibrationWorse) return decision(false, 'CALIBRATION_WORSE');
  return decision(true, 'NOT_WORSE');
}
