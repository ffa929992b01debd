/**
 * The worker's count learners on real images (no database): the density head for a class outside COCO from
 * reviewers' boxes on coin crops (libs/vision test-coins), and a COCO detector's own count calibration from
 * reviewer counts of person images (libs/vision test-counts: windows and composites of the repo's photos).
 */
import { loadFeatureMapHead, ObjectDetector, VisionEngine } from '@intellioptics/vision';
import { coinCrops, cropPng, reviewerBoxes } from '@intellioptics/vision/test-coins';
import { labelledCounts } from '@intellioptics/vision/test-counts';
import { fixture } from '@intellioptics/vision/test-fixtures';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BoxedImage } from './count-heads.train';
import {
  boxesOfLabel,
  densityClassOf,
  fitDetectorCountCalibration,
  MIN_DENSITY_IMAGES,
  trainDensityCountPackage,
} from './count-heads.train';

describe('densityClassOf, boxesOfLabel', () => {
  it.each<[string, Record<string, unknown> | null, string | null]>([
    ['COUNT', { class_name: 'coins' }, 'coins'],
    ['COUNT', { class_name: 'people' }, null],
    ['BOUNDING_BOX', { class_name: 'coins' }, null],
    ['COUNT', null, null],
  ])('%s %j → %s', (mode, config, expected) => {
    expect(densityClassOf(mode as 'COUNT', config)).toBe(expected);
  });

  it('uses ROIs, a bare "0" as no boxes, and drops a count without boxes', () => {
    const roi = {
      label: 'coin',
      score: 1,
      geometry: { left: 0.1, top: 0.2, right: 0.3, bottom: 0.4, x: 0.2, y: 0.3 },
    };
    expect(boxesOfLabel({ label: '1', rois: [roi] })).toEqual([
      { left: 0.1, top: 0.2, right: 0.3, bottom: 0.4 },
    ]);
    expect(boxesOfLabel({ label: '0', rois: null })).toEqual([]);
    expect(boxesOfLabel({ label: '3', rois: [] })).toBeNull();
  });
});

describe('trainDensityCountPackage on reviewers’ coin boxes', () => {
  let engine: VisionEngine;
  let coins: Buffer;
  beforeAll(async () => {
    engine = await VisionEngine.create();
    coins = await fixture('counting/coins.png');
  });

  const boxed = async (cs: ReturnType<typeof coinCrops>): Promise<BoxedImage[]> =>
    Promise.all(
      cs.map(async (c, i) => ({ id: `iq_${i}`, image: await cropPng(coins, c), boxes: reviewerBoxes(c) })),
    );

  it('waits for enough boxed images', async () => {
    const r = await trainDensityCountPackage({
      engine,
      detector: { id: 'det_c', modeConfiguration: { class_name: 'coins' } },
      images: await boxed(coinCrops(MIN_DENSITY_IMAGES - 1, 0, 0.5, 1)),
    });
    expect(r).toMatchObject({ kind: 'skipped' });
    expect(r.kind === 'skipped' && r.reason).toMatch(/9 images with reviewer boxes for "coins"/);
  });

  it('trains a COUNT feature-map package that counts unseen coins better than the constant', async () => {
    const r = await trainDensityCountPackage({
      engine,
      detector: { id: 'det_c', modeConfiguration: { class_name: 'coins', max_count: 6 } },
      images: [
        ...(await boxed(coinCrops(50, 0, 0.5, 1))),
        { id: 'bad', image: new Uint8Array([1, 2, 3]), boxes: [] },
      ],
    });
    if (r.kind !== 'trained') throw new Error(r.reason);
    console.log(r.log.join('\n'));
    const meta = r.pkg.metadata;
    expect(meta).toMatchObject({ kind: 'primary', mode: 'COUNT', detector_id: 'det_c' });
    expect(meta.input.source).toBe('backbone_feature_map');
    expect(meta.training).toMatchObject({ algorithm: 'density_map', class_name: 'coins', max_count: 6 });
    expect(meta.class_names).toEqual(['0', '1', '2', '3', '4', '5', '6', 'GREATER_THAN_MAX']);
    expect(r.trained.metrics.train_examples + r.trained.metrics.held_out_examples).toBe(50); // 'bad' unreadable
    const head = await loadFeatureMapHead(engine, r.pkg);
    const test = coinCrops(20, 0.5, 1, 2);
    const maps = (
      await engine.embedSpatialTensors(
        await Promise.all(test.map(async (c) => engine.preprocess(await cropPng(coins, c)))),
      )
    ).map((s) => s.map);
    const counts = (await head.runMaps(maps))['count']!.data;
    const truth = test.map((c) => reviewerBoxes(c).length);
    const mean = coinCrops(50, 0, 0.5, 1).reduce((s, c) => s + reviewerBoxes(c).length, 0) / 50;
    const mae = truth.reduce((s, t, i) => s + Math.abs(counts[i]! - t), 0) / truth.length;
    const constant = truth.reduce((s, t) => s + Math.abs(mean - t), 0) / truth.length;
    console.log(`worker density head: unseen MAE ${mae.toFixed(3)} vs constant ${constant.toFixed(3)}`);
    expect(mae).toBeLessThanOrEqual((2 * constant) / 3);
    await head.release();
  });
});

describe('fitDetectorCountCalibration on reviewer person counts', () => {
  it('fits when enough labels exist, measured 2-fold; skips too few and non-COCO classes', async () => {
    const detector = await ObjectDetector.load();
    const counted = (await labelledCounts('train', 80, 5)).map((c, i) => ({
      id: `iq_${i}`,
      image: c.image,
      label: String(c.count),
    }));
    const spec = { mode: 'COUNT' as const, modeConfiguration: { class_name: 'people', max_count: 10 } };
    const r = await fitDetectorCountCalibration({ detector, spec, images: counted });
    if (r.kind !== 'fitted') throw new Error(r.reason);
    console.log(r.log.join('\n'));
    expect(r.calibration.fitted_examples).toBe(80);
    expect(r.calibration.held_out).toHaveLength(2);
    // Measured against the shipped calibration on the same held-out halves (the worker's ship rule).
    expect(r.calibration.held_out!.every((f) => Number.isFinite(f.ece_shipped))).toBe(true);
    expect(r.heldOut.examples).toBe(80);
    expect(r.calibration.weights.every(Number.isFinite)).toBe(true);
    const few = await fitDetectorCountCalibration({ detector, spec, images: counted.slice(0, 10) });
    expect(few).toMatchObject({ kind: 'skipped' });
    const coinsSpec = { mode: 'COUNT' as const, modeConfiguration: { class_name: 'coins' } };
    expect(await fitDetectorCountCalibration({ detector, spec: coinsSpec, images: counted })).toMatchObject({
      kind: 'skipped',
    });
    await detector.release();
  }, 120_000);
});
