import { describe, expect, it } from 'vitest';
import { classNames, labelForClassIndex, maxCount, objectClass, readEdgeResult, resultText } from './answers';

describe('detector configuration', () => {
  it('reads class names and max_count defensively', () => {
    expect(classNames({ class_names: ['red', 2, 'blue'] })).toEqual(['red', 'blue']);
    expect(classNames(null)).toEqual([]);
    expect(classNames({ class_names: 'red' })).toEqual([]);
    expect(maxCount({ max_count: 10 })).toBe(10);
    expect(maxCount({ max_count: '10' })).toBeNull();
    expect(objectClass({ class_name: 'person' })).toBe('person');
    expect(objectClass({})).toBeNull();
  });
});

describe('edge result', () => {
  it('maps class indices to answers per mode', () => {
    expect(labelForClassIndex('BINARY', 0, [])).toBe('YES');
    expect(labelForClassIndex('BINARY', 1, [])).toBe('NO');
    expect(labelForClassIndex('BINARY', 2, [])).toBeNull();
    expect(labelForClassIndex('COUNT', 3, [])).toBe('3');
    expect(labelForClassIndex('MULTI_CLASS', 1, ['a', 'b'])).toBe('b');
    expect(labelForClassIndex('MULTI_CLASS', 5, ['a', 'b'])).toBe('class 5');
  });

  it('reads the edge summary the gateway sends', () => {
    expect(
      readEdgeResult(
        {
          class_index: 1,
          raw_primary_confidence: 0.81,
          oodd_outlier_probability: 0.4,
          adjusted_confidence: 0.686,
          threshold: 0.9,
        },
        'BINARY',
        [],
      ),
    ).toEqual({ answer: 'NO', confidence: 0.686, rawConfidence: 0.81, ooddScore: 0.4, threshold: 0.9 });
    expect(readEdgeResult(null, 'BINARY', [])).toBeNull();
    expect(readEdgeResult({ label: 'red', confidence: 0.5 }, 'MULTI_CLASS', [])).toMatchObject({
      answer: 'red',
      confidence: 0.5,
      ooddScore: null,
    });
  });

  it('renders results as one word', () => {
    expect(resultText({ label: 'YES', count: null })).toBe('YES');
    expect(resultText({ label: null, count: 0 })).toBe('0');
    expect(resultText(null)).toBe('—');
  });
});
