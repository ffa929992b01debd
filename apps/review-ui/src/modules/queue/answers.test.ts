import { describe, expect, it } from 'vitest';
import {
  boxTag,
  classNames,
  labelForClassIndex,
  maxCount,
  modelBoxes,
  objectClass,
  readEdgeResult,
  recognisedText,
  resultText,
  suggestedCount,
} from './answers';

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

describe('boxes, counts and text from the model', () => {
  it('takes the model rois as boxes, clamped, flipped upright, empty ones dropped', () => {
    expect(
      modelBoxes([
        { label: 'person', score: 0.87, left: 0.1, top: 0.2, right: 0.4, bottom: 0.9 },
        { label: 'person', score: 0.5, left: 0.8, top: 0.9, right: 0.6, bottom: 1.2 },
        { label: 'person', score: 0.4, left: 0.3, top: 0.3, right: 0.3, bottom: 0.5 },
      ]),
    ).toEqual([
      { label: 'person', score: 0.87, left: 0.1, top: 0.2, right: 0.4, bottom: 0.9 },
      { label: 'person', score: 0.5, left: 0.6, top: 0.9, right: 0.8, bottom: 1 },
    ]);
    expect(modelBoxes(null)).toEqual([]);
  });

  it('tags a box with its label and the model score', () => {
    expect(boxTag({ label: 'person', score: 0.874 })).toBe('person 87%');
    expect(boxTag({ label: 'crate', score: null })).toBe('crate');
  });

  it.each([
    [3, 0, 3],
    [0, 2, 0],
    [null, 2, 2],
    [undefined, 0, null],
    [2.5, 0, null],
  ])('suggests count %s with %s boxes → %s', (count, boxes, want) => {
    expect(suggestedCount(count, boxes)).toBe(want);
  });

  it('starts a text answer from what the model read', () => {
    expect(recognisedText({ text: 'LOT 42', result: { text: 'other' } })).toBe('LOT 42');
    expect(recognisedText({ text: null, result: { text: 'B-17' } })).toBe('B-17');
    expect(recognisedText(null)).toBe('');
  });
});
