import { describe, expect, it } from 'vitest';
import {
  DetectorSchema,
  ImageQuerySchema,
  LabelInputSchema,
  SubmitImageQueryParamsSchema,
  decodeMetadata,
  encodeMetadata,
  modeConfigurationSchema,
} from './rest';

const iq = {
  metadata: { is_from_edge: true },
  id: 'iq_2fzmiwQTNBNpQbVUWkJmSlJBT3j',
  type: 'image_query',
  created_at: '2026-11-27T10:00:00.000Z',
  query: 'Is the guard rail closed?',
  detector_id: 'det_2fzmiwQTNBNpQbVUWkJmSlJBT3j',
  result_type: 'binary_classification',
  result: {
    confidence: 0.93,
    source: 'ALGORITHM',
    from_edge: true,
    result_type: 'binary_classification',
    label: 'YES',
  },
  patience_time: 30,
  confidence_threshold: 0.9,
  rois: null,
  text: null,
  done_processing: true,
};

describe('ImageQuerySchema', () => {
  it('accepts a complete edge answer', () => {
    expect(ImageQuerySchema.parse(iq)).toEqual(iq);
  });

  it.each(['metadata', 'rois', 'text', 'result', 'result_type'])('rejects an answer without %s', (key) => {
    const copy: Record<string, unknown> = { ...iq };
    delete copy[key];
    expect(ImageQuerySchema.safeParse(copy).success).toBe(false);
  });

  it('requires result_type inside result', () => {
    const { result_type: _omit, ...result } = iq.result;
    expect(ImageQuerySchema.safeParse({ ...iq, result }).success).toBe(false);
  });

  it('accepts a counting result with greater_than_max', () => {
    const counting = {
      ...iq,
      result_type: 'counting',
      result: {
        confidence: 0.8,
        source: 'ALGORITHM',
        from_edge: true,
        result_type: 'counting',
        count: 5,
        greater_than_max: true,
      },
    };
    expect(ImageQuerySchema.safeParse(counting).success).toBe(true);
  });
});

describe('DetectorSchema', () => {
  it('rejects a name over 200 characters', () => {
    const d = {
      id: 'det_x',
      type: 'detector',
      created_at: '2026-11-27T10:00:00Z',
      name: 'n'.repeat(201),
      query: 'q',
      group_name: 'default',
      metadata: null,
      mode: 'BINARY',
      mode_configuration: null,
      confidence_threshold: 0.9,
      patience_time: 30,
      status: 'ON',
      escalation_type: 'STANDARD',
    };
    expect(DetectorSchema.safeParse(d).success).toBe(false);
    expect(DetectorSchema.safeParse({ ...d, name: 'ok' }).success).toBe(true);
  });
});

describe('mode configuration', () => {
  it.each([
    ['BINARY', null, true],
    ['COUNT', { class_name: 'coin', max_count: 10 }, true],
    ['COUNT', { max_count: 10 }, false],
    ['MULTI_CLASS', { class_names: ['a', 'b', 'c'] }, true],
    ['MULTI_CLASS', { class_names: ['only'] }, false],
    ['BOUNDING_BOX', { class_name: 'car', max_num_bboxes: 5 }, true],
  ] as const)('%s %j valid=%s', (mode, cfg, ok) => {
    expect(modeConfigurationSchema(mode).safeParse(cfg).success).toBe(ok);
  });
});

describe('SubmitImageQueryParamsSchema', () => {
  it('reads the SDK strings', () => {
    const p = SubmitImageQueryParamsSchema.parse({
      detector_id: 'det_x',
      want_async: 'True',
      patience_time: '12.5',
      confidence_threshold: '0.8',
      human_review: 'NEVER',
    });
    expect(p).toEqual({
      detector_id: 'det_x',
      want_async: true,
      patience_time: 12.5,
      confidence_threshold: 0.8,
      human_review: 'NEVER',
    });
  });

  it.each([
    [{ detector_id: 'det_x', human_review: 'SOMETIMES' }],
    [{ detector_id: 'det_x', confidence_threshold: '1.5' }],
    [{ detector_id: 'det_x', bogus: '1' }],
    [{}],
  ])('rejects %j', (params) => {
    expect(SubmitImageQueryParamsSchema.safeParse(params).success).toBe(false);
  });
});

describe('metadata', () => {
  it('round-trips URL-safe base64 JSON', () => {
    const value = { camera: 'dock-3', 'ü?': '>>>' };
    expect(decodeMetadata(encodeMetadata(value))).toEqual({ ok: true, value });
  });

  it.each([
    ['not base64 json'],
    [encodeMetadata({ big: 'x'.repeat(2000) })],
    [Buffer.from('[1]').toString('base64url')],
  ])('rejects %s', (v) => {
    expect(decodeMetadata(v).ok).toBe(false);
  });
});

describe('LabelInputSchema', () => {
  it('takes what add_label sends', () => {
    expect(LabelInputSchema.safeParse({ label: 'YES', image_query_id: 'iq_abc', rois: null }).success).toBe(
      true,
    );
    expect(LabelInputSchema.safeParse({ label: 'YES', image_query_id: 'det_abc' }).success).toBe(false);
  });
});
