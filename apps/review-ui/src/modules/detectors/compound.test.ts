import { describe, expect, it } from 'vitest';
import { addLeaf, describeRule, leafFor, parseRuleText } from './compound';

const names = (id: string) => ({ det_a: 'person', det_b: 'helmet-on', det_c: 'forklift' })[id] ?? id;

describe('compound rules read for people', () => {
  it('indents operators and names detectors', () => {
    const rule = {
      all: [
        { detector: 'det_a', count: { gte: 1 } },
        { not: { detector: 'det_b', label: 'YES' } },
        {
          any: [
            { detector: 'det_a', inside: 'press' },
            { detector: 'det_a', near: { detector: 'det_c', within: 0.1 } },
            { detector: 'det_a', overlaps: { detector: 'det_c', iou: 0.3 } },
          ],
        },
      ],
    };
    expect(describeRule(rule, names)).toEqual([
      { depth: 0, text: 'all of:' },
      { depth: 1, text: 'person counts ≥ 1' },
      { depth: 1, text: 'not:' },
      { depth: 2, text: 'helmet-on is YES' },
      { depth: 1, text: 'any of:' },
      { depth: 2, text: 'a person box is inside zone "press"' },
      { depth: 2, text: 'a person box is within 0.1 of a forklift box' },
      { depth: 2, text: 'a person box overlaps a forklift box (IoU ≥ 0.3)' },
    ]);
    expect(describeRule({ detector: 'det_z', count: { gte: 1, lte: 3 } }, names)).toEqual([
      { depth: 0, text: 'det_z counts ≥ 1 and ≤ 3' },
    ]);
  });

  it('says so for nodes it cannot read instead of failing', () => {
    expect(describeRule(42, names)[0]!.text).toBe('unreadable rule node: 42');
    expect(describeRule({ detector: 'det_a', smiles: true }, names)[0]!.text).toMatch(/^unreadable leaf/);
  });

  it('builds a rule by adding leaves under one all', () => {
    const one = addLeaf('', leafFor('det_a', 'COUNT'));
    expect(JSON.parse(one)).toEqual({ detector: 'det_a', count: { gte: 1 } });
    const two = addLeaf(one, leafFor('det_b', 'BINARY'));
    expect(JSON.parse(two)).toEqual({
      all: [
        { detector: 'det_a', count: { gte: 1 } },
        { detector: 'det_b', label: 'YES' },
      ],
    });
    expect(JSON.parse(addLeaf(two, leafFor('det_c', 'BOUNDING_BOX'))).all).toHaveLength(3);
    expect(addLeaf('{"all": [', leafFor('det_a', 'BINARY'))).toBe('{"all": [');
  });

  it('parses the text an admin typed', () => {
    expect(parseRuleText('{"not": {}}')).toEqual({ ok: true, rule: { not: {} } });
    expect(parseRuleText('  ')).toMatchObject({ ok: false });
    expect(parseRuleText('{nope')).toMatchObject({ ok: false, message: expect.stringMatching(/^Not JSON/) });
  });
});
