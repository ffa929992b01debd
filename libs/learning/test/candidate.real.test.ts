import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readModelPackage, VisionEngine, writeModelPackage } from '@intellioptics/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  evaluatePredictions,
  decidePromotion,
  NotEnoughLabelsError,
  trainCandidate,
  type LabelledExample,
  type TrainCandidateInput,
} from '../src/index';
import { embedFolder, type EmbeddedImage } from './real-images.helper';

let engine: VisionEngine;
let brick: EmbeddedImage[];
let grass: EmbeddedImage[];
let gravel: EmbeddedImage[];
let digits: EmbeddedImage[];

beforeAll(async () => {
  engine = await VisionEngine.create({ intraOpNumThreads: 1 });
  brick = await embedFolder(engine, 'textures/brick', 'brick');
  grass = await embedFolder(engine, 'textures/grass', 'grass');
  gravel = await embedFolder(engine, 'textures/gravel', 'gravel');
  digits = await embedFolder(engine, 'ood', 'digits');
});
afterAll(async () => {
  await engine?.release();
});

const labelled = (images: EmbeddedImage[], label: string): LabelledExample[] =>
  images.map((i) => ({ id: i.id, features: i.features, label }));

function binaryInput(over: Partial<TrainCandidateInput> = {}): TrainCandidateInput {
  return {
    detector: { id: 'det_brick', mode: 'BINARY', confidenceThreshold: 0.8 },
    examples: [
      ...labelled(brick, 'YES'),
      ...labelled(grass, 'NO'),
      { ...labelled(grass, 'UNCLEAR')[0]!, id: 'x' },
    ],
    outOfDomain: digits.map((d) => d.features),
    backbone: engine.backbone,
    pipeline: engine.pipeline,
    now: () => new Date('2026-01-02T03:04:05Z'),
    ...over,
  };
}

describe('trainCandidate on real images (brick vs grass, digits out of domain)', () => {
  it('trains, evaluates on held-out images and stores the metrics in both packages', () => {
    const stages: string[] = [];
    const cand = trainCandidate(binaryInput({ onProgress: (p) => stages.push(p.stage) }));
    expect(cand.classNames).toEqual(['YES', 'NO']);
    expect(cand.skippedLabels).toBe(1); // UNCLEAR
    expect(cand.examplesPerClass).toEqual({ YES: 12, NO: 12 });
    expect(cand.evaluation.n).toBeGreaterThanOrEqual(2);
    expect(new Set(cand.heldOutLabels)).toEqual(new Set([0, 1]));
    expect(cand.evaluation.accuracy).toBe(1); // textures are linearly separable in this feature space
    expect(cand.calibration.reason).toBe('TOO_FEW_EXAMPLES');
    expect(cand.metrics.oodd_auroc).toBeGreaterThan(0.95);
    for (const key of ['accuracy', 'ece', 'escalation_rate', 'recall.YES', 'recall.NO', 'train_seconds'])
      expect(cand.metrics).toHaveProperty([key]);
    expect(cand.primary.metadata.metrics).toEqual(cand.metrics);
    expect(cand.oodd.metadata.metrics).toEqual(cand.metrics);
    expect(cand.primary.metadata).toMatchObject({
      kind: 'primary',
      mode: 'BINARY',
      detector_id: 'det_brick',
    });
    expect(cand.oodd.metadata.calibration).toMatchObject({ method: 'sigmoid_distance' });
    expect(stages).toEqual(['split', 'calibration', 'primary', 'oodd', 'evaluation', 'package']);
  });

  it('publishes ONNX heads that compute what the candidate predicts', async () => {
    const cand = trainCandidate(binaryInput());
    const primary = await engine.loadHead(cand.primary);
    const oodd = await engine.loadHead(cand.oodd);
    const probe = [...brick, ...grass, ...digits, ...gravel].map((i) => i.features);
    const [p, o] = await Promise.all([primary.run(probe), oodd.run(probe)]);
    probe.forEach((f, i) => {
      const expected = cand.predict(f);
      const pi = p[i]!;
      const oi = o[i]!;
      if (pi.kind !== 'primary' || oi.kind !== 'oodd') throw new Error('wrong head kind');
      pi.probabilities.forEach((v, k) => expect(v).toBeCloseTo(expected.probabilities[k]!, 4));
      expect(oi.inDomainProbability).toBeCloseTo(expected.inDomain!, 3);
    });
    await primary.release();
    await oodd.release();
  });

  it('gates out-of-domain images: digits get a lower in-domain probability than held-out textures', () => {
    const cand = trainCandidate(binaryInput());
    const heldIds = new Set(cand.evaluation.exampleIds);
    const inDomain = [...brick, ...grass]
      .filter((i) => heldIds.has(i.id))
      .map((i) => cand.predict(i.features));
    const out = digits.map((d) => cand.predict(d.features));
    expect(Math.max(...out.map((p) => p.inDomain!))).toBeLessThan(
      Math.min(...inDomain.map((p) => p.inDomain!)),
    );
  });

  it('writes packages that read back with a verified sha256', async () => {
    const cand = trainCandidate(binaryInput({ modelIds: { primary: 'mv_primary_1', oodd: 'mv_oodd_1' } }));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'learning-'));
    try {
      const back = await readModelPackage(
        await writeModelPackage(path.join(dir, 'primary', '1'), cand.primary),
      );
      expect(back.modelId).toBe('mv_primary_1');
      expect(back.metadata.model_sha256).toBe(cand.primary.metadata.model_sha256);
      expect(back.metadata.metrics).toEqual(cand.metrics);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('trains a multi-class detector in the configured class order', () => {
    const cand = trainCandidate(
      binaryInput({
        detector: {
          id: 'det_tex',
          mode: 'MULTI_CLASS',
          modeConfiguration: { class_names: ['gravel', 'grass', 'brick'] },
          confidenceThreshold: 0.7,
        },
        examples: [...labelled(brick, 'brick'), ...labelled(grass, 'grass'), ...labelled(gravel, 'gravel')],
      }),
    );
    expect(cand.classNames).toEqual(['gravel', 'grass', 'brick']);
    expect(cand.evaluation.accuracy).toBeGreaterThanOrEqual(0.8);
    const p = cand.predict(gravel[0]!.features).probabilities;
    expect(p.indexOf(Math.max(...p))).toBe(0);
  });

  it('refuses to train without two classes of two labels', () => {
    expect(() =>
      trainCandidate(
        binaryInput({ examples: [...labelled(brick, 'YES'), ...labelled(grass.slice(0, 1), 'NO')] }),
      ),
    ).toThrow(NotEnoughLabelsError);
  });

  it('a candidate trained on wrong labels is refused against the current version on the same held-out images', () => {
    const current = trainCandidate(binaryInput());
    const held = new Set(current.evaluation.exampleIds);
    // Every label outside the current version's held-out set flipped; the held-out labels stay true.
    const flip = (label: string): string => (label === 'YES' ? 'NO' : 'YES');
    const examples = [...labelled(brick, 'YES'), ...labelled(grass, 'NO')];
    const bad = trainCandidate(
      binaryInput({ examples: examples.map((e) => (held.has(e.id) ? e : { ...e, label: flip(e.label) })) }),
    );
    const truth = examples.filter((e) => held.has(e.id));
    const on = (cand: typeof current) =>
      evaluatePredictions({
        exampleIds: truth.map((e) => e.id),
        labels: truth.map((e) => (e.label === 'YES' ? 0 : 1)),
        predictions: truth.map((e) => cand.predict(e.features)),
        classNames: cand.classNames,
        threshold: 0.8,
      });
    const config = { minHeldOut: 4 };
    const refused = decidePromotion({ candidate: on(bad), current: on(current), config });
    expect(refused).toMatchObject({ publish: false, reason: expect.stringMatching(/^ACCURACY/) as unknown });
    expect(refused.numbers.candidateWrongCurrentRight).toBeGreaterThanOrEqual(4);
    // The clean candidate against itself is not worse.
    expect(decidePromotion({ candidate: on(current), current: on(current), config }).publish).toBe(true);
  });
});
