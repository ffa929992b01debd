import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { fitMahalanobisOodd, inDomainProbability, mahalanobisDistance } from '../training/mahalanobis.fit';
import { fitSoftmaxRegression, softmaxPredict } from '../training/softmax-regression';
import { mulberry32 } from '../training/stratified-split';
import { buildMahalanobisHead, DISTANCE_OUTPUT, IN_DOMAIN_OUTPUT } from './oodd.head';
import { buildSoftmaxHead, HEAD_INPUT, PROBABILITIES_OUTPUT } from './softmax.head';

const rng = mulberry32(21);
const d = 32;
const labels = Array.from({ length: 60 }, (_, i) => i % 3);
const feats = labels.map((y) =>
  Float32Array.from({ length: d }, (_, j) => Math.max(0, (j % 3 === y ? 2 : 0.3) + rng() - 0.5)),
);
const probes = Array.from({ length: 5 }, (_, i) =>
  Float32Array.from({ length: d }, () => rng() * (1 + i * 2)),
);

async function run(bytes: Uint8Array, xs: Float32Array[]): Promise<ort.InferenceSession.OnnxValueMapType> {
  const s = await ort.InferenceSession.create(bytes);
  const batch = new Float32Array(xs.length * d);
  xs.forEach((x, i) => batch.set(x, i * d));
  const out = await s.run({ [HEAD_INPUT]: new ort.Tensor('float32', batch, [xs.length, d]) });
  await s.release();
  return out;
}

describe('ONNX heads', () => {
  it('softmax head (with temperature) equals the JS prediction', async () => {
    const m = fitSoftmaxRegression(feats, labels, 3);
    const out = await run(buildSoftmaxHead({ ...m, temperature: 2 }), probes);
    const p = out[PROBABILITIES_OUTPUT]!.data as Float32Array;
    probes.forEach((x, i) => {
      const ref = softmaxPredict(m, x, 2);
      for (let k = 0; k < 3; k++) expect(p[i * 3 + k]).toBeCloseTo(ref[k]!, 5);
    });
  });

  it('Mahalanobis OODD head equals the JS distance and probability', async () => {
    const m = fitMahalanobisOodd(feats, labels);
    expect(m.rank).toBeGreaterThan(0);
    const bytes = buildMahalanobisHead({ ...m, projectionSign: -1 });
    const xs = [...probes, feats[0]!, feats[1]!];
    const out = await run(bytes, xs);
    const dist = out[DISTANCE_OUTPUT]!.data as Float32Array;
    const pin = out[IN_DOMAIN_OUTPUT]!.data as Float32Array;
    xs.forEach((x, i) => {
      const ref = mahalanobisDistance(m, x);
      expect(Math.abs(dist[i]! - ref) / Math.max(1, ref)).toBeLessThan(1e-3);
      expect(pin[i]).toBeCloseTo(inDomainProbability(m, ref), 3);
    });
  });
});
