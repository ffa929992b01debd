/**
 * COUNT for a class outside COCO through the real server: a density package trained from reviewers' boxes on
 * coin crops (libs/vision test-coins: top two rows of coins.png) is installed as the detector's primary, and
 * crops of the bottom two rows (other coins) are POSTed to /infer. Asserted: schema-valid COUNT answers from the
 * trained model with a count part that agrees with the label and the Groundlight CountingResult, an explanation
 * whose evidence is the density map, the density detector answered in the same request (same backbone pass) as
 * a softmax detector, and held-out MAE at most ⅔ of always answering the training mean (measured here).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectorAnswer } from '@intellioptics/schema';
import { groundlightAnswer, parseInferResponse } from '@intellioptics/schema';
import type { BoxedMap } from '@intellioptics/vision';
import {
  buildDensityPackage,
  installModelPackage,
  trainDensityHead,
  VisionEngine,
} from '@intellioptics/vision';
import { coinCrops, cropPng, reviewerBoxes } from '@intellioptics/vision/test-coins';
import { parseEnv } from '../src/config/env';
import type { InferenceServer } from '../src/server';
import { buildServer } from '../src/server';
import { fixture, installAs, memoryLogger, tmpRoot, trainPackages } from './helpers';

const MAX_COUNT = 5;
let root: string;
let server: InferenceServer;
let api: string;
let coins: Buffer;
let trainMean: number;

beforeAll(async () => {
  root = await tmpRoot();
  const engine = await VisionEngine.create();
  const modelsDir = path.join(root, 'home', 'models');
  coins = await fixture('counting/coins.png');
  const train = coinCrops(50, 0, 0.5, 1);
  const maps = await engine.embedSpatialTensors(
    await Promise.all(train.map(async (c) => engine.preprocess(await cropPng(coins, c)))),
  );
  const examples: BoxedMap[] = train.map((c, i) => ({
    id: `iq_${i}`,
    map: maps[i]!.map,
    boxes: reviewerBoxes(c),
  }));
  trainMean = examples.reduce((s, e) => s + e.boxes.length, 0) / examples.length;
  const trained = trainDensityHead(examples, engine.backbone.featureDim, engine.backbone.featureMapSize, {
    l2: 1e-3,
  });
  const pkg = buildDensityPackage({
    trained,
    maxCount: MAX_COUNT,
    className: 'coins',
    pipeline: engine.pipeline,
    backbone: engine.backbone,
    detectorId: 'det_coins',
    createdAt: new Date().toISOString(),
  });
  await installModelPackage(modelsDir, 'det_coins', pkg, 1);
  await installAs(
    await trainPackages(engine, root, 'brick', { YES: ['brick'], NO: ['grass', 'gravel'] }),
    modelsDir,
    'det_brick',
    1,
  );
  const config = parseEnv({
    IO_HOME: path.join(root, 'home'),
    INFERENCE_HOST: '127.0.0.1',
    INFERENCE_PORT: '0',
    INFERENCE_HEALTH_PORT: '0',
    INFERENCE_MODEL_POLL_MS: '60000',
  });
  server = buildServer({ config, logger: memoryLogger().logger, createEngine: async () => engine });
  api = `http://127.0.0.1:${(await server.listen()).apiPort}`;
  await server.ready;
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

async function infer(query: string, body: Uint8Array): Promise<DetectorAnswer[]> {
  const res = await fetch(`${api}/infer?${query}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(res.status).toBe(200);
  const parsed = parseInferResponse(await res.json());
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.answers;
}

describe('a density-head primary answers COUNT through /infer', () => {
  it('counts unseen coins better than the constant, with a count part and a density explanation', async () => {
    const test = coinCrops(20, 0.5, 1, 2);
    const truth = test.map((c) => reviewerBoxes(c).length);
    const counts: number[] = [];
    for (const c of test) {
      const [a] = await infer('detector_id=det_coins', await cropPng(coins, c));
      expect(a).toMatchObject({ mode: 'COUNT', answered_by: 'trained_model', in_domain_probability: null });
      expect(a!.adjusted_confidence).toBe(a!.confidence); // no OODD package: nothing to adjust by
      const count = a!.count!;
      expect(count.greater_than_max).toBe(a!.label.name === 'GREATER_THAN_MAX');
      expect(count.count).toBe(count.greater_than_max ? MAX_COUNT : Number(a!.label.name));
      expect(count.confidence).toBe(a!.confidence);
      expect(a!.confidence).toBe(Math.max(...Object.values(a!.probabilities)));
      const gl = groundlightAnswer(a!, {
        confidence: a!.adjusted_confidence,
        source: 'ALGORITHM',
        fromEdge: true,
        modeConfiguration: { class_name: 'coins', max_count: MAX_COUNT },
      });
      if (!gl.ok) throw gl.error;
      expect(gl.value.result).toMatchObject({ result_type: 'counting', count: count.count });
      const e = a!.explanation!;
      expect(e.steps.map((s) => s.kind)).toEqual(['observation', 'observation']);
      expect(e.steps[1]!.text).toMatch(/density map of "coins" sums to \d+\.\d\d over the 7×7 cells/);
      expect(e.evidence).toMatchObject({ rows: 7, cols: 7, label: a!.label.name });
      // The map is the density itself: its cells sum to the unrounded count in the step.
      const sum = e.evidence!.values.reduce((s, v) => s + v, 0);
      expect(Math.abs(sum - Number(e.steps[1]!.data!['density_count']))).toBeLessThan(1e-3);
      expect(e.evidence!.values.every((v) => v >= 0)).toBe(true);
      counts.push(count.count);
    }
    const mae = counts.reduce((s, n, i) => s + Math.abs(n - truth[i]!), 0) / test.length;
    const constant = truth.reduce((s, t) => s + Math.abs(t - trainMean), 0) / test.length;
    console.log(
      `/infer coin counts: MAE ${mae.toFixed(3)} vs constant ${constant.toFixed(3)} on ${test.length}`,
    );
    expect(mae).toBeLessThanOrEqual((2 * constant) / 3);
  });

  it('is answered in the same request as a softmax detector (one backbone pass for both)', async () => {
    const c = coinCrops(1, 0.5, 1, 3)[0]!;
    const image = await cropPng(coins, c);
    const [alone] = await infer('detector_id=det_coins', image);
    const [density, brick] = await infer('detector_ids=det_coins,det_brick', image);
    expect(density).toMatchObject({ detector_id: 'det_coins', mode: 'COUNT', count: alone!.count });
    expect(density!.probabilities).toEqual(alone!.probabilities);
    expect(brick).toMatchObject({ detector_id: 'det_brick', mode: 'BINARY', answered_by: 'trained_model' });
  });
});
