/**
 * A detector's own count calibration through the real server: a calibration package (libs/vision
 * count-calibration.package.ts, as the training worker ships it for a COCO class) installed as the detector's
 * primary makes the COCO detector answer it, with that calibration in place of the shipped one. The maps here
 * are chosen so the expected confidence follows from the answer's count alone: sigmoid(bias + w·log1p(count)).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectorAnswer } from '@intellioptics/schema';
import { parseInferResponse } from '@intellioptics/schema';
import type { CountCalibration } from '@intellioptics/vision';
import { buildCountCalibrationPackage, installModelPackage, VisionEngine } from '@intellioptics/vision';
import { parseEnv } from '../src/config/env';
import type { InferenceServer } from '../src/server';
import { buildServer } from '../src/server';
import { fixture, memoryLogger, tmpRoot } from './helpers';

let root: string;
let server: InferenceServer;
let api: string;

const calibration = (weights: number[], bias: number): CountCalibration => ({
  method: 'logistic',
  features: ['logit_raw', 'log1p_count'],
  weights,
  bias,
  fitted_examples: 80,
  source: 'test',
});
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

beforeAll(async () => {
  root = await tmpRoot();
  const engine = await VisionEngine.create();
  const modelsDir = path.join(root, 'home', 'models');
  const install = async (id: string, cal: CountCalibration, maxCount: number) =>
    installModelPackage(
      modelsDir,
      id,
      buildCountCalibrationPackage({
        calibration: cal,
        className: 'people',
        maxCount,
        labelsPerClass: [5, 30, 20, 10],
        pipeline: engine.pipeline,
        backbone: engine.backbone,
        detectorId: id,
        metrics: { held_out_ece: 0.05 },
        createdAt: new Date().toISOString(),
      }),
      1,
    );
  await install('det_flat', calibration([0, 0], Math.log(0.3 / 0.7)), 10);
  await install('det_by_count', calibration([0, -1], 2), 10);
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

async function answer(query: string, body: Uint8Array): Promise<DetectorAnswer> {
  const res = await fetch(`${api}/infer?${query}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(res.status).toBe(200);
  const parsed = parseInferResponse(await res.json());
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.answers[0]!;
}

describe('a calibration package: the COCO detector answers with the detector’s own count calibration', () => {
  it('counts as the built-in detector does, with the package’s confidence', async () => {
    const image = await fixture('detection/street-010.jpg');
    const shipped = await answer('detector_id=det_ref&mode=COUNT&class_name=people&max_count=10', image);
    const flat = await answer('detector_id=det_flat', image);
    const byCount = await answer('detector_id=det_by_count', image);
    expect(shipped.count!.count).toBeGreaterThan(0);
    for (const a of [flat, byCount]) {
      expect(a).toMatchObject({ mode: 'COUNT', answered_by: 'coco_detector', in_domain_probability: null });
      expect(a.count).toMatchObject({ count: shipped.count!.count, rois: shipped.count!.rois });
      expect(a.adjusted_confidence).toBe(a.confidence);
      expect(a.count!.confidence).toBe(a.confidence);
    }
    expect(flat.confidence).toBeCloseTo(0.3, 6);
    expect(byCount.confidence).toBeCloseTo(sigmoid(2 - Math.log1p(shipped.count!.count)), 6);
    expect(flat.confidence).not.toBeCloseTo(shipped.confidence, 3);
  });

  it('a count of zero, and the request’s spec (max_count) over the package’s', async () => {
    const a = await answer('detector_id=det_by_count', await fixture('photos/coffee.png'));
    expect(a.count!.count).toBe(0);
    expect(a.confidence).toBeCloseTo(sigmoid(2), 6);
    const capped = await answer(
      'detector_id=det_by_count&mode=COUNT&class_name=person&max_count=2',
      await fixture('detection/street-010.jpg'),
    );
    expect(capped.count).toMatchObject({ count: 2, greater_than_max: true });
    expect(capped.label.name).toBe('GREATER_THAN_MAX');
  });
});
