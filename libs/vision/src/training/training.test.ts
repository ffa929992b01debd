import { describe, expect, it } from 'vitest';
import { choleskyInPlace, forwardSubstituteInPlace, gram, quantile } from './linalg';
import { minimizeLbfgs } from './lbfgs';
import {
  fitMahalanobisCore,
  fitMahalanobisOodd,
  inDomainProbability,
  mahalanobisDistance,
  mahalanobisDistancer,
} from './mahalanobis.fit';
import { fitSoftmaxRegression, fitTemperature, softmaxPredict } from './softmax-regression';
import { mulberry32, stratifiedFolds, stratifiedSplit } from './stratified-split';

function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
}

/** Invert a small SPD matrix densely (Gauss–Jordan), as an independent reference. */
function invert(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const p = m[c]![c]!;
    for (let j = 0; j < 2 * n; j++) m[c]![j]! /= p;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      for (let j = 0; j < 2 * n; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((row) => row.slice(n));
}

describe('lbfgs', () => {
  it('minimises the Rosenbrock function', () => {
    const res = minimizeLbfgs(
      (x, g) => {
        const [a, b] = [x[0]!, x[1]!];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      Float64Array.from([-1.2, 1]),
      { maxIterations: 1000, gradTolerance: 1e-8 },
    );
    expect(res.x[0]).toBeCloseTo(1, 4);
    expect(res.x[1]).toBeCloseTo(1, 4);
  });
});

describe('fitSoftmaxRegression', () => {
  const rng = mulberry32(3);
  const d = 20;
  const centers = [0, 1, 2].map(() => Array.from({ length: d }, () => 2 * gaussian(rng)));
  const sample = (k: number): Float32Array => Float32Array.from(centers[k]!, (c) => c + gaussian(rng));
  const labels = Array.from({ length: 150 }, (_, i) => i % 3);
  const feats = labels.map(sample);

  it('separates three Gaussian classes and generalises', () => {
    const m = fitSoftmaxRegression(feats, labels, 3, { l2: 1e-3 });
    expect(m.converged).toBe(true);
    const test = Array.from({ length: 60 }, (_, i) => i % 3);
    const acc = test.filter((y) => {
      const p = softmaxPredict(m, sample(y));
      return p.indexOf(Math.max(...p)) === y;
    }).length;
    expect(acc / test.length).toBeGreaterThan(0.95);
  });

  it('stops where a plain gradient is zero (odd sizes: the blocked kernels’ edges)', () => {
    const r = mulberry32(5);
    const n = 151;
    const dim = 21;
    const c = 3;
    const l2 = 1e-2;
    const ys = Array.from({ length: n }, (_, i) => (i * 7) % c);
    const xs = ys.map((y) => Float32Array.from({ length: dim }, (_, j) => r() * 3 + (j === y ? 1 : 0)));
    const m = fitSoftmaxRegression(xs, ys, c, { l2 });
    expect(m.converged).toBe(true);
    let gmax = 0;
    const gw = new Float64Array(c * dim);
    const gb = new Float64Array(c);
    xs.forEach((f, i) => {
      const p = softmaxPredict(m, f);
      for (let k = 0; k < c; k++) {
        const res = (p[k]! - (k === ys[i] ? 1 : 0)) / n;
        gb[k]! += res;
        for (let j = 0; j < dim; j++) gw[k * dim + j]! += res * f[j]!;
      }
    });
    for (let i = 0; i < c * dim; i++) gmax = Math.max(gmax, Math.abs(gw[i]! + l2 * m.weights[i]!));
    for (const g of gb) gmax = Math.max(gmax, Math.abs(g));
    expect(gmax).toBeLessThan(1e-5);
  });

  it('shrinks weights under strong L2 and returns normalised probabilities', () => {
    const small = fitSoftmaxRegression(feats.slice(0, 30), labels.slice(0, 30), 3, {
      l2: 1,
      maxIterations: 200,
    });
    // Heavily regularised: weights must be small but non-zero, and probabilities sum to 1.
    const p = softmaxPredict(small, feats[0]!);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    const norm = Math.sqrt(small.weights.reduce((s, w) => s + w * w, 0));
    expect(norm).toBeGreaterThan(0.01);
    expect(norm).toBeLessThan(2);
  });

  it('fits a temperature > 1 for overconfident predictions, and stays 1 with few labels', () => {
    const r = mulberry32(9);
    const probs: number[][] = [];
    const ys: number[] = [];
    for (let i = 0; i < 400; i++) {
      const y = i % 2;
      const correct = r() < 0.75; // 75% accurate but always 99% confident
      const pred = correct ? y : 1 - y;
      probs.push(pred === 0 ? [0.99, 0.01] : [0.01, 0.99]);
      ys.push(y);
    }
    const t = fitTemperature(probs, ys);
    expect(t).toBeGreaterThan(2);
    expect(fitTemperature(probs.slice(0, 20), ys.slice(0, 20))).toBe(1);
  });
});

describe('stratified splits', () => {
  const labels = [...Array(10).fill('a'), ...Array(4).fill('b'), ...Array(2).fill('c')] as string[];
  it('keeps every class on both sides and is deterministic', () => {
    const s = stratifiedSplit(labels, 0.25, 5);
    expect(s).toEqual(stratifiedSplit(labels, 0.25, 5));
    expect([...s.train, ...s.test].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
    for (const c of ['a', 'b', 'c']) {
      expect(s.test.some((i) => labels[i] === c)).toBe(true);
      expect(s.train.some((i) => labels[i] === c)).toBe(true);
    }
  });
  it('builds folds that partition the data', () => {
    const folds = stratifiedFolds(labels, 4);
    expect(folds.flatMap((f) => f.test).sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
    for (const f of folds) expect(f.train.length + f.test.length).toBe(labels.length);
  });
});

describe('linalg', () => {
  it('Cholesky and forward substitution solve a system', () => {
    const a = Float64Array.from([4, 2, 0.4, 2, 5, 1, 0.4, 1, 3]);
    const l = Float64Array.from(a);
    choleskyInPlace(l, 3);
    const b = Float64Array.from([1, 2, 3]);
    forwardSubstituteInPlace(l, 3, b, 1);
    // L·b' = [1,2,3] → check by multiplying back
    const back = [0, 1, 2].map((i) => [0, 1, 2].reduce((s, k) => s + l[i * 3 + k]! * b[k]!, 0));
    expect(back[0]).toBeCloseTo(1, 12);
    expect(back[2]).toBeCloseTo(3, 12);
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.95)).toBeCloseTo(9.5, 12);
  });

  it('blocked Gram and forward substitution match plain loops at sizes off their blocks', () => {
    const r = mulberry32(11);
    for (const n of [1, 2, 5, 9]) {
      const d = 7;
      const x = Float64Array.from({ length: n * d }, () => r() - 0.5);
      const g = gram(x, n, d);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += x[i * d + k]! * x[j * d + k]!;
          expect(g[i * n + j]).toBeCloseTo(s, 12);
        }
      // L lower-triangular with a safe diagonal; solve L·X = B (B n×3), then multiply back.
      const l = Float64Array.from({ length: n * n }, (_, q) =>
        q % n < Math.floor(q / n) ? r() - 0.5 : q % n === Math.floor(q / n) ? 1 + r() : 0,
      );
      const m = 3;
      const b = Float64Array.from({ length: n * m }, () => r() - 0.5);
      const sol = Float64Array.from(b);
      forwardSubstituteInPlace(l, n, sol, m);
      for (let i = 0; i < n; i++)
        for (let c = 0; c < m; c++) {
          let s = 0;
          for (let k = 0; k <= i; k++) s += l[i * n + k]! * sol[k * m + c]!;
          expect(s).toBeCloseTo(b[i * m + c]!, 10);
        }
    }
  });
});

describe('Mahalanobis OODD', () => {
  const rng = mulberry32(11);
  const d = 6;
  const n = 40;
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const feats = labels.map((y) =>
    Float32Array.from({ length: d }, (_, j) => (y ? 3 : 0) + (j + 1) * 0.5 * gaussian(rng)),
  );

  it('Woodbury distance equals the dense shrunk-covariance Mahalanobis distance', () => {
    const core = fitMahalanobisCore(feats, labels);
    const means = [0, 1].map((c) => {
      const rows = feats.filter((_, i) => labels[i] === c);
      return Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
    });
    const centred = feats.map((f, i) => Array.from(f, (v, j) => v - means[labels[i]!]![j]!));
    const s = Array.from({ length: d }, (_, a) =>
      Array.from({ length: d }, (_, b) => centred.reduce((acc, r) => acc + r[a]! * r[b]!, 0) / n),
    );
    const mu = s.reduce((acc, row, i) => acc + row[i]!, 0) / d;
    const alpha = core.shrinkage;
    const sigma = s.map((row, a) => row.map((v, b) => (1 - alpha) * v + (a === b ? alpha * mu : 0)));
    const p = invert(sigma);
    const probe = Float32Array.from({ length: d }, () => 4 * gaussian(rng));
    const dense = Math.sqrt(
      Math.min(
        ...means.map((m) => {
          const y = Array.from(probe, (v, j) => v - m[j]!);
          return y.reduce((acc, yi, a) => acc + yi * p[a]!.reduce((t, pab, b) => t + pab * y[b]!, 0), 0);
        }),
      ),
    );
    expect(alpha).toBeGreaterThan(0);
    expect(alpha).toBeLessThan(1);
    expect(mahalanobisDistance(core, probe)).toBeCloseTo(dense, 3);
    // The fast form (each Gμ_k once) is the same math.
    expect(mahalanobisDistancer(core)(probe)).toBeCloseTo(mahalanobisDistance(core, probe), 9);
  });

  it('maps held-out in-domain distances to high probability and far points to low', () => {
    const m = fitMahalanobisOodd(feats, labels);
    expect(m.heldOutCount).toBe(n);
    expect(m.tau).toBeGreaterThan(m.q50);
    expect(inDomainProbability(m, m.tau)).toBeCloseTo(0.5, 10);
    expect(inDomainProbability(m, m.q50)).toBeCloseTo(0.95, 10);
    const far = Float32Array.from({ length: d }, () => 40);
    expect(inDomainProbability(m, mahalanobisDistance(m, far))).toBeLessThan(0.01);
    expect(inDomainProbability(m, mahalanobisDistance(m, feats[0]!))).toBeGreaterThan(0.5);
  });
});
