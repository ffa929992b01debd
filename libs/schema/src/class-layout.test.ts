import { describe, expect, it } from 'vitest';
import {
  classLayout,
  classNameOf,
  maxNumBboxesOf,
  valueMaxLengthOf,
  countClassNames,
  modelClassIndex,
  normaliseBinaryLabel,
  UnsupportedModeError,
} from './class-layout';

describe(classLayout.name, () => {
  it.each([
    ['BINARY YES', 'BINARY', null, 'YES', 0],
    ['BINARY NO', 'BINARY', null, 'NO', 1],
    ['BINARY PASS is YES', 'BINARY', null, 'pass', 0],
    ['BINARY FAIL is NO', 'BINARY', null, 'FAIL', 1],
    ['BINARY UNCLEAR is not a class', 'BINARY', null, 'UNCLEAR', null],
    ['BINARY unknown', 'BINARY', null, 'MAYBE', null],
    ['MULTI_CLASS by name', 'MULTI_CLASS', { class_names: ['cat', 'dog', 'fox'] }, 'fox', 2],
    ['MULTI_CLASS unknown name', 'MULTI_CLASS', { class_names: ['cat', 'dog'] }, 'cow', null],
    ['COUNT 0', 'COUNT', { class_name: 'coin', max_count: 3 }, '0', 0],
    ['COUNT max', 'COUNT', { class_name: 'coin', max_count: 3 }, '3', 3],
    ['COUNT above max → top class', 'COUNT', { class_name: 'coin', max_count: 3 }, '7', 4],
    ['COUNT GREATER_THAN_MAX', 'COUNT', { class_name: 'coin', max_count: 3 }, 'GREATER_THAN_MAX', 4],
    ['COUNT negative', 'COUNT', { class_name: 'coin', max_count: 3 }, '-1', null],
    ['COUNT default max_count 10', 'COUNT', { class_name: 'coin' }, 'GREATER_THAN_MAX', 11],
  ] as const)('%s', (_name, mode, config, label, expected) => {
    expect(classLayout(mode, config).indexOf(label)).toBe(expected);
  });

  it('orders classes as the edge maps them', () => {
    expect(classLayout('BINARY', null).classNames).toEqual(['YES', 'NO']);
    expect(classLayout('COUNT', { class_name: 'x', max_count: 2 }).classNames).toEqual([
      '0',
      '1',
      '2',
      'GREATER_THAN_MAX',
    ]);
    expect(countClassNames(1)).toEqual(['0', '1', 'GREATER_THAN_MAX']);
  });

  it.each([
    ['BINARY', null, 0, 'YES'],
    ['BINARY', null, 1, 'NO'],
    ['BINARY', null, 2, null],
    ['BINARY', null, 0.5, null],
    ['MULTI_CLASS', { class_names: ['a', 'b'] }, 1, 'b'],
    ['COUNT', { max_count: 2 }, 3, 'GREATER_THAN_MAX'],
  ] as const)('%s labelOf(%s)', (mode, config, index, label) => {
    expect(classLayout(mode, config).labelOf(index)).toBe(label);
  });

  it.each([
    ['MULTI_CLASS without names', 'MULTI_CLASS', {}],
    ['MULTI_CLASS duplicate names', 'MULTI_CLASS', { class_names: ['a', 'a'] }],
    ['COUNT max_count 0', 'COUNT', { max_count: 0 }],
    ['COUNT max_count 2.5', 'COUNT', { max_count: 2.5 }],
  ] as const)('rejects %s', (_name, mode, config) => {
    expect(() => classLayout(mode, config)).toThrow(RangeError);
  });

  it.each(['TEXT', 'BOUNDING_BOX'] as const)('refuses %s', (mode) => {
    expect(() => classLayout(mode, null)).toThrow(UnsupportedModeError);
  });
});

describe(normaliseBinaryLabel.name, () => {
  it.each([
    ['yes', 'YES'],
    ['PASS', 'YES'],
    ['no', 'NO'],
    ['Fail', 'NO'],
    ['needs_review', 'UNCLEAR'],
    ['__UNSURE', 'UNCLEAR'],
    ['sometimes', null],
  ])('%s → %s', (label, expected) => {
    expect(normaliseBinaryLabel(label)).toBe(expected);
  });
});

describe(modelClassIndex.name, () => {
  const multi = { class_names: ['red', 'amber', 'green'] };
  it.each([
    ['no name: the index', 1, null, 'BINARY', null, 1],
    ['BINARY name YES wins over index 1', 1, 'YES', 'BINARY', null, 0],
    ['BINARY name fail', 0, 'fail', 'BINARY', null, 1],
    ['BINARY unknown name: the index', 1, 'maybe', 'BINARY', null, 1],
    ['MULTI_CLASS name wins', 0, 'green', 'MULTI_CLASS', multi, 2],
    ['MULTI_CLASS unknown name: the index', 1, 'blue', 'MULTI_CLASS', multi, 1],
    ['COUNT: the index', 4, '4', 'COUNT', { max_count: 9 }, 4],
  ] as const)('%s', (_what, index, name, mode, config, expected) => {
    expect(modelClassIndex({ index, name, mode, modeConfiguration: config })).toBe(expected);
  });
});

describe('mode_configuration readers', () => {
  it.each([
    [{ class_name: 'person', max_num_bboxes: 5, value_max_length: 20 }, 'person', 5, 20],
    [{ class_name: '  ', max_num_bboxes: '5', value_max_length: null }, undefined, undefined, undefined],
    [null, undefined, undefined, undefined],
    [{ class_name: 7 }, undefined, undefined, undefined],
  ])('%j → class_name %s, max_num_bboxes %s, value_max_length %s', (config, name, boxes, length) => {
    expect(classNameOf(config)).toBe(name);
    expect(maxNumBboxesOf(config)).toBe(boxes);
    expect(valueMaxLengthOf(config)).toBe(length);
  });
});
