/**
 * Reading a detector's mode configuration and an escalation's edge result (the edge's `metadata.edge_result`
 * summary: class_index, raw_primary_confidence, oodd_outlier_probability, adjusted_confidence, threshold)
 * into what the reviewer sees. JSON comes from the server untyped, so every read is defensive. The field names
 * are the contract's (libs/schema escalation-metadata, type-only here: its zod reader would add ~40 kB gzip to
 * the reviewer's bundle).
 */
import type { EdgeResultReading } from '@intellioptics/schema';
import type { LabelMode } from './keyboard';

function record(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** MULTI_CLASS class names, in key order. */
export function classNames(modeConfiguration: unknown): string[] {
  const names = record(modeConfiguration)?.class_names;
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
}

/** COUNT / BOUNDING_BOX detectors' object class (the label of drawn boxes). */
export function objectClass(modeConfiguration: unknown): string | null {
  const c = record(modeConfiguration)?.class_name;
  return typeof c === 'string' && c ? c : null;
}

/** COUNT detectors' max_count, if configured. */
export function maxCount(modeConfiguration: unknown): number | null {
  return num(record(modeConfiguration)?.max_count);
}

export interface EdgeAnswer {
  /** The edge's answer as a label ("YES", "3", "red"), or null when unknown. */
  answer: string | null;
  /** Confidence after the OODD adjustment (what was compared with the threshold). */
  confidence: number | null;
  rawConfidence: number | null;
  /** Probability that the image is out of the model's domain. */
  ooddScore: number | null;
  threshold: number | null;
}

/** The answer behind a class index for `mode` (BINARY: 0 = YES, 1 = NO; COUNT: the index is the count). */
export function labelForClassIndex(
  mode: LabelMode,
  index: number,
  classes: readonly string[],
): string | null {
  switch (mode) {
    case 'BINARY':
      return index === 0 ? 'YES' : index === 1 ? 'NO' : null;
    case 'COUNT':
      return String(index);
    case 'MULTI_CLASS':
      return classes[index] ?? `class ${index}`;
    case 'BOUNDING_BOX':
    case 'TEXT':
      return null;
  }
}

export function readEdgeResult(
  edgeResult: unknown,
  mode: LabelMode,
  classes: readonly string[],
): EdgeAnswer | null {
  const r = record(edgeResult) as { [K in keyof EdgeResultReading]?: unknown } | null;
  if (!r) return null;
  const index = num(r.class_index);
  const label = typeof r.label === 'string' ? r.label : null;
  return {
    answer: label ?? (index === null ? null : labelForClassIndex(mode, index, classes)),
    confidence: num(r.adjusted_confidence) ?? num(r.confidence),
    rawConfidence: num(r.raw_primary_confidence),
    ooddScore: num(r.oodd_outlier_probability),
    threshold: num(r.threshold),
  };
}

/** A one-word rendering of a result ("YES", "4", "NO_OBJECTS"). */
export function resultText(
  result: { label?: string | null; count?: number | null; text?: string | null } | null | undefined,
): string {
  if (!result) return '—';
  if (result.count !== null && result.count !== undefined) return String(result.count);
  return result.label ?? result.text ?? '—';
}

/** A box on the image under review: the model's (with its label and score) or one a reviewer drew. */
export interface ReviewBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
  label: string;
  /** The model's score; null for a box a reviewer drew. */
  score: number | null;
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/** The model's boxes of an image query (its `rois`), clamped to the image; boxes with no area are dropped. */
export function modelBoxes(
  rois:
    | readonly { label: string; score: number; left: number; top: number; right: number; bottom: number }[]
    | null
    | undefined,
): ReviewBox[] {
  return (rois ?? []).flatMap((r) => {
    const box = {
      left: clamp01(Math.min(r.left, r.right)),
      top: clamp01(Math.min(r.top, r.bottom)),
      right: clamp01(Math.max(r.left, r.right)),
      bottom: clamp01(Math.max(r.top, r.bottom)),
    };
    if (box.right <= box.left || box.bottom <= box.top) return [];
    return [{ ...box, label: r.label, score: num(r.score) }];
  });
}

/** A box's tag on the image: its label, with the model's score when it has one ("person 87%"). */
export function boxTag(box: Pick<ReviewBox, 'label' | 'score'>): string {
  return box.score === null ? box.label : `${box.label} ${Math.round(box.score * 100)}%`;
}

/** The text the model read (the image query's text, else its result's), as the reviewer's starting label. */
export function recognisedText(
  iq: { text?: string | null; result?: { text?: string | null } | null } | null | undefined,
): string {
  return iq?.text ?? iq?.result?.text ?? '';
}

/**
 * What Enter submits on a counting detector with nothing typed: the model's count, else the number of boxes
 * the model drew; null when there is neither (the reviewer must type a number).
 */
export function suggestedCount(modelCount: number | null | undefined, boxes: number): number | null {
  if (typeof modelCount === 'number' && Number.isInteger(modelCount) && modelCount >= 0) return modelCount;
  return boxes > 0 ? boxes : null;
}
