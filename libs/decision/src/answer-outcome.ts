/**
 * The decision's view of an inference answer (libs/schema DetectorAnswer): which confidence is compared with
 * the threshold, and whether the OODD adjustment applies. docs/DECISION.md "From an answer to the decision"
 * is the same table; answer-outcome-doc.test.ts checks the two agree.
 *
 * - Trained packages (BINARY, MULTI_CLASS, COUNT heads): the primary head's top-class probability, tempered by
 *   its OODD model when it has one (1 − in_domain_probability is the outlier probability).
 * - The COCO detector (COUNT, BOUNDING_BOX): the set confidence, min kept score × (1 − max dropped score).
 * - OCR (TEXT): the product of the read characters' probabilities; 0 when nothing was read, so it escalates.
 * - No OODD for the built-in models: the OODD model is fitted on the detector's own labelled images, which
 *   the COCO detector and the OCR never saw; their confidences already come from models trained on the wide
 *   world, and there is no in-domain set to measure distance from. Any stray in_domain_probability is ignored.
 * - `unanswered` (a class no model knows yet) is "no model": the edge escalates it (NO_MODEL), and presets
 *   that require edge answers refuse, rather than return a count of 0 it does not know.
 */
import type { DetectorAnswer } from '@intellioptics/schema';
import type { InferenceOutcome } from './types';

export function inferenceOutcomeFromAnswer(answer: DetectorAnswer): InferenceOutcome {
  if (answer.unanswered !== undefined) return { status: 'no_model', detail: answer.unanswered.detail };
  const builtin = answer.answered_by === 'coco_detector' || answer.answered_by === 'ocr';
  if (builtin)
    return {
      status: 'ok',
      mode: answer.mode,
      primaryConfidence: answer.confidence,
      outlierProbability: null,
    };
  return {
    status: 'ok',
    mode: answer.mode,
    primaryConfidence: answer.confidence,
    numClasses: Math.max(2, Object.keys(answer.probabilities).length),
    outlierProbability: answer.in_domain_probability === null ? null : 1 - answer.in_domain_probability,
  };
}
