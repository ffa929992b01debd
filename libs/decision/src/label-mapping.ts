/**
 * The edge's answer from a class index: libs/schema's `groundlightAnswer` (the one builder of Groundlight
 * results, answer-result.ts) with the edge's source and `from_edge`. The per-mode mappings are re-exported from
 * there for callers that map one value.
 */
import {
  groundlightAnswer,
  unsupportedTextMode,
  type BinaryClassificationResult,
  type BoundingBoxResult,
  type CountingResult,
  type DetectorMode,
  type Mapped,
  type ModeConfiguration,
  type MultiClassificationResult,
} from '@intellioptics/schema';

export {
  binaryLabel,
  boundingBoxLabel,
  countFromIndex,
  multiClassLabel,
  unsupportedTextMode,
  type Mapped,
} from '@intellioptics/schema';

/** The result object of an edge answer from a class index (TEXT excluded: an index carries no text). */
export type EdgeResult =
  BinaryClassificationResult | CountingResult | MultiClassificationResult | BoundingBoxResult;

export type MappedLabel =
  { kind: 'label'; label: string } | { kind: 'count'; count: number; greaterThanMax: boolean };

/**
 * The `result` of an edge answer: `source: "ALGORITHM"` (not "EDGE": older SDKs reject it), `from_edge: true`,
 * and `result_type` inside the result so the SDK picks the right class. Answers of the built-in models (COCO
 * counts and boxes, OCR text) go through `groundlightAnswer` with the whole answer instead.
 */
export function buildEdgeResult(args: {
  mode: DetectorMode;
  /** The primary model's class index (for COUNT: the count). */
  index: number;
  /** The adjusted confidence, as returned to the caller. */
  confidence: number;
  modeConfiguration?: ModeConfiguration | null | undefined;
}): Mapped<EdgeResult> {
  const { mode, index, confidence, modeConfiguration } = args;
  if (mode === 'TEXT') return unsupportedTextMode();
  const m = groundlightAnswer(
    { mode, label: { index, name: '' } },
    { confidence, source: 'ALGORITHM', fromEdge: true, modeConfiguration },
  );
  return m.ok ? { ok: true, value: m.value.result as EdgeResult } : m;
}
