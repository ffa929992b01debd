import { mulberry32 } from '@intellioptics/vision';
import { describe, expect, it } from 'vitest';
import { crossFitCalibration, meanNll, temper } from './calibration.fit';

/** Two overlapping Gaussian classes in 20-d: a linear model with weak L2 is overconfident on them. */
function gaussians(n: number, seed: number, sep = 0.6) {
  const rng = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const features: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    features.push(Float32Array.from({ length: 20 }, (_, j) => normal() + (j < 3 ? (y ? sep : -sep) : 0)));
    labels.push(y);
  }
  return { features, labels };
}

describe(temper.name, () => {
  it.each([
    [[0.9, 0.1], 1, [0.9, 0.1]],
    [[0.5, 0.5], 3, [0.5, 0.5]],
  ])('%j at T=%d', (p, t, expected) => {
    temper(p, t).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it('softens with T > 1 and sharpens with T < 1', () => {
    expect(temper([0.9, 0.1], 2)[0]).toBeCloseTo(0.75, 12); // √9 : √1
    expect(temper([0.75, 0.25], 0.5)[0]).toBeCloseTo(0.9, 12); // 9 : 1
  });
});

describe(crossFitCalibration.name, () => {
  it('does not fit a temperature on a few dozen labels', () => {
    const { features, labels } = gaussians(40, 1);
    expect(crossFitCalibration(features, labels, 2, { l2: 1e-6 }).calibration).toMatchObject({
      method: 'none',
      temperature: 1,
      reason: 'TOO_FEW_EXAMPLES',
    });
  });

  it('cross-fits a temperature that tempers an overconfident model and improves fresh data', () => {
    const train = gaussians(200, 2);
    const cal = crossFitCalibration(train.features, train.labels, 2, { l2: 1e-6, seed: 3 }).calibration;
    expect(cal.method).toBe('temperature');
    expect(cal.reason).toBe('FITTED');
    expect(cal.outOfFoldExamples).toBe(200);
    expect(cal.temperature).toBeGreaterThan(1.2);
    expect(cal.nllAfter).toBeLessThan(cal.nllBefore);
  });

  it('computes mean NLL', () => {
    expect(
      meanNll(
        [
          [0.5, 0.5],
          [0.25, 0.75],
        ],
        [0, 1],
      ),
    ).toBeCloseTo(-(Math.log(0.5) + Math.log(0.75)) / 2, 12);
  });
});
