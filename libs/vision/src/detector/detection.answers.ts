/**
 * Groundlight answers from detections. BOUNDING_BOX: the boxes at or above the score threshold, at most
 * `max_num_bboxes` of them (more → GREATER_THAN_MAX); COUNT: how many, capped at `max_count` (more →
 * greater_than_max). Confidence is the chance the kept set is exactly right under independent scores, bounded the
 * way the reference computes it: min kept score × (1 − max dropped score), so one doubtful box on either side of
 * the threshold makes the answer doubtful.
 */
import type { Roi } from '@intellioptics/schema';
import type { CountCalibration } from './count-calibration';
import { calibratedCountConfidence, countScoreFeatures } from './count-calibration';
import type { Detection } from './detection.decode';

export type BoxLabel = 'NO_OBJECTS' | 'BOUNDING_BOX' | 'GREATER_THAN_MAX';

export interface BoxAnswer {
  label: BoxLabel;
  /** Best first, at most max_num_bboxes. */
  rois: Roi[];
  confidence: number;
  /** Why the answer cannot be trusted at all (the class is not one the detector knows), else null. */
  reason: string | null;
}

export interface CountAnswer {
  /** Capped at max_count; greaterThanMax says there were more. */
  count: number;
  greaterThanMax: boolean;
  /** P(count right) under the calibration when one was given, else the raw set confidence. */
  confidence: number;
  /** The raw set confidence, min kept score × (1 − max dropped score). */
  rawConfidence: number;
  rois: Roi[];
  reason: string | null;
}

export function toRoi(d: Detection): Roi {
  const { left, top, right, bottom } = d.box;
  return {
    label: d.label,
    score: d.score,
    geometry: { left, top, right, bottom, x: (left + right) / 2, y: (top + bottom) / 2 },
  };
}

/** Splits suppressed candidates at the threshold and computes the set confidence. */
export function splitAtThreshold(
  candidates: readonly Detection[],
  minScore: number,
): { kept: Detection[]; confidence: number } {
  const kept = candidates.filter((d) => d.score >= minScore);
  const maxDropped = Math.max(0, ...candidates.filter((d) => d.score < minScore).map((d) => d.score));
  const minKept = kept.length === 0 ? 1 : Math.min(...kept.map((d) => d.score));
  return { kept, confidence: minKept * (1 - maxDropped) };
}

export function boxAnswer(
  candidates: readonly Detection[],
  minScore: number,
  maxNumBboxes: number,
): BoxAnswer {
  const { kept, confidence } = splitAtThreshold(candidates, minScore);
  const label: BoxLabel =
    kept.length === 0 ? 'NO_OBJECTS' : kept.length > maxNumBboxes ? 'GREATER_THAN_MAX' : 'BOUNDING_BOX';
  return { label, rois: kept.slice(0, maxNumBboxes).map(toRoi), confidence, reason: null };
}

/** `calibration` (count-calibration.ts) maps the raw confidence to P(count right); without it the raw one. */
export function countAnswer(
  candidates: readonly Detection[],
  minScore: number,
  maxCount: number,
  calibration: CountCalibration | null = null,
): CountAnswer {
  const { kept, confidence } = splitAtThreshold(candidates, minScore);
  const greaterThanMax = kept.length > maxCount;
  return {
    count: Math.min(kept.length, maxCount),
    greaterThanMax,
    confidence: calibration
      ? calibratedCountConfidence(calibration, countScoreFeatures(candidates, minScore))
      : confidence,
    rawConfidence: confidence,
    rois: kept.map(toRoi),
    reason: null,
  };
}
