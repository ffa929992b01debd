/**
 * The cloud predictor answers with a published feature-map primary (the recursive reasoning head, #15) as the
 * inference service does: on real PostgreSQL and a local blob store, a recursive head trained on real
 * bag-left-of-shoe composites (Fashion-MNIST items) is stored and published with its pooled OODD head; the
 * cloud's answer for unseen composites is the head's own reading of the image's map (libs/vision readMapHead on
 * the package loaded by loadFeatureMapHead), with the per-step reasoning after the observation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainCandidate, trainRecursiveCandidate } from '@intellioptics/learning';
import { bagLeftOfShoe } from '@intellioptics/learning/datasets';
import {
  fitTokenProjection,
  loadFeatureMapHead,
  projectTokens,
  readMapHead,
  type FeatureMapHead,
  type SpatialFeatures,
  type VisionEngine,
} from '@intellioptics/vision';
import { startLearningRig, storeBinaryDetector, type LearningRig } from '../../../test/support/learning-rig';
import type { LocalBlobStore } from '../../blob/local-blob.store';
import { createLogger } from '../../ops/logger';
import type { DetectorEntity } from '../detectors/detector.entity';
import { getPackage, putPackageSiblings } from '../learning/model-package.blobs';
import type { ModelVersionService } from '../model-versions/model-version.service';
import { VisionCloudPredictor } from './vision.cloud-predictor';

const CLASSES = ['YES', 'NO'];
const logger = createLogger('silent');

let rig: LearningRig;
let blobs: LocalBlobStore;
let engine: VisionEngine;
let models: ModelVersionService;

async function embed(pngs: Buffer[]): Promise<SpatialFeatures[]> {
  const out: SpatialFeatures[] = [];
  for (let i = 0; i < pngs.length; i += 16) {
    const tensors = await Promise.all(pngs.slice(i, i + 16).map((b) => engine.preprocess(b)));
    out.push(...(await engine.embedSpatialTensors(tensors)));
  }
  return out;
}

const createDetector = (name: string): Promise<DetectorEntity> =>
  storeBinaryDetector(rig, {
    name,
    query: 'Is the bag left of the shoe?',
    groupName: 'reasoning',
    reasoning: 'recursive',
  });

beforeAll(async () => {
  rig = await startLearningRig({ name: 'cloud-map-head' });
  ({ blobs, models, engine } = rig);
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

describe('the cloud predictor with a recursive-head primary', () => {
  it("answers with the head's reading of the image's map and its reasoning steps, as the edge does", async () => {
    const detector = await createDetector('bag left of shoe');

    // A recursive head and its pooled OODD head from real composites (few epochs: this is about serving).
    const train = await bagLeftOfShoe('train', 48, 71, 'cloud-predictor-train');
    const spatial = await embed(await train.png());
    const spec = {
      id: detector.id,
      mode: 'BINARY' as const,
      modeConfiguration: null,
      confidenceThreshold: 0.8,
    };
    const linear = trainCandidate({
      detector: spec,
      examples: spatial.map((s, i) => ({
        id: train.ids[i]!,
        features: s.pooled,
        label: CLASSES[train.labels[i]!]!,
      })),
      backbone: engine.backbone,
      pipeline: engine.pipeline,
    });
    const { featureDim: dim, featureMapSize: size } = engine.backbone;
    const projection = fitTokenProjection(
      spatial.map((s) => s.map),
      dim,
      size * size,
      { components: 32 },
    );
    const recursive = trainRecursiveCandidate({
      detector: spec,
      examples: spatial.map((s, i) => ({
        id: train.ids[i]!,
        tokens: projectTokens(projection, s.map),
        pooled: s.pooled,
        label: CLASSES[train.labels[i]!]!,
      })),
      projection,
      heldOutIds: linear.evaluation.exampleIds,
      inDomain: (f) => linear.predict(f).inDomain,
      backbone: engine.backbone,
      pipeline: engine.pipeline,
      settings: { epochs: 4 },
    });
    for (const [kind, pkg] of [
      ['oodd', linear.oodd],
      ['primary', recursive.primary],
    ] as const) {
      const mv = await models.create({
        detectorId: detector.id,
        kind,
        data: Buffer.from(pkg.modelBytes),
        metrics: {},
      });
      await putPackageSiblings(blobs, mv.blobKey, pkg, mv.id);
      expect((await models.publish(mv.id)).ok).toBe(true);
    }
    const published = await models.published(detector.id);

    // What the inference service reads from the same package and the same backbone pass.
    const served: FeatureMapHead = await loadFeatureMapHead(
      engine,
      await getPackage(blobs, published.primary!.blobKey),
    );
    const predictor = new VisionCloudPredictor({ models, blobs, engine: async () => engine, logger });
    const unseen = await bagLeftOfShoe('t10k', 6, 72, 'cloud-predictor-test');
    const pngs = await unseen.png();
    const maps = await embed(pngs);
    for (let i = 0; i < pngs.length; i++) {
      const edge = await readMapHead(served, maps[i]!.map);
      const best = edge.probabilities.indexOf(Math.max(...edge.probabilities));
      const answer = await predictor.predict({ detector, image: pngs[i]!, mime: 'image/png' });
      expect(answer).toMatchObject({
        kind: 'prediction',
        modelVersionId: published.primary!.id,
        result: { result_type: 'binary_classification', label: CLASSES[best] },
      });
      if (answer.kind !== 'prediction') throw new Error('no prediction');
      expect(answer.rawConfidence).toBeCloseTo(edge.probabilities[best]!, 5);
      // The head's refinement steps right after what the model saw; the halted step's map is the evidence.
      const kinds = answer.explanation!.steps.map((s) => s.kind);
      expect(kinds[0]).toBe('observation');
      expect(kinds.slice(1, 1 + edge.steps.length)).toEqual(edge.steps.map(() => 'reasoning'));
      expect(kinds.filter((k) => k === 'reasoning')).toHaveLength(edge.steps.length);
      expect(answer.explanation!.steps.slice(1, 1 + edge.steps.length)).toEqual(edge.steps);
      expect(answer.explanation!.evidence).toEqual(edge.evidence);
    }
    await served.release();

    // A map head the cloud has no reader for (another algorithm) answers "no model": the query goes to review.
    const other = await createDetector('unread map head');
    const unread = {
      ...recursive.primary,
      metadata: { ...recursive.primary.metadata, training: { algorithm: 'no_reader_for_this' } },
    };
    const mv = await models.create({
      detectorId: other.id,
      kind: 'primary',
      data: Buffer.from(unread.modelBytes),
      metrics: {},
    });
    await putPackageSiblings(blobs, mv.blobKey, unread, mv.id);
    expect((await models.publish(mv.id)).ok).toBe(true);
    expect(await predictor.predict({ detector: other, image: pngs[0]!, mime: 'image/png' })).toEqual({
      kind: 'no_model',
    });
  }, 300_000);
});
