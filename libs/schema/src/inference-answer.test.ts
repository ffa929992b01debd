import { describe, expect, it } from 'vitest';
import {
  detectorSpecFromQuery,
  detectorSpecQuery,
  inferResponse,
  parseInferResponse,
  type DetectorAnswer,
} from './inference-answer';

const answer = (id: string): DetectorAnswer => ({
  detector_id: id,
  mode: 'BINARY',
  label: { index: 0, name: 'YES' },
  probabilities: { YES: 0.98, NO: 0.02 },
  confidence: 0.98,
  in_domain_probability: 0.99,
  adjusted_confidence: 0.9751,
  model_versions: { primary: { version: 1, model_id: 'mv_1' }, oodd: { version: 1, model_id: 'mv_2' } },
});
const timings = { decode: 1, backbone: 2, heads: 0.5, total: 4 };

describe('the /infer response', () => {
  it('puts one answer at top level and several under results', () => {
    expect(inferResponse([answer('det_a')], timings)).toEqual({ ...answer('det_a'), timings_ms: timings });
    expect(inferResponse([answer('det_a'), answer('det_b')], timings)).toEqual({
      results: [answer('det_a'), answer('det_b')],
      timings_ms: timings,
    });
  });

  it.each([
    ['one', [answer('det_a')]],
    ['two', [answer('det_a'), answer('det_b')]],
    [
      'no OODD model',
      [
        {
          ...answer('det_a'),
          in_domain_probability: null,
          model_versions: { primary: { version: 2, model_id: 'mv_3' }, oodd: null },
        },
      ],
    ],
  ])('round-trips %s through JSON', (_what, answers) => {
    const wire: unknown = JSON.parse(JSON.stringify(inferResponse(answers, timings)));
    expect(parseInferResponse(wire)).toEqual({ ok: true, answers, timings });
  });

  it.each([
    ['not an object', 'hello', /unexpected inference response/],
    ['a confidence above 1', { ...answer('det_a'), confidence: 1.2, timings_ms: timings }, /confidence/],
    ['an unknown mode', { ...answer('det_a'), mode: 'SORT', timings_ms: timings }, /mode/],
    ['no label', { ...answer('det_a'), label: undefined, timings_ms: timings }, /label/],
  ])('refuses %s with a readable error', (_what, json, error) => {
    const r = parseInferResponse(json);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});

describe('detectorSpecFromQuery', () => {
  it.each([
    ['', { ok: true, spec: null }],
    [
      'mode=COUNT&class_name=person&max_count=10',
      { ok: true, spec: { mode: 'COUNT', mode_configuration: { class_name: 'person', max_count: 10 } } },
    ],
    [
      'mode=BOUNDING_BOX&class_name=car&max_num_bboxes=5',
      {
        ok: true,
        spec: { mode: 'BOUNDING_BOX', mode_configuration: { class_name: 'car', max_num_bboxes: 5 } },
      },
    ],
    ['mode=TEXT', { ok: true, spec: { mode: 'TEXT', mode_configuration: null } }],
    [
      'mode=TEXT&value_max_length=20',
      { ok: true, spec: { mode: 'TEXT', mode_configuration: { value_max_length: 20 } } },
    ],
  ])('%s → %j', (q, expected) => {
    const r = detectorSpecFromQuery(new URLSearchParams(q));
    expect(r).toEqual(expected);
    if (r.ok && r.spec)
      expect(detectorSpecFromQuery(new URLSearchParams(detectorSpecQuery(r.spec)))).toEqual(r);
  });

  it.each([
    ['class_name=person', /mode is required/],
    ['mode=SORT', /mode must be one of/],
    ['mode=COUNT', /class_name/],
    ['mode=COUNT&class_name=person&max_count=0', /max_count/],
    ['mode=COUNT&class_name=person&max_count=51', /max_count/],
    ['mode=COUNT&class_name=person&max_count=ten', /whole number/],
    ['mode=COUNT&class_name=person&max_num_bboxes=3', /does not apply to COUNT/],
    ['mode=TEXT&value_max_length=300', /value_max_length/],
    ['mode=BINARY&class_name=x', /does not apply to BINARY/],
    ['mode=COUNT&mode=TEXT&class_name=x', /once/],
  ])('%s is refused', (q, error) => {
    const r = detectorSpecFromQuery(new URLSearchParams(q));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});
