/**
 * A detector's own count calibration (count-calibration.ts), fitted by the training worker on its reviewers'
 * counts, shipped as a small primary package so it travels every way a package does (cloud blob, edge install,
 * version swaps, rollback): `training.algorithm: 'coco_count_calibration'`, the calibration in
 * `training.count_calibration`. A service that finds it answers the detector with the COCO detector as before,
 * with this calibration in place of the shipped one (inference DetectorResolver, the cloud predictor). The head
 * in model.buf is the reviewers' count prior (zero weights, bias = log prior), so a reader that knows nothing of
 * calibration packages still loads a valid COUNT head that answers with low confidence and escalates.
 */
import { countClassNames } from '@intellioptics/schema';
import { buildSoftmaxHead, HEAD_INPUT, PROBABILITIES_OUTPUT } from '../heads/softmax.head';
import { buildCountHeadPackage, type CountHeadTarget } from '../package/head-package';
import type { ModelPackage, PredictorMetadata } from '../package/model-package.types';
import type { CountCalibration } from './count-calibration';

export const COUNT_CALIBRATION_ALGORITHM = 'coco_count_calibration';

/** The calibration a package ships, null for any other package (or a malformed one). */
export function countCalibrationOf(meta: PredictorMetadata): CountCalibration | null {
  if (meta.mode !== 'COUNT' || meta.training.algorithm !== COUNT_CALIBRATION_ALGORITHM) return null;
  const c = meta.training.count_calibration as Partial<CountCalibration> | undefined;
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (
    !c ||
    c.method !== 'logistic' ||
    !Array.isArray(c.weights) ||
    !c.weights.every(finite) ||
    !finite(c.bias) ||
    !Array.isArray(c.features)
  )
    return null;
  return c as CountCalibration;
}

export interface CountCalibrationPackageInput extends CountHeadTarget {
  calibration: CountCalibration;
  className: string;
  /** Reviewer labels per count class ("0"…"max_count", GREATER_THAN_MAX), for the fallback head's prior. */
  labelsPerClass: readonly number[];
  metrics: Record<string, number>;
}

export function buildCountCalibrationPackage(input: CountCalibrationPackageInput): ModelPackage {
  const classNames = countClassNames(input.maxCount);
  const k = classNames.length;
  const total = input.labelsPerClass.reduce((a, v) => a + v, 0);
  // Laplace-smoothed prior: no class impossible.
  const bias = classNames.map((_, j) => Math.log(((input.labelsPerClass[j] ?? 0) + 1) / (total + k)));
  const dim = input.backbone.featureDim;
  const modelBytes = buildSoftmaxHead({ weights: new Float32Array(k * dim), bias, numClasses: k, dim });
  return buildCountHeadPackage(input, {
    modelBytes,
    input: { name: HEAD_INPUT, source: 'backbone_features' },
    outputs: { probabilities: PROBABILITIES_OUTPUT },
    training: {
      algorithm: COUNT_CALIBRATION_ALGORITHM,
      answered_by: 'coco_detector',
      class_name: input.className,
      max_count: input.maxCount,
      count_calibration: input.calibration,
      fallback_head: 'count prior of the reviewer labels (zero weights)',
    },
    metrics: input.metrics,
  });
}
