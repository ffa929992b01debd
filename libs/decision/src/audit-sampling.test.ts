import { describe, expect, it } from 'vitest';
import { shouldAudit } from './audit-sampling';

describe('shouldAudit (roll < rate)', () => {
  it.each([
    [0, 0, false],
    [0.999999, 1, true],
    [0, 1e-5, true],
    [0.00000999, 1e-5, true],
    [0.00001, 1e-5, false],
    [0.5, 0.01, false],
    [0.009, 0.01, true],
  ])('roll %s, rate %s → %s', (roll, rate, expected) => {
    expect(shouldAudit(roll, rate)).toBe(expected);
  });

  it.each([
    [1, 0.5],
    [-0.1, 0.5],
    [Number.NaN, 0.5],
    [0.5, 1.1],
    [0.5, -1],
  ])('rejects roll %s, rate %s', (roll, rate) => {
    expect(() => shouldAudit(roll, rate)).toThrow(RangeError);
  });
});
