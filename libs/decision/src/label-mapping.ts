/**
 * From the model's class index to the Groundlight answer, per mode (the reference's `_mode_to_result_and_type`);
 * the class order itself is libs/schema's class-layout.
 * Failures are returned as typed errors, never thrown: TEXT cannot be answered on the edge (the reference
 * raised → 500), and an index the detector's configuration cannot explain means the model and the detector
 * disagree.
 */
import {
  BINARY_CLASS_NAMES,
  BOUNDING_BOX_LABELS,
  IntelliOpticsError,
  classNamesOf,
  maxCountOf,
  type BinaryClassificationResult,
  type BoundingBoxLabel,
  type BoundingBoxResult,
  type CountingResult,
  type DetectorMode,
  type ModeConfiguration,
  type MultiClassificationResult,
} from '@intellioptics/schema';

export type Mapped<T> = { ok: true; value: T } | { ok: false; error: IntelliOpticsError };

/** The result object of an edge answer (TEXT excluded: the edge never answers it). */
export type EdgeResult =
  BinaryClassificationResult | CountingResult | MultiClassificationResult | BoundingBoxResult;

export type MappedLabel =
  { kind: 'label'; label: string } | { kind: 'count'; count: number; greaterThanMax: boolean };

function mismatch(mode: DetectorMode, detail: string): { ok: false; error: IntelliOpticsError } {
  return {
    ok: false,
    error: new IntelliOpticsError(
      'MODEL_OUTPUT_MISMATCH',
      `The ${mode} model output does not fit the detector: ${detail}`,
      {
        details: { mode },
      },
    ),
  };
}

function pick<T>(labels: readonly T[], index: number, mode: DetectorMode): Mapped<T> {
  const label = Number.isInteger(index) ? labels[index] : undefined;
  return label === undefined
    ? mismatch(mode, `class index ${index} is outside 0..${labels.length - 1}`)
    : { ok: true, value: label };
}

/** 0 → YES, 1 → NO. */
export function binaryLabel(index: number): Mapped<'YES' | 'NO'> {
  return pick(BINARY_CLASS_NAMES, index, 'BINARY');
}

/** The index is the count; above `maxCount` it is clipped and flagged `greaterThanMax`. */
export function countFromIndex(
  index: number,
  maxCount?: number | null,
): Mapped<{ count: number; greaterThanMax: boolean }> {
  if (!Number.isInteger(index) || index < 0)
    return mismatch('COUNT', `count ${index} is not a whole number ≥ 0`);
  if (maxCount !== null && maxCount !== undefined && index > maxCount) {
    return { ok: true, value: { count: maxCount, greaterThanMax: true } };
  }
  return { ok: true, value: { count: index, greaterThanMax: false } };
}

export function multiClassLabel(index: number, classNames: readonly string[]): Mapped<string> {
  return pick(classNames, index, 'MULTI_CLASS');
}

/** Index into NO_OBJECTS, BOUNDING_BOX, GREATER_THAN_MAX, UNCLEAR. */
export function boundingBoxLabel(index: number): Mapped<BoundingBoxLabel> {
  return pick(BOUNDING_BOX_LABELS, index, 'BOUNDING_BOX');
}

export function unsupportedTextMode(): { ok: false; error: IntelliOpticsError } {
  return {
    ok: false,
    error: new IntelliOpticsError('UNSUPPORTED_MODE', 'TEXT detectors cannot be answered on the edge.', {
      details: { mode: 'TEXT' },
    }),
  };
}

/**
 * The `result` of an edge answer: `source: "ALGORITHM"` (not "EDGE": older SDKs reject it), `from_edge: true`,
 * and `result_type` inside the result so the SDK picks the right class.
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
  if (!(Number.isFinite(confidence) && confidence >= 0 && confidence <= 1)) {
    return mismatch(mode, `confidence ${confidence} is outside 0..1`);
  }
  const common = { confidence, source: 'ALGORITHM', from_edge: true } as const;
  switch (mode) {
    case 'BINARY': {
      const m = binaryLabel(index);
      return m.ok
        ? { ok: true, value: { ...common, result_type: 'binary_classification', label: m.value } }
        : m;
    }
    case 'COUNT': {
      const m = countFromIndex(index, maxCountOf(modeConfiguration));
      return m.ok
        ? {
            ok: true,
            value: {
              ...common,
              result_type: 'counting',
              count: m.value.count,
              greater_than_max: m.value.greaterThanMax,
            },
          }
        : m;
    }
    case 'MULTI_CLASS': {
      const names = classNamesOf(modeConfiguration);
      if (names === undefined) return mismatch(mode, 'the detector has no mode_configuration.class_names');
      const m = multiClassLabel(index, names);
      return m.ok
        ? { ok: true, value: { ...common, result_type: 'multi_classification', label: m.value } }
        : m;
    }
    case 'BOUNDING_BOX': {
      const m = boundingBoxLabel(index);
      return m.ok ? { ok: true, value: { ...common, result_type: 'bounding_box', label: m.value } } : m;
    }
    case 'TEXT':
      return unsupportedTextMode();
  }
}
