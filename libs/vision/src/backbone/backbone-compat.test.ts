import { describe, expect, it } from 'vitest';
import { EARLIER_CONVERSIONS_WITH_SAME_FEATURES, backboneRunsHeadTrainedOn } from './backbone-compat';

const fp32 = { sha256: 'a'.repeat(64) };
const int8 = { sha256: 'b'.repeat(64), approximates: fp32.sha256 };
const v1 = EARLIER_CONVERSIONS_WITH_SAME_FEATURES[0]!;

describe('backboneRunsHeadTrainedOn', () => {
  it.each([
    ['fp32 runs its own heads', fp32, fp32.sha256, true],
    ['fp32 runs heads of the v1 conversion', fp32, v1, true],
    ['fp32 refuses heads of another backbone', fp32, 'c'.repeat(64), false],
    ['int8 runs heads of the fp32 it approximates', int8, fp32.sha256, true],
    ['int8 runs its own heads', int8, int8.sha256, true],
    ['int8 runs heads of the v1 conversion', int8, v1, true],
    ['int8 refuses heads of another backbone', int8, 'c'.repeat(64), false],
  ])('%s', (_name, backbone, trainedOn, expected) => {
    expect(backboneRunsHeadTrainedOn(backbone, trainedOn)).toBe(expected);
  });
});
