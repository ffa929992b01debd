/**
 * Which built-in model answers a detector that has no trained package, from its spec (mode and
 * mode_configuration): COUNT and BOUNDING_BOX of a COCO class → the COCO object detector (class_name mapped
 * with libs/vision's synonyms), TEXT → OCR, a class outside COCO → an "unanswered" answer (confidence 0, the
 * edge escalates it as "no model"), BINARY and MULTI_CLASS → nothing (they need a trained package).
 * Pure: table-tested in apps/inference's builtin.test.ts. The inference service and the cloud's predictor
 * both answer with it.
 */
import type { DetectorSpec } from '@intellioptics/schema';
import {
  DEFAULT_MAX_COUNT,
  DEFAULT_MAX_NUM_BBOXES,
  classNameOf,
  maxCountOf,
  maxNumBboxesOf,
  valueMaxLengthOf,
} from '@intellioptics/schema';
import type { CocoClass } from '../detector/coco-classes';
import type { CountCalibration } from '../detector/count-calibration';
import { resolveCocoClasses } from '../detector/coco-classes';

export type BuiltinPlan =
  | {
      kind: 'coco';
      mode: 'COUNT';
      className: string;
      classes: CocoClass[];
      maxCount: number;
      /** The detector's own count calibration (a calibration package), else the shipped one. */
      countCalibration?: CountCalibration;
    }
  | { kind: 'coco'; mode: 'BOUNDING_BOX'; className: string; classes: CocoClass[]; maxNumBboxes: number }
  | { kind: 'ocr'; maxLength: number | undefined }
  | { kind: 'unanswered'; mode: 'COUNT' | 'BOUNDING_BOX'; className: string; detail: string };

export function builtinPlan(spec: DetectorSpec): BuiltinPlan | null {
  const config = spec.mode_configuration;
  switch (spec.mode) {
    case 'BINARY':
    case 'MULTI_CLASS':
      return null;
    case 'TEXT':
      return { kind: 'ocr', maxLength: valueMaxLengthOf(config) };
    case 'COUNT':
    case 'BOUNDING_BOX': {
      const className = classNameOf(config) ?? '';
      const classes = resolveCocoClasses(className);
      if (classes.length === 0)
        return {
          kind: 'unanswered',
          mode: spec.mode,
          className,
          detail: `No model for class "${className}" yet: it is not one of the 80 COCO classes the built-in detector knows, so people must label images until a model is trained for it.`,
        };
      return spec.mode === 'COUNT'
        ? {
            kind: 'coco',
            mode: 'COUNT',
            className,
            classes,
            maxCount: maxCountOf(config) ?? DEFAULT_MAX_COUNT,
          }
        : {
            kind: 'coco',
            mode: 'BOUNDING_BOX',
            className,
            classes,
            maxNumBboxes: maxNumBboxesOf(config) ?? DEFAULT_MAX_NUM_BBOXES,
          };
    }
  }
}

/** One key per distinct class set, so detectors asking the same classes share one detector run. */
export const classSetKey = (classes: readonly CocoClass[]): string => [...classes].sort().join('|');
