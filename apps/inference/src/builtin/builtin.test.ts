import { describe, expect, it } from 'vitest';
import type { DetectorSpec } from '@intellioptics/schema';
import { DetectorAnswerSchema } from '@intellioptics/schema';
import type { CocoClass, Detection, TextAnswer } from '@intellioptics/vision';
import { cutText } from '../inference/infer.service';
import {
  calibratedCountConfidence,
  cocoAnswer,
  countScoreFeatures,
  DEFAULT_MIN_SCORE,
  ocrAnswer,
  shippedCountCalibration,
  unansweredAnswer,
} from '@intellioptics/vision';
import { builtinPlan, classSetKey } from '@intellioptics/vision';

const spec = (
  mode: DetectorSpec['mode'],
  mode_configuration: Record<string, unknown> | null,
): DetectorSpec => ({
  mode,
  mode_configuration,
});

describe('builtinPlan', () => {
  it.each<[string, DetectorSpec, unknown]>([
    ['BINARY needs a package', spec('BINARY', null), null],
    ['MULTI_CLASS needs a package', spec('MULTI_CLASS', { class_names: ['a', 'b'] }), null],
    [
      'COUNT people → person, max_count kept',
      spec('COUNT', { class_name: 'people', max_count: 4 }),
      { kind: 'coco', mode: 'COUNT', className: 'people', classes: ['person'], maxCount: 4 },
    ],
    [
      'COUNT without max_count → Groundlight default 10',
      spec('COUNT', { class_name: 'cars' }),
      { kind: 'coco', mode: 'COUNT', className: 'cars', classes: ['car'], maxCount: 10 },
    ],
    [
      'BOUNDING_BOX vehicles → four classes, default 10 boxes',
      spec('BOUNDING_BOX', { class_name: 'vehicles' }),
      {
        kind: 'coco',
        mode: 'BOUNDING_BOX',
        className: 'vehicles',
        classes: ['car', 'truck', 'bus', 'motorcycle'],
        maxNumBboxes: 10,
      },
    ],
    ['TEXT without a limit', spec('TEXT', null), { kind: 'ocr', maxLength: undefined }],
    ['TEXT with value_max_length', spec('TEXT', { value_max_length: 12 }), { kind: 'ocr', maxLength: 12 }],
  ])('%s', (_name, s, expected) => {
    expect(builtinPlan(s)).toEqual(expected);
  });

  it('a class outside COCO is unanswered with the reason', () => {
    expect(builtinPlan(spec('COUNT', { class_name: 'pallet' }))).toMatchObject({
      kind: 'unanswered',
      mode: 'COUNT',
      detail: expect.stringMatching(/No model for class "pallet" yet/) as unknown,
    });
  });

  it('one class-set key per set, whatever the order', () => {
    expect(classSetKey(['truck', 'car'])).toBe(classSetKey(['car', 'truck']));
    expect(classSetKey(['car'])).not.toBe(classSetKey(['car', 'truck']));
  });
});

const det = (label: CocoClass, score: number, left = 0.1): Detection => ({
  label,
  score,
  classIndex: 0,
  box: { left, top: 0.2, right: left + 0.1, bottom: 0.6 },
});
const ref = { version: 0, model_id: 'builtin:test' };

describe('cocoAnswer', () => {
  const people = { kind: 'coco' as const, className: 'people', classes: ['person' as CocoClass] };
  it.each<[string, Detection[], number, unknown]>([
    [
      'two kept, one doubtful: count 2, confidence min kept × (1 − max dropped)',
      [det('person', 0.8), det('person', 0.6, 0.4), det('person', 0.2, 0.7)],
      10,
      { label: { index: 2, name: '2' }, count: { count: 2, greater_than_max: false }, confidence: 0.6 * 0.8 },
    ],
    [
      'other classes are not counted',
      [det('person', 0.9), det('dog', 0.95, 0.5)],
      10,
      { label: { index: 1, name: '1' }, confidence: 0.9 },
    ],
    [
      'more than max_count: GREATER_THAN_MAX at index max + 1',
      [det('person', 0.9), det('person', 0.8, 0.3), det('person', 0.7, 0.6)],
      2,
      { label: { index: 3, name: 'GREATER_THAN_MAX' }, count: { count: 2, greater_than_max: true } },
    ],
    [
      'nothing: count 0, confident',
      [det('person', 0.1)],
      5,
      { label: { index: 0, name: '0' }, confidence: 0.9 },
    ],
  ])('COUNT %s (raw confidence: no calibration)', (_name, candidates, maxCount, expected) => {
    const a = cocoAnswer('det_x', { ...people, mode: 'COUNT', maxCount }, candidates, ref, null);
    expect(a).toMatchObject({
      ...(expected as object),
      answered_by: 'coco_detector',
      in_domain_probability: null,
    });
    expect(a.adjusted_confidence).toBe(a.confidence);
    expect(a.confidence).toBeCloseTo(a.count!.confidence, 12);
    expect(DetectorAnswerSchema.parse(a)).toEqual(a);
  });

  it('COUNT confidence is the calibration’s P(count right) from the raw confidence and the count', () => {
    const cal = shippedCountCalibration()!;
    const candidates = [det('person', 0.8), det('person', 0.6, 0.4), det('person', 0.2, 0.7)];
    const plan = { ...people, mode: 'COUNT' as const, maxCount: 10 };
    const a = cocoAnswer('det_x', plan, candidates, ref);
    const expected = calibratedCountConfidence(cal, countScoreFeatures(candidates, DEFAULT_MIN_SCORE));
    expect(a.confidence).toBeCloseTo(expected, 12);
    expect(a.count!.confidence).toBeCloseTo(expected, 12);
    expect(a.confidence).not.toBeCloseTo(0.6 * 0.8, 3);
    // A detector's own map (fitted on its reviewers' counts) replaces the shipped one.
    const own = { ...cal, weights: [0, 0], bias: 0 };
    expect(cocoAnswer('det_x', plan, candidates, ref, own).confidence).toBeCloseTo(0.5, 12);
    expect(DetectorAnswerSchema.parse(a)).toEqual(a);
  });

  it.each<[string, Detection[], number, string, number]>([
    ['none', [], 5, 'NO_OBJECTS', 0],
    ['two', [det('person', 0.9), det('person', 0.7, 0.4)], 5, 'BOUNDING_BOX', 2],
    ['over max_num_bboxes', [det('person', 0.9), det('person', 0.7, 0.4)], 1, 'GREATER_THAN_MAX', 1],
  ])('BOUNDING_BOX %s → %s with %s boxes', (_name, candidates, maxNumBboxes, label, n) => {
    const a = cocoAnswer('det_x', { ...people, mode: 'BOUNDING_BOX', maxNumBboxes }, candidates, ref);
    expect(a.boxes?.label).toBe(label);
    expect(a.label).toEqual({
      index: ['NO_OBJECTS', 'BOUNDING_BOX', 'GREATER_THAN_MAX'].indexOf(label),
      name: label,
    });
    expect(a.boxes!.rois).toHaveLength(n);
    expect(DetectorAnswerSchema.parse(a)).toEqual(a);
  });
});

describe('ocrAnswer, cutText, unansweredAnswer', () => {
  const read: TextAnswer = { text: 'GATE 7', truncated: false, confidence: 0.9, lines: [] };
  it.each<[number | undefined, string, boolean]>([
    [undefined, 'GATE 7', false],
    [6, 'GATE 7', false],
    [4, 'GATE', true],
  ])('value_max_length %s → %s (truncated %s)', (max, text, truncated) => {
    const a = ocrAnswer('det_t', cutText(read, max), ref);
    expect(a).toMatchObject({
      mode: 'TEXT',
      label: { index: 0, name: text },
      text: { text, truncated },
      confidence: 0.9,
    });
    expect(DetectorAnswerSchema.parse(a)).toEqual(a);
  });

  it('unanswered answers say why, with confidence 0', () => {
    const a = unansweredAnswer(
      'det_p',
      { kind: 'unanswered', mode: 'BOUNDING_BOX', className: 'pallet', detail: 'why' },
      ref,
    );
    expect(a).toMatchObject({ confidence: 0, adjusted_confidence: 0, label: { index: 3, name: 'UNCLEAR' } });
    expect(a.unanswered).toEqual({ code: 'NO_MODEL_FOR_CLASS', detail: 'why' });
    expect(DetectorAnswerSchema.parse(a)).toEqual(a);
  });
});
