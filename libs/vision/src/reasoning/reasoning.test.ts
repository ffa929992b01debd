import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../training/stratified-split';
import type { RecursiveHeadConfig } from './recursive-head.model';
import { forwardSteps, initParameters, lossAndGradient, parameterCount } from './recursive-head.model';
import {
  buildRecursiveHead,
  MAP_INPUT,
  STEP_ATTENTION_OUTPUT,
  STEP_HALT_OUTPUT,
  STEP_PROBABILITIES_OUTPUT,
} from './recursive-head.onnx';
import { calibrateRecursiveHead, predictRecursive, trainRecursiveHead } from './recursive-head.train';
import { fitTokenProjection, projectTokens } from './token-projection';

const small: RecursiveHeadConfig = {
  tokens: 6,
  inDim: 5,
  width: 8,
  hidden: 10,
  classes: 3,
  latentSteps: 2,
  cycles: 1,
  steps: 2,
};

const randomTokens = (seed: number, n: number): Float32Array => {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => 2 * rng() - 1);
};

/**
 * A spatial question a pooled (order-free) readout cannot answer: two marked tokens, "is the A-marked token left
 * of the B-marked one?" (tokens 0..5 are positions left to right).
 */
function leftOfTask(count: number, seed: number): { tokens: Float32Array[]; labels: number[] } {
  const rng = mulberry32(seed);
  const tokens: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const u = Float32Array.from({ length: 6 * 5 }, () => 0.3 * (rng() - 0.5));
    const a = Math.floor(rng() * 6);
    let b = Math.floor(rng() * 5);
    if (b >= a) b++;
    u[a * 5] = 2;
    u[b * 5 + 1] = 2;
    tokens.push(u);
    labels.push(a < b ? 0 : 1);
  }
  return { tokens, labels };
}

describe('recursive head backward pass', () => {
  // One step, one cycle: the only case where the full gradient is the trained one (later steps start from a
  // detached carry, earlier cycles run without gradient, so finite differences would see paths training ignores).
  it.each([1, 3])('matches central finite differences (%i latent updates)', (latentSteps) => {
    const c = { ...small, latentSteps, steps: 1, cycles: 1 };
    const params = initParameters(c, 5);
    // Larger weights than the init so every path (attention, both MLPs, halting) carries gradient.
    for (let i = 0; i < params.length; i++) params[i]! *= 1.5;
    const u = randomTokens(9, c.tokens * c.inDim);
    const label = 1;
    const grad = new Float32Array(parameterCount(c));
    lossAndGradient(c, params, u, label, grad);
    const lossAt = (p: Float32Array): number => lossAndGradient(c, p, u, label, new Float32Array(p.length));
    let checked = 0;
    for (let i = 0; i < params.length; i++) {
      const eps = 1e-2;
      const plus = Float32Array.from(params);
      plus[i]! += eps;
      const minus = Float32Array.from(params);
      minus[i]! -= eps;
      const [lp, l0, lm] = [lossAt(plus), lossAt(params), lossAt(minus)];
      // A ReLU kink within ±eps makes the one-sided slopes disagree: not a differentiable point, skip it.
      if (Math.abs(lp - l0 - (l0 - lm)) / eps > 0.2 * Math.abs((lp - lm) / (2 * eps)) + 1e-3) continue;
      const numeric = (lp - lm) / (2 * eps);
      const analytic = grad[i]!;
      if (Math.abs(numeric) < 1e-4 && Math.abs(analytic) < 1e-4) continue;
      expect(Math.abs(numeric - analytic)).toBeLessThan(1e-4 + 0.01 * Math.abs(numeric));
      checked++;
    }
    expect(checked).toBeGreaterThan(params.length / 3);
  });

  it('returns one output per step with attention summing to 1', () => {
    const params = initParameters(small, 1);
    const out = forwardSteps(small, params, randomTokens(2, small.tokens * small.inDim));
    expect(out).toHaveLength(small.steps);
    for (const o of out) {
      expect(o.logits).toHaveLength(small.classes);
      expect(o.attention.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });
});

describe('recursive head training', () => {
  const shape = { tokens: 6, inDim: 5, classes: 2 };
  const opts = {
    config: { width: 16, hidden: 24, latentSteps: 2, cycles: 1, steps: 2 },
    epochs: 25,
    seed: 7,
  };

  it('is deterministic for a seed', () => {
    const { tokens, labels } = leftOfTask(40, 1);
    const a = trainRecursiveHead(tokens, labels, shape, { ...opts, epochs: 3 });
    const b = trainRecursiveHead(tokens, labels, shape, { ...opts, epochs: 3 });
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
    const other = trainRecursiveHead(tokens, labels, shape, { ...opts, epochs: 3, seed: 8 });
    expect(Array.from(other.params)).not.toEqual(Array.from(a.params));
  });

  it('learns a left-of question on held-out examples', () => {
    const train = leftOfTask(300, 1);
    const test = leftOfTask(200, 2);
    const head = calibrateRecursiveHead(
      trainRecursiveHead(train.tokens, train.labels, shape, opts),
      train.tokens.slice(0, 60),
      train.labels.slice(0, 60),
    );
    const correct = test.tokens.filter((t, i) => {
      const p = predictRecursive(head, t).probabilities;
      return (p[1]! > p[0]! ? 1 : 0) === test.labels[i];
    }).length;
    expect(correct / test.tokens.length).toBeGreaterThan(0.9);
  });
});

describe('token projection', () => {
  it('finds the subspace the tokens vary in and scales it to unit variance', () => {
    const dim = 12;
    const tokens = 4;
    const rng = mulberry32(4);
    // Tokens vary along channels 0 and 1 only (plus a constant offset on channel 5).
    const maps = Array.from({ length: 50 }, () => {
      const m = new Float32Array(dim * tokens);
      for (let t = 0; t < tokens; t++) {
        m[0 * tokens + t] = 3 * (rng() - 0.5);
        m[1 * tokens + t] = 2 * (rng() - 0.5);
        m[5 * tokens + t] = 1;
      }
      return m;
    });
    const p = fitTokenProjection(maps, dim, tokens, { components: 2 });
    for (let c = 0; c < 2; c++) {
      let outside = 0;
      for (let j = 2; j < dim; j++) outside += p.matrix[c * dim + j]! ** 2;
      expect(outside).toBeLessThan(1e-6);
    }
    const u = maps.map((m) => projectTokens(p, m));
    const variance = [0, 1].map(
      (c) =>
        u.reduce((a, x) => a + x.filter((_, i) => i % 2 === c).reduce((s, v) => s + v * v, 0), 0) /
        (50 * tokens),
    );
    for (const v of variance) expect(v).toBeCloseTo(1, 1);
  });
});

describe('ONNX export', () => {
  it('computes the same steps as the TypeScript forward pass, for a batch', async () => {
    const dim = 12;
    const side = 3;
    const tokens = side * side;
    const rng = mulberry32(11);
    const maps = Array.from({ length: 4 }, () =>
      Float32Array.from({ length: dim * tokens }, () => 6 * rng()),
    );
    const projection = fitTokenProjection(maps, dim, tokens, { components: 5 });
    const config: RecursiveHeadConfig = { ...small, tokens, inDim: 5, classes: 2, cycles: 2, steps: 3 };
    const params = initParameters(config, 3);
    for (let i = 0; i < params.length; i++) params[i]! *= 2; // away from the uniform-attention regime
    const head = { config, params, temperature: 1.7, epochs: 0, finalLoss: NaN };
    const session = await ort.InferenceSession.create(buildRecursiveHead(head, projection));
    const batch = new Float32Array(maps.length * dim * tokens);
    maps.forEach((m, i) => batch.set(m, i * dim * tokens));
    const out = await session.run({
      [MAP_INPUT]: new ort.Tensor('float32', batch, [maps.length, dim, side, side]),
    });
    const probs = out[STEP_PROBABILITIES_OUTPUT]!.data as Float32Array;
    const halts = out[STEP_HALT_OUTPUT]!.data as Float32Array;
    const attention = out[STEP_ATTENTION_OUTPUT]!.data as Float32Array;
    maps.forEach((m, i) => {
      const expected = predictRecursive(head, projectTokens(projection, m));
      expected.steps.forEach((st, t) => {
        st.probabilities.forEach((p, c) => expect(probs[(i * 3 + t) * 2 + c]).toBeCloseTo(p, 4));
        expect(halts[i * 3 + t]).toBeCloseTo(st.haltProbability, 4);
        st.attention.forEach((a, j) => expect(attention[(i * 3 + t) * tokens + j]).toBeCloseTo(a, 4));
      });
    });
    // Not a uniform read: the attention differs between tokens.
    expect(Math.max(...attention) - Math.min(...attention)).toBeGreaterThan(0.05);
    await session.release();
  });
});
