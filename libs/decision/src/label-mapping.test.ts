import { IntelliOpticsError, ImageQueryResultSchema } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import {
  binaryLabel,
  boundingBoxLabel,
  buildEdgeResult,
  countFromIndex,
  multiClassLabel,
} from './label-mapping';

describe('per-mode label mapping', () => {
  it.each([
    [0, 'YES'],
    [1, 'NO'],
  ])('binary %s → %s', (index, label) => {
    expect(binaryLabel(index)).toEqual({ ok: true, value: label });
  });

  it.each([
    [0, undefined, 0, false],
    [3, 5, 3, false],
    [5, 5, 5, false],
    [6, 5, 5, true],
    [40, 5, 5, true],
    [40, undefined, 40, false],
    [40, null, 40, false],
  ])('count index %s with max_count %s → %s (greater_than_max %s)', (index, max, count, greaterThanMax) => {
    expect(countFromIndex(index, max)).toEqual({ ok: true, value: { count, greaterThanMax } });
  });

  it('multiclass picks class_names[index]', () => {
    expect(multiClassLabel(2, ['red', 'amber', 'green'])).toEqual({ ok: true, value: 'green' });
  });

  it.each([
    [0, 'NO_OBJECTS'],
    [1, 'BOUNDING_BOX'],
    [2, 'GREATER_THAN_MAX'],
    [3, 'UNCLEAR'],
  ])('bounding box %s → %s', (index, label) => {
    expect(boundingBoxLabel(index)).toEqual({ ok: true, value: label });
  });

  it.each([
    ['binary 2', () => binaryLabel(2)],
    ['binary -1', () => binaryLabel(-1)],
    ['binary 0.5', () => binaryLabel(0.5)],
    ['count -1', () => countFromIndex(-1, 5)],
    ['count 1.5', () => countFromIndex(1.5)],
    ['multiclass 3 of 3', () => multiClassLabel(3, ['a', 'b', 'c'])],
    ['bounding box 4', () => boundingBoxLabel(4)],
  ])('%s is a typed error, not a crash', (_name, map) => {
    const result = map();
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(IntelliOpticsError);
      expect(result.error.code).toBe('MODEL_OUTPUT_MISMATCH');
    }
  });
});

describe('buildEdgeResult', () => {
  const common = { confidence: 0.93, source: 'ALGORITHM', from_edge: true };

  it.each([
    ['BINARY', 1, null, { ...common, result_type: 'binary_classification', label: 'NO' }],
    [
      'COUNT',
      12,
      { class_name: 'pallet', max_count: 10 },
      { ...common, result_type: 'counting', count: 10, greater_than_max: true },
    ],
    [
      'COUNT',
      2,
      { class_name: 'pallet' },
      { ...common, result_type: 'counting', count: 2, greater_than_max: false },
    ],
    [
      'MULTI_CLASS',
      1,
      { class_names: ['red', 'amber', 'green'] },
      { ...common, result_type: 'multi_classification', label: 'amber' },
    ],
    [
      'BOUNDING_BOX',
      2,
      { class_name: 'person' },
      { ...common, result_type: 'bounding_box', label: 'GREATER_THAN_MAX' },
    ],
  ] as const)('%s index %s → the Groundlight result', (mode, index, modeConfiguration, expected) => {
    const result = buildEdgeResult({ mode, index, confidence: 0.93, modeConfiguration });
    expect(result).toEqual({ ok: true, value: expected });
    // The wire schema accepts it, so the SDK does too.
    if (result.ok) expect(ImageQueryResultSchema.parse(result.value)).toEqual(expected);
  });

  it('TEXT is a typed UNSUPPORTED_MODE error', () => {
    const result = buildEdgeResult({ mode: 'TEXT', index: 0, confidence: 0.9 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('UNSUPPORTED_MODE');
      expect(result.error.status).toBe(400);
    }
  });

  it.each([
    ['MULTI_CLASS without class_names', { mode: 'MULTI_CLASS', index: 0, confidence: 0.9 }],
    ['confidence above 1', { mode: 'BINARY', index: 0, confidence: 1.2 }],
    ['binary index out of range', { mode: 'BINARY', index: 2, confidence: 0.9 }],
  ] as const)('%s is a typed error', (_name, args) => {
    const result = buildEdgeResult(args);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toBeInstanceOf(IntelliOpticsError);
  });
});
