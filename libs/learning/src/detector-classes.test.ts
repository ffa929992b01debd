import { describe, expect, it } from 'vitest';
import { classLayout, UnsupportedModeError } from './detector-classes';

describe(classLayout.name, () => {
  it.each([
    ['BINARY YES', 'BINARY', null, 'YES', 0],
    ['BINARY NO', 'BINARY', null, 'NO', 1],
    ['BINARY UNCLEAR is not a class', 'BINARY', null, 'UNCLEAR', null],
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
