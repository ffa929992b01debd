import { describe, expect, it } from 'vitest';
import {
  adjustConfidenceForDomain,
  adjustConfidenceWithOodd,
  chanceLevel,
  effectiveThreshold,
  isConfident,
  outlierProbabilityFromOodd,
} from './confidence';

describe('adjustConfidenceWithOodd', () => {
  it.each([
    // mode, numClasses, conf, p_out, expected
    ['BINARY', undefined, 0.95, 0, 0.95],
    ['BINARY', undefined, 0.95, 1, 0.5],
    ['BINARY', undefined, 0.95, 0.5, 0.725],
    ['BINARY', undefined, 1, 0.1, 0.95],
    ['BINARY', undefined, 0.5, 0.7, 0.5],
    ['BINARY', undefined, 0, 0, 0],
    ['BINARY', undefined, 0, 1, 0.5],
    ['MULTI_CLASS', 4, 0.9, 1, 0.25],
    ['MULTI_CLASS', 4, 0.9, 0.5, 0.575],
    ['COUNT', 11, 0.8, 1, 1 / 11],
    ['COUNT', 1, 0.3, 1, 1],
    ['BOUNDING_BOX', undefined, 0.8, 1, 0],
    ['BOUNDING_BOX', undefined, 0.8, 0.25, 0.6],
  ] as const)('%s (%s classes): conf %s, p_out %s → %s', (mode, numClasses, conf, pOut, expected) => {
    const adjusted = adjustConfidenceWithOodd({
      primaryConfidence: conf,
      outlierProbability: pOut,
      mode,
      numClasses,
    });
    expect(adjusted).toBeCloseTo(expected, 12);
  });

  it.each([
    ['no OODD value', 0.8, undefined, 0.8],
    ['OODD null', 0.8, null, 0.8],
    ['no primary value', undefined, 0.5, null],
    ['primary null', null, 0.5, null],
  ] as const)('%s → unadjusted', (_name, conf, pOut, expected) => {
    expect(
      adjustConfidenceWithOodd({ primaryConfidence: conf, outlierProbability: pOut, mode: 'BINARY' }),
    ).toBe(expected);
  });

  it('never raises a confidence above the larger of conf and chance', () => {
    for (const conf of [0, 0.2, 0.5, 0.8, 1]) {
      for (const pOut of [0, 0.3, 0.6, 1]) {
        const adjusted = adjustConfidenceWithOodd({
          primaryConfidence: conf,
          outlierProbability: pOut,
          mode: 'BINARY',
        });
        expect(adjusted).toBeLessThanOrEqual(Math.max(conf, 0.5) + 1e-12);
        expect(adjusted).toBeGreaterThanOrEqual(Math.min(conf, 0.5) - 1e-12);
      }
    }
  });

  it.each([
    ['primary above 1', 1.01, 0.5],
    ['primary negative', -0.1, 0.5],
    ['p_out above 1', 0.5, 1.5],
    ['p_out NaN', 0.5, Number.NaN],
  ])('rejects %s', (_name, conf, pOut) => {
    expect(() =>
      adjustConfidenceWithOodd({ primaryConfidence: conf, outlierProbability: pOut, mode: 'BINARY' }),
    ).toThrow(RangeError);
  });

  it('needs numClasses for COUNT and MULTI_CLASS', () => {
    expect(() => chanceLevel('MULTI_CLASS')).toThrow(RangeError);
    expect(() => chanceLevel('COUNT', 0)).toThrow(RangeError);
    expect(() => chanceLevel('COUNT', 2.5)).toThrow(RangeError);
    expect(chanceLevel('BINARY', 7)).toBe(0.5);
  });
});

describe('adjustConfidenceForDomain (the in-domain form the inference service and learning use)', () => {
  it.each([
    // mode, numClasses, conf, in-domain, expected
    ['BINARY', 2, 0.9, 1, 0.9],
    ['BINARY', 2, 0.9, 0, 0.5],
    ['BINARY', 2, 0.95, null, 0.95],
    ['MULTI_CLASS', 3, 0.9, 0.5, 0.5 / 3 + 0.45],
    ['MULTI_CLASS', 4, 0.9, 0.5, 0.5 * 0.25 + 0.5 * 0.9],
    ['BOUNDING_BOX', 2, 0.8, 0, 0],
    ['BINARY', 2, 0.8, null, 0.8],
  ] as const)('%s (%s classes): conf %s, in-domain %s → %s', (mode, numClasses, conf, inDomain, expected) => {
    expect(
      adjustConfidenceForDomain({ confidence: conf, inDomainProbability: inDomain, mode, numClasses }),
    ).toBeCloseTo(expected, 12);
  });

  it('stays a probability when float rounding would leave [0, 1]', () => {
    for (const conf of [1, 0.9999999999999999]) {
      for (const inDomain of [0.1, 0.3, 0.7, 0.9999999]) {
        const a = adjustConfidenceForDomain({
          confidence: conf,
          inDomainProbability: inDomain,
          mode: 'BINARY',
          numClasses: 2,
        });
        expect(a).toBeLessThanOrEqual(1);
        expect(a).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

describe('outlierProbabilityFromOodd (the reference output: label 1 = outlier)', () => {
  it.each([
    [1, 0.9, 0.9],
    [0, 0.9, 0.1],
    [0, 1, 0],
    [1, 0, 0],
  ] as const)('label %s, confidence %s → %s', (label, conf, expected) => {
    expect(outlierProbabilityFromOodd(label, conf)).toBeCloseTo(expected, 12);
  });
});

describe('threshold', () => {
  it('the request value overrides the detector value, including 0', () => {
    expect(effectiveThreshold(0.7, 0.9)).toBe(0.7);
    expect(effectiveThreshold(0, 0.9)).toBe(0);
    expect(effectiveThreshold(undefined, 0.9)).toBe(0.9);
    expect(effectiveThreshold(null, 0.9)).toBe(0.9);
  });

  it.each([
    [0.9, 0.9, true],
    [0.9000001, 0.9, true],
    [0.8999999, 0.9, false],
    [0, 0, true],
    [1, 1, true],
  ])('confidence %s against %s → %s (>=)', (conf, threshold, expected) => {
    expect(isConfident(conf, threshold)).toBe(expected);
  });
});
