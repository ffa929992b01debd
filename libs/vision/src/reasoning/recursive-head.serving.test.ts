/**
 * The served path of the recursive head (#15) agrees with the in-process one: the package's ONNX graph run by
 * FeatureMapHead and read by readRecursiveOutputs / readMapHead (what the inference service and the cloud
 * predictor answer with) gives predictRecursive's steps, halting step and calibrated answer for every image
 * of a batch, and the explanation shows exactly the steps run.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_CONFIG } from '../preprocess/pipeline-config';
import { mulberry32 } from '../training/stratified-split';
import { FeatureMapHead } from './feature-map.head';
import { addMapHeadReading, readMapHead } from './map-head.reading';
import type { RecursiveHeadConfig } from './recursive-head.model';
import { initParameters } from './recursive-head.model';
import { buildRecursivePackage, readRecursiveOutputs } from './recursive-head.package';
import type { RecursiveHead } from './recursive-head.train';
import { haltStep, predictRecursive } from './recursive-head.train';
import { fitTokenProjection, projectTokens } from './token-projection';

const DIM = 16;
const SIDE = 7;
const CELLS = SIDE * SIDE;

async function servedHead(): Promise<{
  head: RecursiveHead;
  served: FeatureMapHead;
  maps: Float32Array[];
  project: (m: Float32Array) => Float32Array;
}> {
  const rng = mulberry32(21);
  const maps = Array.from({ length: 12 }, () => Float32Array.from({ length: DIM * CELLS }, () => 4 * rng()));
  const projection = fitTokenProjection(maps, DIM, CELLS, { components: 6 });
  const config: RecursiveHeadConfig = {
    tokens: CELLS,
    inDim: 6,
    width: 12,
    hidden: 16,
    classes: 2,
    latentSteps: 2,
    cycles: 2,
    steps: 3,
  };
  const params = initParameters(config, 4);
  // Away from the init's near-uniform regime (zero halting weights), so the steps and halts differ.
  for (let i = 0; i < params.length; i++) params[i] = params[i]! * 2 + 0.3 * (rng() - 0.5);
  const project = (m: Float32Array): Float32Array => projectTokens(projection, m);
  const untuned: RecursiveHead = { config, params, temperature: 1.6, epochs: 0, finalLoss: NaN };
  // A threshold between the images' step-1 halting probabilities: some halt at step 1, some go on.
  const firstHalts = maps
    .map((m) => predictRecursive(untuned, project(m)).steps[0]!.haltProbability)
    .sort((a, b) => a - b);
  const head = { ...untuned, haltThreshold: firstHalts[Math.floor(firstHalts.length / 2)]! };
  const pkg = buildRecursivePackage({
    head,
    projection,
    pipeline: DEFAULT_PIPELINE_CONFIG,
    backbone: { id: 'test-backbone', sha256: 'a'.repeat(64), featureDim: DIM },
    calibration: { method: 'temperature', temperature: head.temperature, held_out_examples: 12 },
    training: {},
    metrics: {},
    metadata: { mode: 'BINARY', detectorId: 'det_test', classNames: ['YES', 'NO'], createdAt: '2026-01-01' },
  });
  const session = await ort.InferenceSession.create(pkg.modelBytes);
  return { head, served: new FeatureMapHead(pkg.metadata, pkg.modelId, session, DIM, SIDE), maps, project };
}

describe('the served recursive head', () => {
  it('reads the same steps, halting step and answer as predictRecursive, for every image of a batch', async () => {
    const { head, served, maps, project } = await servedHead();
    const read = readRecursiveOutputs(served.metadata, await served.runMaps(maps));
    expect(read).toHaveLength(maps.length);
    const haltedAt = new Set<number>();
    maps.forEach((m, i) => {
      const expected = predictRecursive(head, project(m));
      const got = read[i]!;
      expect(got.haltedAt).toBe(expected.haltedAt);
      expect(got.haltedAt).toBe(
        haltStep(
          got.steps.map((s) => s.haltProbability),
          head.haltThreshold!,
        ),
      );
      haltedAt.add(got.haltedAt);
      got.probabilities.forEach((p, k) => expect(p).toBeCloseTo(expected.probabilities[k]!, 4));
      expect(got.steps).toHaveLength(head.config.steps);
      got.steps.forEach((s, t) => {
        const e = expected.steps[t]!;
        s.probabilities.forEach((p, k) => expect(p).toBeCloseTo(e.probabilities[k]!, 4));
        expect(s.haltProbability).toBeCloseTo(e.haltProbability, 4);
        s.attention.forEach((a, j) => expect(a).toBeCloseTo(e.attention[j]!, 4));
      });
    });
    // The threshold splits the batch: both early exit and going on are checked.
    expect(haltedAt.size).toBeGreaterThan(1);
    await served.release();
  });

  it('answers one image with the halted step and one explanation step per step run', async () => {
    const { head, served, maps, project } = await servedHead();
    for (const m of maps.slice(0, 6)) {
      const expected = predictRecursive(head, project(m));
      const reading = await readMapHead(served, m);
      reading.probabilities.forEach((p, k) => expect(p).toBeCloseTo(expected.probabilities[k]!, 4));
      expect(reading.steps).toHaveLength(expected.haltedAt);
      reading.steps.forEach((s, t) => {
        expect(s.kind).toBe('reasoning');
        expect(s.data).toMatchObject({ step: t + 1, steps: 3, halted: t + 1 === expected.haltedAt });
        expect(s.data!['halt_probability']).toBeCloseTo(expected.steps[t]!.haltProbability, 4);
        expect(s.evidence!.values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      });
      expect(reading.evidence).toEqual(reading.steps.at(-1)!.evidence);

      const explanation = {
        steps: [
          { kind: 'observation' as const, text: 'saw' },
          { kind: 'confidence' as const, text: 'sure' },
        ],
        evidence: null,
        neighbors: [],
      };
      addMapHeadReading(explanation, reading);
      expect(explanation.steps.map((s) => s.kind)).toEqual([
        'observation',
        ...reading.steps.map(() => 'reasoning'),
        'confidence',
      ]);
      expect(explanation.evidence).toBe(reading.evidence);
    }
    await served.release();
  });

  it('refuses a feature-map head it has no reader for', async () => {
    const { served } = await servedHead();
    const other = new FeatureMapHead(
      { ...served.metadata, training: { algorithm: 'something_else' } },
      served.modelId,
      // Never run: the reader refuses before the session is used.
      null as unknown as ort.InferenceSession,
      DIM,
      SIDE,
    );
    await expect(readMapHead(other, new Float32Array(DIM * CELLS))).rejects.toThrow(/no reader/);
    await served.release();
  });
});
