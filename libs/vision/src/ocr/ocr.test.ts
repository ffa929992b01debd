import { describe, expect, it } from 'vitest';
import { ctcGreedyDecode } from './ctc-decode';
import { dbBoxes, readingOrder } from './db-postprocess';

describe('CTC greedy decoding', () => {
  const dict = ['a', 'b', 'c'];
  // classes: 0 blank, 1 a, 2 b, 3 c, 4 space
  const steps = (rows: number[][]): Float32Array => Float32Array.from(rows.flat());
  const onehot = (c: number, p = 0.9): number[] => [0, 1, 2, 3, 4].map((k) => (k === c ? p : (1 - p) / 4));

  it('merges repeats, drops blanks, keeps a repeat split by a blank', () => {
    const probs = steps([
      onehot(1),
      onehot(1, 0.8),
      onehot(0),
      onehot(1, 0.7),
      onehot(4),
      onehot(3),
      onehot(3),
    ]);
    const out = ctcGreedyDecode(probs, 7, 5, dict);
    expect(out.text).toBe('aa c');
    expect(out.charProbabilities.map((p) => +p.toFixed(2))).toEqual([0.9, 0.7, 0.9, 0.9]);
  });

  it('reads a blank run whose space class rises to SPACE_HINT as a word space, not one below it', () => {
    // blank wins, space at 0.3 (between words) or 0.02 (inside a word)
    const blank = (space: number): number[] => [1 - space - 0.03, 0.01, 0.01, 0.01, space];
    const between = ctcGreedyDecode(steps([onehot(1), blank(0.3), blank(0.1), onehot(2)]), 4, 5, dict);
    expect(between.text).toBe('a b');
    expect(between.charProbabilities.map((p) => +p.toFixed(2))).toEqual([0.9, 0.9]);
    const inside = ctcGreedyDecode(steps([onehot(1), blank(0.02), onehot(2)]), 3, 5, dict);
    expect(inside.text).toBe('ab');
    // Never a leading space, never two spaces.
    const lead = ctcGreedyDecode(
      steps([blank(0.3), onehot(1), blank(0.3), onehot(4), onehot(2)]),
      5,
      5,
      dict,
    );
    expect(lead.text).toBe('a b');
  });
});

describe('DB post-processing', () => {
  it('boxes each connected text region, unclipped, and drops weak or tiny ones', () => {
    const w = 40;
    const h = 20;
    const prob = new Float32Array(w * h);
    const fill = (x0: number, y0: number, x1: number, y1: number, v: number): void => {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) prob[y * w + x] = v;
    };
    fill(5, 4, 15, 8, 0.9); // a word, 10×4
    fill(20, 4, 34, 8, 0.5); // above threshold but weak: dropped by the box threshold
    fill(2, 14, 4, 15, 0.95); // 2×1 speck: too small
    const boxes = dbBoxes(prob, w, h);
    expect(boxes).toHaveLength(1);
    const d = (10 * 4 * 1.5) / (2 * 14);
    expect(boxes[0]!.left).toBeCloseTo(5 - d, 9);
    expect(boxes[0]!.right).toBeCloseTo(15 + d, 9);
    expect(boxes[0]!.top).toBeCloseTo(4 - d, 9);
    expect(boxes[0]!.score).toBeCloseTo(0.9, 6);
  });

  it('orders boxes line by line, left to right', () => {
    const b = (left: number, top: number): { left: number; top: number; bottom: number } => ({
      left,
      top,
      bottom: top + 10,
    });
    expect(readingOrder([b(50, 21), b(0, 1), b(40, 3), b(0, 20)])).toEqual([
      b(0, 1),
      b(40, 3),
      b(0, 20),
      b(50, 21),
    ]);
  });
});
