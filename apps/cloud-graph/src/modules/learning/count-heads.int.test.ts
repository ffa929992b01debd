/**
 * A COUNT detector for a class outside COCO ("coins") learns from reviewers' boxes stored in PostgreSQL: image
 * queries of coin crops (libs/vision test-coins) with their images in a local blob store, labels with ROIs (one
 * image relabelled, so only its latest label counts; one labelled "3" without boxes, which cannot train a
 * density head), then latestBoxLabels → boxesOfLabel → trainDensityCountPackage on the real backbone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Roi } from '@intellioptics/schema';
import { newId } from '@intellioptics/schema';
import { createPubSub } from 'graphql-yoga';
import type { PubSubTopics } from '@intellioptics/schema';
import { densityCountAnswer, loadFeatureMapHead, VisionEngine } from '@intellioptics/vision';
import { createLogger } from '../../ops/logger';
import { ModelVersion } from '../model-versions/model-version.entity';
import { ModelVersionService } from '../model-versions/model-version.service';
import { getPackage } from './model-package.blobs';
import { coinCrops, cropPng, reviewerBoxes } from '@intellioptics/vision/test-coins';
import { fixture } from '@intellioptics/vision/test-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-db';
import { LocalBlobStore } from '../../blob/local-blob.store';
import { initOrm, type Orm } from '../../db/orm';
import { Detector } from '../detectors/detector.entity';
import { ImageQuery, Label } from '../image-queries/image-query.entity';
import type { BoxedImage } from './count-heads.train';
import {
  boxesOfLabel,
  densityClassOf,
  latestBoxLabels,
  trainDensityCountPackage,
  trainDensityForJob,
} from './count-heads.train';

let db: TestDatabase;
let orm: Orm;
let blobDir: string;
let blobs: LocalBlobStore;
let engine: VisionEngine;

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await initOrm(db.url, { poolMax: 2, debug: false });
  blobDir = await mkdtemp(path.join(os.tmpdir(), 'count-heads-blobs-'));
  blobs = new LocalBlobStore({
    dir: blobDir,
    signingSecret: null,
    publicBaseUrl: () => 'http://127.0.0.1:1',
  });
  engine = await VisionEngine.create({ intraOpNumThreads: 1 });
});

afterAll(async () => {
  await engine?.release();
  await orm?.close();
  await db?.drop();
  if (blobDir) await rm(blobDir, { recursive: true, force: true });
});

const roisOf = (boxes: ReturnType<typeof reviewerBoxes>): Roi[] =>
  boxes.map((b) => ({
    label: 'coin',
    score: 1,
    geometry: { ...b, x: (b.left + b.right) / 2, y: (b.top + b.bottom) / 2 },
  }));

describe('density head from reviewers’ boxes in PostgreSQL', () => {
  let detectorId: string;
  it('reads the latest boxed labels and trains a COUNT package for the class', async () => {
    const em = orm.em.fork();
    const config = { class_name: 'coins', max_count: 6 };
    const d = em.create(Detector, {
      id: newId('detector'),
      name: 'coins',
      query: 'How many coins?',
      groupName: 'count-heads',
      mode: 'COUNT',
      modeConfiguration: config,
      confidenceThreshold: 0.8,
      patienceTime: 30,
      status: 'ON',
      escalationType: 'STANDARD',
    });
    expect(densityClassOf(d.mode, d.modeConfiguration)).toBe('coins');
    detectorId = d.id;
    const coins = await fixture('counting/coins.png');
    const crops = coinCrops(30, 0, 0.5, 1);
    const iqs: string[] = [];
    for (const [i, c] of crops.entries()) {
      const bytes = await cropPng(coins, c);
      const imageKey = `images/coins-${i}.png`;
      await blobs.put(imageKey, bytes, 'image/png');
      const iq = em.create(ImageQuery, {
        id: newId('imageQuery'),
        detector: d.id,
        query: 'How many coins?',
        resultType: 'counting',
        patienceTime: 30,
        confidenceThreshold: 0.8,
        imageKey,
        imageMime: 'image/png',
        imageBytes: bytes.length,
        submittedBy: 'usr_test',
      });
      iqs.push(iq.id);
    }
    await em.flush();
    const label = (iq: string, value: string, rois: Roi[] | null, at: Date) =>
      em.create(Label, {
        id: newId('label'),
        imageQuery: iq,
        label: value,
        rois,
        source: 'USER',
        confidence: 1,
        labeledBy: 'usr_reviewer',
        createdAt: at,
      });
    const t0 = new Date(Date.now() - 60_000);
    crops.forEach((c, i) => {
      const boxes = reviewerBoxes(c);
      if (i === 0) label(iqs[i]!, '1', roisOf(boxes.slice(0, 1)), t0); // corrected below
      if (i === 1)
        label(iqs[i]!, '3', null, new Date()); // a count without boxes
      else label(iqs[i]!, String(boxes.length), roisOf(boxes), new Date());
    });
    await em.flush();

    const rows = await latestBoxLabels(orm, d.id, null);
    expect(rows).toHaveLength(30);
    const first = rows.find((r) => r.image_query_id === iqs[0])!;
    expect(first.rois).toHaveLength(reviewerBoxes(crops[0]!).length); // the later label wins
    const images: BoxedImage[] = [];
    for (const r of rows) {
      const boxes = boxesOfLabel(r);
      if (!boxes) continue;
      images.push({ id: r.image_query_id, image: (await blobs.get(r.image_key))!.data, boxes });
    }
    expect(images).toHaveLength(29); // the "3" without boxes is left out

    const out = await trainDensityCountPackage({
      engine,
      detector: { id: d.id, modeConfiguration: config },
      images,
    });
    if (out.kind !== 'trained') throw new Error(out.reason);
    console.log(out.log.join('\n'));
    expect(out.pkg.metadata).toMatchObject({ mode: 'COUNT', detector_id: d.id });
    expect(out.pkg.metadata.training.algorithm).toBe('density_map');
    const m = out.trained.metrics;
    expect(m.train_examples + m.held_out_examples).toBe(29);
    expect(m.held_out_mae).toBeLessThan(m.held_out_mae_constant);
  }, 120_000);

  it('the job stores and publishes the package; read back from the blob store it counts unseen coins', async () => {
    const models = new ModelVersionService(orm, blobs, createPubSub<PubSubTopics>(), createLogger('silent'), {
      signedUrlTtlSeconds: 60,
    });
    const config = { class_name: 'coins', max_count: 6 };
    const r = await trainDensityForJob(
      { orm, blobs, models, engine },
      { id: 'job_none' },
      { id: detectorId, modeConfiguration: config },
    );
    console.log(r.summary);
    expect(r.outcome).toBe('PUBLISHED');
    const [mv] = await orm.em.fork().find(ModelVersion, { detector: detectorId, kind: 'primary' });
    expect(mv!.state).toBe('PUBLISHED');
    const pkg = await getPackage(blobs, mv!.blobKey);
    const head = await loadFeatureMapHead(engine, pkg);
    const coins = await fixture('counting/coins.png');
    const test = coinCrops(15, 0.5, 1, 2);
    const maps = (
      await engine.embedSpatialTensors(
        await Promise.all(test.map(async (c) => engine.preprocess(await cropPng(coins, c)))),
      )
    ).map((f) => f.map);
    const out = await head.runMaps(maps);
    const truth = test.map((c) => reviewerBoxes(c).length);
    const answers = test.map(
      (_, i) =>
        densityCountAnswer(
          detectorId,
          pkg.metadata,
          out,
          { primary: { version: 1, model_id: pkg.modelId }, oodd: null },
          i,
        ).answer,
    );
    const mean = coinCrops(30, 0, 0.5, 1).reduce((s, c) => s + reviewerBoxes(c).length, 0) / 30;
    const mae = answers.reduce((s, a, i) => s + Math.abs(a.count!.count - truth[i]!), 0) / truth.length;
    const constant = truth.reduce((s, t) => s + Math.abs(mean - t), 0) / truth.length;
    console.log(`published head on unseen crops: MAE ${mae.toFixed(3)} vs constant ${constant.toFixed(3)}`);
    expect(mae).toBeLessThan(constant);
    await head.release();
  }, 120_000);
});
