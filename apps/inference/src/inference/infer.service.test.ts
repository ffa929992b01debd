import { describe, expect, it } from 'vitest';
import { adjustConfidence } from './infer.service';

describe('adjustConfidence', () => {
  it('blends towards chance by the out-of-domain probability', () => {
    expect(adjustConfidence(0.9, 1, 2, 'BINARY')).toBeCloseTo(0.9, 12);
    expect(adjustConfidence(0.9, 0, 2, 'BINARY')).toBeCloseTo(0.5, 12);
    expect(adjustConfidence(0.9, 0.5, 3, 'MULTI_CLASS')).toBeCloseTo(0.5 / 3 + 0.45, 12);
    expect(adjustConfidence(0.8, 0, 2, 'BOUNDING_BOX')).toBe(0);
    expect(adjustConfidence(0.8, null, 2, 'BINARY')).toBe(0.8);
  });
});
