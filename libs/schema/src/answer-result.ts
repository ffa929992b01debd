/**
 * The one builder from a model's answer (`DetectorAnswer`, inference-answer.ts) to the Groundlight wire
 * shapes (rest.ts): the image query's `result` plus its top-level `rois` and `text`. The edge uses it for its
 * own answers, the cloud for its model's; the per-mode mapping follows the reference's
 * `_mode_to_result_and_type` (docs/REST-COMPAT.md "Shapes").
 *
 * Failures are returned as typed errors, never thrown: an index the detector's configuration cannot explain
 * means the model and the detector disagree (MODEL_OUTPUT_MISMATCH), and a TEXT answer without its text
 * cannot be answered (UNSUPPORTED_MODE).
 */
import { BINARY_CLASS_NAMES, DEFAULT_MAX_COUNT, classNamesOf, maxCountOf } from './class-layout';
import type { BoundingBoxLabel, DetectorMode, Source } from './enums';
import { BOUNDING_BOX_LABELS } from './enums';
import { IntelliOpticsError } from './errors';
import type { DetectorAnswer } from './inference-answer';
import type { ImageQueryResult, ModeConfiguration, Roi } from './rest';

export type Mapped<T> = { ok: true; value: T } | { ok: false; error: IntelliOpticsError };

function mismatch(mode: DetectorMode, detail: string): { ok: false; error: IntelliOpticsError } {
  return {
    ok: false,
    error: new IntelliOpticsError(
      'MODEL_OUTPUT_MISMATCH',
      `The ${mode} model output does not fit the detector: ${detail}`,
      { details: { mode } },
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
    error: new IntelliOpticsError('UNSUPPORTED_MODE', 'A TEXT answer needs the text that was read.', {
      details: { mode: 'TEXT' },
    }),
  };
}

/** What the builder reads of an answer: the mode, the top class and, for built-in answers, the mode's part. */
export type ResultInput = Pick<DetectorAnswer, 'mode' | 'label'> &
  Partial<Pick<DetectorAnswer, 'count' | 'boxes' | 'text' | 'unanswered'>>;

export interface ResultOptions {
  /** The confidence to report: the edge reports its OODD-adjusted one; null when nobody gave one. */
  confidence: number | null;
  source: Source;
  fromEdge: boolean;
  /** The detector's `mode_configuration` (MULTI_CLASS class names, COUNT max_count). */
  modeConfiguration?: ModeConfiguration | null | undefined;
}

/** An image query's answer fields: `result` and the top-level `rois` and `text` (null when the mode has none). */
export interface GroundlightAnswer {
  result: ImageQueryResult;
  rois: Roi[] | null;
  text: string | null;
}

/**
 * The Groundlight answer of a model's answer. Built-in parts win over the class index (the COCO detector's
 * count is not a class). An `unanswered` answer becomes the mode's "don't know": COUNT `count: null`,
 * BOUNDING_BOX `UNCLEAR`, TEXT `text: null`; BINARY and MULTI_CLASS have no such answer from a model.
 */
export function groundlightAnswer(answer: ResultInput, opts: ResultOptions): Mapped<GroundlightAnswer> {
  const { mode, label } = answer;
  const { confidence } = opts;
  if (confidence !== null && !(Number.isFinite(confidence) && confidence >= 0 && confidence <= 1)) {
    return mismatch(mode, `confidence ${confidence} is outside 0..1`);
  }
  const common = { confidence, source: opts.source, from_edge: opts.fromEdge };
  const plain = (result: ImageQueryResult): Mapped<GroundlightAnswer> => ({
    ok: true,
    value: { result, rois: null, text: null },
  });
  const unknown = answer.unanswered !== undefined;
  switch (mode) {
    case 'BINARY': {
      const m = binaryLabel(label.index);
      return m.ok ? plain({ ...common, result_type: 'binary_classification', label: m.value }) : m;
    }
    case 'MULTI_CLASS': {
      const names = classNamesOf(opts.modeConfiguration);
      if (names === undefined) return mismatch(mode, 'the detector has no mode_configuration.class_names');
      const m = multiClassLabel(label.index, names);
      return m.ok ? plain({ ...common, result_type: 'multi_classification', label: m.value }) : m;
    }
    case 'COUNT': {
      if (unknown) return plain({ ...common, result_type: 'counting', count: null });
      if (answer.count) {
        const { count, greater_than_max, rois } = answer.count;
        return {
          ok: true,
          value: {
            result: { ...common, result_type: 'counting', count, greater_than_max },
            rois,
            text: null,
          },
        };
      }
      const m = countFromIndex(label.index, maxCountOf(opts.modeConfiguration));
      return m.ok
        ? plain({
            ...common,
            result_type: 'counting',
            count: m.value.count,
            greater_than_max: m.value.greaterThanMax,
          })
        : m;
    }
    case 'BOUNDING_BOX': {
      if (unknown) return plain({ ...common, result_type: 'bounding_box', label: 'UNCLEAR' });
      if (answer.boxes) {
        const { label: boxLabel, rois } = answer.boxes;
        return {
          ok: true,
          value: { result: { ...common, result_type: 'bounding_box', label: boxLabel }, rois, text: null },
        };
      }
      const m = boundingBoxLabel(label.index);
      return m.ok ? plain({ ...common, result_type: 'bounding_box', label: m.value }) : m;
    }
    case 'TEXT': {
      if (unknown) return plain({ ...common, result_type: 'text_recognition', text: null, truncated: false });
      if (!answer.text) return unsupportedTextMode();
      const { text, truncated } = answer.text;
      return {
        ok: true,
        value: { result: { ...common, result_type: 'text_recognition', text, truncated }, rois: null, text },
      };
    }
  }
}

/**
 * The answer of a detector that has no model yet: the mode's least-committal answer with the chance-level
 * confidence, so Groundlight clients always find a `result` (they read `result.label` / `result.count`).
 * The confidence is at most 1 / number of classes (BINARY 2 with UNCLEAR, MULTI_CLASS its class names, COUNT
 * max_count + 1, BOUNDING_BOX its four labels); TEXT has no class count and no prior text: confidence 0.
 * Whoever answers with it escalates the query as before; the prior never passes a threshold above chance.
 */
export function priorAnswer(
  mode: DetectorMode,
  modeConfiguration: ModeConfiguration | null | undefined,
  opts: { source: Source; fromEdge: boolean },
): GroundlightAnswer {
  const base = { source: opts.source, from_edge: opts.fromEdge };
  const plain = (result: ImageQueryResult): GroundlightAnswer => ({ result, rois: null, text: null });
  switch (mode) {
    case 'BINARY':
      return plain({ ...base, confidence: 1 / 2, result_type: 'binary_classification', label: 'UNCLEAR' });
    case 'MULTI_CLASS': {
      // Under a uniform prior every class is as likely: the first is given, with 1 / n.
      const names = classNamesOf(modeConfiguration) ?? [];
      return plain({
        ...base,
        confidence: names.length > 0 ? 1 / names.length : 0,
        result_type: 'multi_classification',
        label: names[0] ?? 'UNCLEAR',
      });
    }
    case 'COUNT': {
      const max = maxCountOf(modeConfiguration) ?? DEFAULT_MAX_COUNT;
      return plain({
        ...base,
        confidence: 1 / (max + 1),
        result_type: 'counting',
        count: null,
      });
    }
    case 'BOUNDING_BOX':
      return plain({
        ...base,
        confidence: 1 / BOUNDING_BOX_LABELS.length,
        result_type: 'bounding_box',
        label: 'UNCLEAR',
      });
    case 'TEXT':
      return plain({ ...base, confidence: 0, result_type: 'text_recognition', text: null, truncated: false });
  }
}
