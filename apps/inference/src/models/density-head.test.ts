/**
 * A class outside COCO served from a density-head package: trained from reviewers' boxes on coin crops
 * (libs/vision test-coins: top two rows of coins.png), exported as a feature-map package, written to disk, read
 * back, loaded on the service's engine and answered by answerDensityMap on the spatial map of ONE backbone pass
 * that also gives the pooled vector. Held-out: crops of the bottom rows. Asserted: Groundlight COUNT answers
 * (schema-valid, count part, trained_model), the count equal to the head's own, no OODD → adjusted = raw, and
 * held-out MAE below ⅔ of the constant's (measured in libs/vision density-package.test.ts: 0.765 vs 1.495).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DetectorAnswerSchema } from '@intellioptics/schema';
import type { BoxedMap } from '@intellioptics/vision';
import {
  buildDensityPackage,
  loadFeatureMapHead,
  readModelPackage,
  trainDensityHead,
  VisionEngine,
  writeModelPackage,
} from '@intellioptics/vision';
import { coinCrops, cropPng, reviewerBoxes } from '@intellioptics/vision/test-coins';
import { fixture } from '@intellioptics/vision/test-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerDensityMap } from './density-head';

describe('answerDensityMap: COUNT for a class outside COCO from a density package', () => {
  let engine: VisionEngine;
  let dir: string;
  beforeAll(async () => {
    engine = await VisionEngine.create();
    dir = await mkdtemp(path.join(tmpdir(), 'io-density-serve-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains, exports, serves and counts unseen coins', async () => {
    const image = await fixture('counting/coins.png');
    const spatial = async (cs: ReturnType<typeof coinCrops>) =>
      engine.embedSpatialTensors(
        await Promise.all(cs.map(async (c) => engine.preprocess(await cropPng(image, c)))),
      );
    const train = coinCrops(50, 0, 0.5, 1);
    const trainMaps = await spatial(train);
    const examples: BoxedMap[] = train.map((c, i) => ({
      id: `iq_${i}`,
      map: trainMaps[i]!.map,
      boxes: reviewerBoxes(c),
    }));
    const cells = engine.backbone.featureMapSize;
    const trained = trainDensityHead(examples, engine.backbone.featureDim, cells, { l2: 1e-3 });
    const pkg = buildDensityPackage({
      trained,
      maxCount: 5,
      className: 'coins',
      pipeline: engine.pipeline,
      backbone: engine.backbone,
      detectorId: 'det_coins',
      createdAt: new Date().toISOString(),
    });
    await writeModelPackage(path.join(dir, 'primary', '1'), pkg);
    const head = await loadFeatureMapHead(engine, await readModelPackage(path.join(dir, 'primary', '1')));

    const test = coinCrops(20, 0.5, 1, 2);
    const features = await spatial(test);
    const truth = test.map((c) => reviewerBoxes(c).length);
    const answers = [];
    for (const f of features)
      answers.push(
        await answerDensityMap(
          {
            detectorId: 'det_coins',
            head,
            primary: { version: 1, model_id: head.modelId },
            oodd: null,
            inDomain: null,
          },
          f,
        ),
      );
    for (const a of answers) {
      expect(DetectorAnswerSchema.parse(a)).toEqual(a);
      expect(a).toMatchObject({ mode: 'COUNT', answered_by: 'trained_model', in_domain_probability: null });
      expect(a.adjusted_confidence).toBe(a.confidence);
      expect(a.count!.greater_than_max).toBe(a.label.name === 'GREATER_THAN_MAX');
      expect(a.count!.count).toBe(a.count!.greater_than_max ? 5 : Number(a.label.name));
    }
    const mean = examples.reduce((s, e) => s + e.boxes.length, 0) / examples.length;
    const mae = answers.reduce((s, a, i) => s + Math.abs(a.count!.count - truth[i]!), 0) / test.length;
    const constant = truth.reduce((s, t) => s + Math.abs(t - mean), 0) / test.length;
    console.log(
      `served coin counts: MAE ${mae.toFixed(3)} vs constant ${constant.toFixed(3)} on ${test.length}`,
    );
    expect(mae).toBeLessThanOrEqual((2 * constant) / 3);
    await head.release();
  });
});
