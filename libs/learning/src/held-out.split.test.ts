import { describe, expect, it } from 'vitest';
import { heldOutSplit, idHash } from './held-out.split';

const examples = (n: number, classes: number, prefix = 'iq') =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}_${i}`, classIndex: i % classes }));

describe(heldOutSplit.name, () => {
  it('holds out about the fraction of every class', () => {
    const ex = examples(2000, 4);
    const { train, heldOut } = heldOutSplit(ex, 0.2);
    expect(train.length + heldOut.length).toBe(2000);
    expect(new Set([...train, ...heldOut]).size).toBe(2000);
    for (let k = 0; k < 4; k++) {
      const held = heldOut.filter((i) => ex[i]!.classIndex === k).length;
      expect(held / 500).toBeGreaterThan(0.15);
      expect(held / 500).toBeLessThan(0.25);
    }
  });

  it.each([
    ['two per class', 4, 2],
    ['three per class', 6, 2],
  ])('keeps one image of each side per class: %s', (_n, n, classes) => {
    const ex = examples(n, classes);
    const { train, heldOut } = heldOutSplit(ex, 0.2);
    for (let k = 0; k < classes; k++) {
      expect(train.some((i) => ex[i]!.classIndex === k)).toBe(true);
      expect(heldOut.some((i) => ex[i]!.classIndex === k)).toBe(true);
    }
  });

  it('trains a class with a single image', () => {
    const ex = [...examples(6, 2), { id: 'lonely', classIndex: 2 }];
    expect(heldOutSplit(ex, 0.5).train).toContain(6);
  });

  it('never moves an image that trained an earlier version into a later held-out set', () => {
    // Labels arrive over time; compare the split after every arrival with the previous one.
    const all = examples(600, 3);
    let trainedBefore = new Set<string>();
    let moved = 0;
    for (let n = 6; n <= all.length; n += 7) {
      const ex = all.slice(0, n);
      const { train, heldOut } = heldOutSplit(ex, 0.2);
      for (const i of heldOut) if (trainedBefore.has(ex[i]!.id)) moved++;
      trainedBefore = new Set([...trainedBefore, ...train.map((i) => ex[i]!.id)]);
    }
    expect(moved).toBe(0);
  });

  it('is deterministic and independent of input order', () => {
    const ex = examples(200, 2);
    const a = heldOutSplit(ex, 0.25);
    const reversed = [...ex].reverse();
    const b = heldOutSplit(reversed, 0.25);
    expect(new Set(b.heldOut.map((i) => reversed[i]!.id))).toEqual(new Set(a.heldOut.map((i) => ex[i]!.id)));
  });

  it('rejects duplicate ids and bad fractions', () => {
    expect(() =>
      heldOutSplit([
        { id: 'a', classIndex: 0 },
        { id: 'a', classIndex: 1 },
      ]),
    ).toThrow(/duplicate/);
    expect(() => heldOutSplit(examples(4, 2), 1)).toThrow(RangeError);
  });

  it('hashes ids to [0,1) uniformly enough', () => {
    const hs = Array.from({ length: 5000 }, (_, i) => idHash(`x${i}`));
    expect(Math.min(...hs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...hs)).toBeLessThan(1);
    expect(hs.filter((h) => h < 0.5).length / 5000).toBeCloseTo(0.5, 1);
  });
});
