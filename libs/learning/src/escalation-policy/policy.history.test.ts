import { DEFAULT_PIPELINE_CONFIG, mulberry32 } from '@intellioptics/vision';
import { describe, expect, it } from 'vitest';
import { temper } from '../calibration.fit';
import { trainCandidate, type LabelledExample } from '../candidate.train';
import { policyHistory } from './policy.history';

const DIM = 24;

/** Two overlapping classes (some answers wrong), enough labels for the calibration to cross-fit. */
function examples(n: number, seed: number): LabelledExample[] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const yes = i % 2 === 0;
    const features = Float32Array.from({ length: DIM }, (_, j) => rng() * 2 + (yes && j < 3 ? 0.8 : 0));
    return { id: `iq_${seed}_${i}`, features, label: yes ? 'YES' : 'NO' };
  });
}

const detector = { id: 'det_history', mode: 'BINARY' as const, confidenceThreshold: 0.9 };
const train = (labelled: LabelledExample[]) =>
  trainCandidate({
    detector,
    examples: labelled,
    backbone: { id: 'test-backbone', sha256: '0'.repeat(64), featureDim: DIM },
    pipeline: DEFAULT_PIPELINE_CONFIG,
  });
const provenanced = (labelled: LabelledExample[]) => labelled.map((e) => ({ ...e, labelledProbability: 1 }));

describe(policyHistory.name, () => {
  const labelled = examples(200, 1);
  const candidate = train(labelled);
  const heldOut = new Set(candidate.evaluation.exampleIds);
  const T = candidate.calibration.temperature;

  it("reads the candidate's out-of-sample probabilities: no example is scored by a model that saw it", () => {
    expect(candidate.outOfSample.size).toBe(labelled.length);
    const history = policyHistory({ detector, candidate, examples: provenanced(labelled), neighbors: 5 });
    expect(history).toHaveLength(labelled.length);
    let trainingDiffers = 0;
    for (const h of history) {
      const e = labelled.find((l) => l.id === h.id)!;
      expect(h.observation.probabilities).toEqual(temper(candidate.outOfSample.get(h.id)!, T));
      const primary = candidate.predict(e.features).probabilities;
      // The primary never trained on a held-out label, so it scores those; a training label is scored by the
      // calibration fold that left it out, which differs from the primary that trained on it.
      if (heldOut.has(h.id)) expect(h.observation.probabilities).toEqual(primary);
      else if (Math.abs(h.observation.probabilities[0]! - primary[0]!) > 1e-6) trainingDiffers++;
    }
    expect(trainingDiffers).toBe(labelled.length - heldOut.size);
  });

  it('fits its own folds when the candidate did not score every example', () => {
    const extra = examples(20, 2);
    const history = policyHistory({
      detector,
      candidate,
      examples: provenanced([...labelled, ...extra]),
      neighbors: 5,
    });
    expect(history).toHaveLength(labelled.length + extra.length);
    const first = history.find((h) => h.id === labelled[0]!.id)!;
    expect(first.observation.probabilities).not.toEqual(temper(candidate.outOfSample.get(first.id)!, T));
  });
});
