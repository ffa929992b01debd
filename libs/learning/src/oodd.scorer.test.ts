import {
  fitMahalanobisOodd,
  inDomainProbability,
  mahalanobisDistance,
  mulberry32,
} from '@intellioptics/vision';
import { describe, expect, it } from 'vitest';
import { subclusterLabels } from './oodd-clusters';
import { mahalanobisScorer } from './oodd.scorer';

function blobs(n: number, dim: number, seed: number) {
  const rng = mulberry32(seed);
  const features = Array.from({ length: n }, (_, i) =>
    Float32Array.from({ length: dim }, (_, j) => rng() + (j === i % 3 ? 2 : 0)),
  );
  return { features, labels: features.map((_, i) => i % 3) };
}

describe(mahalanobisScorer.name, () => {
  it('gives the distance and in-domain probability of the reference implementation', () => {
    const { features, labels } = blobs(60, 24, 1);
    const model = fitMahalanobisOodd(features, labels, { seed: 1 });
    const score = mahalanobisScorer(model);
    const probes = blobs(20, 24, 2).features.map((f, i) => (i % 2 ? f.map((v) => v * 3) : f));
    for (const f of probes) {
      const d = mahalanobisDistance(model, f);
      expect(score(f).distance).toBeCloseTo(d, 8);
      expect(score(f).inDomain).toBeCloseTo(inDomainProbability(model, d), 8);
    }
  });

  it('scores far points as out of domain', () => {
    const { features, labels } = blobs(60, 24, 3);
    const score = mahalanobisScorer(fitMahalanobisOodd(features, labels, { seed: 1 }));
    expect(score(features[0]!).inDomain).toBeGreaterThan(0.5);
    expect(score(features[0]!.map((v) => v + 10)).inDomain).toBeLessThan(0.01);
  });
});

describe(subclusterLabels.name, () => {
  it('splits a class made of two looks into two groups and keeps small classes whole', () => {
    const a = Array.from({ length: 40 }, (_, i) => Float32Array.from([i % 2 ? 10 : 0, 0]));
    const b = Array.from({ length: 10 }, () => Float32Array.from([5, 5]));
    const labels = subclusterLabels([...a, ...b], [...a.map(() => 0), ...b.map(() => 1)], 2, 1);
    const groupsOfA = new Set(labels.slice(0, 40));
    expect(groupsOfA.size).toBe(2);
    // Each look lands in one group.
    expect(new Set(labels.slice(0, 40).filter((_, i) => i % 2 === 0)).size).toBe(1);
    expect(new Set(labels.slice(40))).toEqual(new Set([2]));
  });
});
