import { describe, expect, it } from 'vitest';
import { accuracyOf, escalationRateOf, extent, linear, linePath, numericMetrics } from './chart';

describe('chart helpers', () => {
  it('reads metrics by known names', () => {
    expect(accuracyOf({ held_out_accuracy: 0.93, accuracy: 0.5 })).toBe(0.93);
    expect(accuracyOf({ accuracy: 0.5 })).toBe(0.5);
    expect(escalationRateOf({ escalation_rate: 0.2 })).toBe(0.2);
    expect(accuracyOf({ accuracy: 'high' })).toBeNull();
    expect(accuracyOf(null)).toBeNull();
    expect(numericMetrics({ b: 1, a: 2, c: 'x' })).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('scales and draws', () => {
    const sx = linear(1, 3, 0, 100);
    const sy = linear(0, 1, 50, 0);
    expect(sx(2)).toBe(50);
    expect(linear(5, 5, 0, 10)(5)).toBe(5);
    expect(
      linePath(
        [
          { x: 1, y: 0 },
          { x: 3, y: 1 },
        ],
        sx,
        sy,
      ),
    ).toBe('M0,50 L100,0');
    expect(extent([0.5, 0.5], 0, 1)).toEqual([0, 1]);
    expect(extent([], 0, 1)).toEqual([0, 1]);
    expect(extent([2, 8])).toEqual([2, 8]);
  });
});
