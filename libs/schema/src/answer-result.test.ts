import { describe, expect, it } from 'vitest';
import { groundlightAnswer, priorAnswer, type ResultInput, type ResultOptions } from './answer-result';
import { IntelliOpticsError } from './errors';
import { DetectorAnswerSchema } from './inference-answer';
import { ImageQueryResultSchema, RoiSchema, type Roi } from './rest';

const roi = (left: number, top: number, right: number, bottom: number, score = 0.8): Roi => ({
  label: 'person',
  score,
  geometry: { left, top, right, bottom, x: (left + right) / 2, y: (top + bottom) / 2 },
});
const edge: ResultOptions = { confidence: 0.9, source: 'ALGORITHM', fromEdge: true };
const common = { confidence: 0.9, source: 'ALGORITHM', from_edge: true } as const;
const twoPeople = [roi(0.1, 0.2, 0.3, 0.8), roi(0.5, 0.2, 0.7, 0.9, 0.6)];

describe('groundlightAnswer: a model answer → result, rois, text', () => {
  it.each<[string, ResultInput, ResultOptions, unknown]>([
    [
      'BINARY index 0',
      { mode: 'BINARY', label: { index: 0, name: 'YES' } },
      edge,
      { result: { ...common, result_type: 'binary_classification', label: 'YES' }, rois: null, text: null },
    ],
    [
      'MULTI_CLASS by class_names',
      { mode: 'MULTI_CLASS', label: { index: 2, name: 'green' } },
      { ...edge, modeConfiguration: { class_names: ['red', 'amber', 'green'] } },
      { result: { ...common, result_type: 'multi_classification', label: 'green' }, rois: null, text: null },
    ],
    [
      'COUNT from a count head (index over max_count)',
      { mode: 'COUNT', label: { index: 11, name: 'GREATER_THAN_MAX' } },
      { ...edge, modeConfiguration: { class_name: 'pallet', max_count: 10 } },
      {
        result: { ...common, result_type: 'counting', count: 10, greater_than_max: true },
        rois: null,
        text: null,
      },
    ],
    [
      'COUNT from the COCO detector: its count and boxes win over the index',
      {
        mode: 'COUNT',
        label: { index: 2, name: '2' },
        count: { count: 2, greater_than_max: false, confidence: 0.7, rois: twoPeople },
      },
      edge,
      {
        result: { ...common, result_type: 'counting', count: 2, greater_than_max: false },
        rois: twoPeople,
        text: null,
      },
    ],
    [
      'COUNT over max_count from the COCO detector',
      {
        mode: 'COUNT',
        label: { index: 2, name: 'GREATER_THAN_MAX' },
        count: { count: 1, greater_than_max: true, confidence: 0.7, rois: twoPeople },
      },
      edge,
      {
        result: { ...common, result_type: 'counting', count: 1, greater_than_max: true },
        rois: twoPeople,
        text: null,
      },
    ],
    [
      'BOUNDING_BOX with boxes',
      {
        mode: 'BOUNDING_BOX',
        label: { index: 1, name: 'BOUNDING_BOX' },
        boxes: { label: 'BOUNDING_BOX', rois: twoPeople, confidence: 0.6 },
      },
      edge,
      {
        result: { ...common, result_type: 'bounding_box', label: 'BOUNDING_BOX' },
        rois: twoPeople,
        text: null,
      },
    ],
    [
      'BOUNDING_BOX with nothing found: an empty rois list, not null',
      {
        mode: 'BOUNDING_BOX',
        label: { index: 0, name: 'NO_OBJECTS' },
        boxes: { label: 'NO_OBJECTS', rois: [], confidence: 0.95 },
      },
      edge,
      { result: { ...common, result_type: 'bounding_box', label: 'NO_OBJECTS' }, rois: [], text: null },
    ],
    [
      'BOUNDING_BOX from an index only',
      { mode: 'BOUNDING_BOX', label: { index: 2, name: 'GREATER_THAN_MAX' } },
      edge,
      {
        result: { ...common, result_type: 'bounding_box', label: 'GREATER_THAN_MAX' },
        rois: null,
        text: null,
      },
    ],
    [
      'TEXT: the text in the result and at top level',
      {
        mode: 'TEXT',
        label: { index: 0, name: 'LOT 42' },
        text: { text: 'LOT 42', truncated: true, confidence: 0.8 },
      },
      edge,
      {
        result: { ...common, result_type: 'text_recognition', text: 'LOT 42', truncated: true },
        rois: null,
        text: 'LOT 42',
      },
    ],
    [
      'TEXT that read nothing: empty text, not null',
      { mode: 'TEXT', label: { index: 0, name: '' }, text: { text: '', truncated: false, confidence: 0 } },
      { ...edge, confidence: 0 },
      {
        result: { ...common, confidence: 0, result_type: 'text_recognition', text: '', truncated: false },
        rois: null,
        text: '',
      },
    ],
    [
      'COUNT with no model for the class: count null',
      {
        mode: 'COUNT',
        label: { index: 0, name: 'UNCLEAR' },
        unanswered: { code: 'NO_MODEL_FOR_CLASS', detail: 'pallet is not a COCO class' },
      },
      { ...edge, confidence: 0 },
      { result: { ...common, confidence: 0, result_type: 'counting', count: null }, rois: null, text: null },
    ],
    [
      'BOUNDING_BOX with no model for the class: UNCLEAR',
      {
        mode: 'BOUNDING_BOX',
        label: { index: 3, name: 'UNCLEAR' },
        unanswered: { code: 'NO_MODEL_FOR_CLASS', detail: 'pallet is not a COCO class' },
      },
      { confidence: null, source: 'CLOUD', fromEdge: false },
      {
        result: {
          confidence: null,
          source: 'CLOUD',
          from_edge: false,
          result_type: 'bounding_box',
          label: 'UNCLEAR',
        },
        rois: null,
        text: null,
      },
    ],
  ])('%s', (_name, answer, opts, expected) => {
    const r = groundlightAnswer(answer, opts);
    expect(r).toEqual({ ok: true, value: expected });
    // What the builder makes is what the wire schemas accept.
    if (r.ok) {
      expect(ImageQueryResultSchema.parse(r.value.result)).toEqual(r.value.result);
      for (const x of r.value.rois ?? []) expect(RoiSchema.parse(x)).toEqual(x);
    }
  });

  it.each<[string, ResultInput, ResultOptions, string]>([
    ['TEXT without text', { mode: 'TEXT', label: { index: 0, name: 'x' } }, edge, 'UNSUPPORTED_MODE'],
    [
      'MULTI_CLASS without class_names',
      { mode: 'MULTI_CLASS', label: { index: 0, name: 'a' } },
      edge,
      'MODEL_OUTPUT_MISMATCH',
    ],
    [
      'BOUNDING_BOX index 4',
      { mode: 'BOUNDING_BOX', label: { index: 4, name: '?' } },
      edge,
      'MODEL_OUTPUT_MISMATCH',
    ],
    [
      'a confidence above 1',
      { mode: 'BINARY', label: { index: 0, name: 'YES' } },
      { ...edge, confidence: 1.5 },
      'MODEL_OUTPUT_MISMATCH',
    ],
  ])('%s is a typed error, not a crash', (_name, answer, opts, code) => {
    const r = groundlightAnswer(answer, opts);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toBeInstanceOf(IntelliOpticsError);
      expect(r.error.code).toBe(code);
    }
  });
});

describe('DetectorAnswer mode parts', () => {
  const base = {
    detector_id: 'det_x',
    mode: 'BOUNDING_BOX',
    label: { index: 1, name: 'BOUNDING_BOX' },
    probabilities: {},
    confidence: 0.6,
    in_domain_probability: null,
    adjusted_confidence: 0.6,
    model_versions: { primary: { version: 0, model_id: 'builtin:coco' }, oodd: null },
    answered_by: 'coco_detector',
  };
  it.each([
    [
      'boxes with a known label',
      { boxes: { label: 'GREATER_THAN_MAX', rois: twoPeople, confidence: 0.5 } },
      true,
    ],
    ['a box label outside the four', { boxes: { label: 'SOME', rois: [], confidence: 0.5 } }, false],
    [
      'a box without its centre',
      {
        boxes: {
          label: 'BOUNDING_BOX',
          rois: [{ label: 'p', score: 1, geometry: { left: 0, top: 0, right: 1, bottom: 1 } }],
          confidence: 1,
        },
      },
      false,
    ],
    ['a negative count', { count: { count: -1, greater_than_max: false, confidence: 0.5, rois: [] } }, false],
    ['text without truncated', { text: { text: 'a', confidence: 0.5 } }, false],
    ['an unknown unanswered code', { unanswered: { code: 'WHATEVER', detail: 'x' } }, false],
    ['an unknown answered_by', { answered_by: 'oracle' }, false],
    ['an old answer without the new fields', { answered_by: undefined }, true],
  ])('%s → accepted %s', (_name, extra, ok) => {
    expect(DetectorAnswerSchema.safeParse({ ...base, ...extra }).success).toBe(ok);
  });
});

describe('priorAnswer: a detector without a model answers at chance level', () => {
  const opts = { source: 'ALGORITHM', fromEdge: true } as const;
  it.each([
    ['BINARY', null, 'binary_classification', 1 / 2],
    ['MULTI_CLASS', { class_names: ['a', 'b', 'c'] }, 'multi_classification', 1 / 3],
    ['COUNT', { class_name: 'person', max_count: 4 }, 'counting', 1 / 5],
    ['COUNT', { class_name: 'person' }, 'counting', 1 / 11],
    ['BOUNDING_BOX', { class_name: 'person' }, 'bounding_box', 1 / 4],
    ['TEXT', null, 'text_recognition', 0],
  ] as const)('%s %j → %s with confidence %d', (mode, config, resultType, confidence) => {
    const a = priorAnswer(mode, config, opts);
    expect(ImageQueryResultSchema.parse(a.result)).toEqual(a.result);
    expect(a.result).toMatchObject({ result_type: resultType, source: 'ALGORITHM', from_edge: true });
    expect(a.result.confidence).toBeCloseTo(confidence, 12);
    expect(a.rois).toBeNull();
  });
});
