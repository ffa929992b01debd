/**
 * How a dataset item becomes a cloud label for a detector's mode, and how a labelled image query becomes a
 * dataset item again. Bounding-box detectors take boxes (none = NO_OBJECTS); counting detectors take a number
 * (a folder named "3", or the number of boxes); the other modes take the image's class.
 */
import {
  classNamesOf,
  normaliseBinaryLabel,
  type DetectorMode,
  type ImageQuery,
} from '@intellioptics/schema';
import { CliError } from '../errors';
import type { Box, DatasetItem, ExportItem } from './dataset';

export interface LabelRequest {
  label: string;
  rois: { label: string; geometry: { left: number; top: number; right: number; bottom: number } }[] | null;
}

/** The detector as far as labelling needs it (a REST Detector fits). */
export interface LabelTarget {
  mode: DetectorMode;
  mode_configuration?: Record<string, unknown> | null;
}

export function labelForImport(detector: LabelTarget, item: DatasetItem): LabelRequest {
  const mode = detector.mode;
  switch (mode) {
    case 'BOUNDING_BOX': {
      if (item.boxes === null) {
        if (item.label === 'NO_OBJECTS') return { label: 'NO_OBJECTS', rois: null };
        throw new CliError(
          `${item.name}: a bounding-box detector needs boxes: import COCO or YOLO detection files.`,
        );
      }
      const rois = item.boxes.map(({ label, ...geometry }) => ({ label, geometry }));
      return { label: rois.length > 0 ? 'BOUNDING_BOX' : 'NO_OBJECTS', rois: rois.length > 0 ? rois : null };
    }
    case 'COUNT': {
      if (item.label !== null && /^\d+$/.test(item.label)) return { label: item.label, rois: null };
      if (item.boxes !== null) return { label: String(item.boxes.length), rois: null };
      throw new CliError(
        `${item.name}: a counting detector needs a number (a folder named after the count) or boxes.`,
      );
    }
    case 'BINARY':
    case 'MULTI_CLASS':
    case 'TEXT': {
      if (item.label === null) {
        throw new CliError(
          `${item.name}: no single class for this image (its annotations disagree or are missing).`,
        );
      }
      if (mode === 'BINARY' && normaliseBinaryLabel(item.label) === null) {
        throw new CliError(
          `${item.name}: class ${JSON.stringify(item.label)} is not a binary answer: name the classes YES and NO (or PASS and FAIL).`,
        );
      }
      const classes = mode === 'MULTI_CLASS' ? classNamesOf(detector.mode_configuration) : undefined;
      if (classes && !classes.includes(item.label)) {
        throw new CliError(
          `${item.name}: class ${JSON.stringify(item.label)} is not one of the detector's classes (${classes.join(', ')}).`,
        );
      }
      return { label: item.label, rois: null };
    }
  }
}

/** A human-labelled image query as a dataset item; null when no person has labelled it. */
export function exportItemOf(iq: ImageQuery, name: string, data: Buffer): ExportItem | null {
  const r = iq.result;
  if (!r || r.source !== 'USER') return null;
  switch (r.result_type) {
    case 'binary_classification':
    case 'multi_classification':
      return { name, label: r.label, boxes: null, data };
    case 'counting':
      return { name, label: String(r.count), boxes: null, data };
    case 'text_recognition':
      return { name, label: r.text ?? '', boxes: null, data };
    case 'bounding_box': {
      const boxes: Box[] = (iq.rois ?? []).map((roi) => ({
        label: roi.label,
        left: roi.geometry.left,
        top: roi.geometry.top,
        right: roi.geometry.right,
        bottom: roi.geometry.bottom,
      }));
      return { name, label: r.label, boxes, data };
    }
  }
}
