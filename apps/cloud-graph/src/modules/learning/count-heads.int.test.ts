/**
 * A COUNT detector for a class outside COCO ("coins") learns from reviewers' boxes stored in PostgreSQL: image
 * queries of coin crops (libs/vision test-coins) with their images in a local blob store, labels with ROIs (one
 * image relabelled, so only its latest label counts; one labelled "3" without boxes, which cannot train a
 * density head), then latestBoxLabels → boxesOfLabel → trainDensityCountPackage on the real backbone. Then the
 * training worker's own path (a queued job, runOnce): the coins detector's job trains and publishes a density
 * primary; a "people" detector (a COCO class) with reviewer counts of person images (libs/vision test-counts)
 * gets its own count calibration, shipped as a calibration package when it beats the shipped calibration's
 * held-out ECE, and no linear count classifier.
 */
import type { Roi } from '@intellioptics/schema';
import { newId } from '@intellioptics/schema';
import { createPubSub } from 'graphql-yoga';
import type { PubSubTopics } from '@intellioptics/schema';
import type { DensityReading } from '@intellioptics/vision';
import {
  calibratedCountConfidence,
  CANDIDATE_FLOOR,
  COUNT_CALIBRATION_ALGORITHM,
  countCalibrationOf,
  countScoreFeatures,
  DEFAULT_MIN_SCORE,
  ObjectDetector,
  densityCountAnswer,
  loadFeatureMapHead,
  readMapHead,
  type VisionEngine,
} from '@intellioptics/vision';
import { labelledCounts } from '@intellioptics/vision/test-counts';
import { createLogger } from '../../ops/logger';
import { ModelVersion } from '../model-versions/model-version.entity';
import { ModelVersionService } from '../model-versions/model-version.service';
import { getPackage } from './model-package.blobs';
import { VisionCloudPredictor } from '../image-queries/vision.cloud-predictor';
import { trainingWorkerConfig } from './training.config';
import { TrainingWorker } from './training.worker';
import { coinCrops, cropPng, reviewerBoxes } from '@intellioptics/vision/test-coins';
import { fixture } from '@intellioptics/vision/test-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLearningRig, type LearningRig } from '../../../test/support/learning-rig';
import type { LocalBlobStore } from '../../blob/local-blob.store';
import type { Orm } from '../../db/orm';
import { Detector } from '../detectors/detector.entity';
import { ImageQuery, Label } from '../image-queries/image-query.entity';
import type { BoxedImage } from './count-heads.train';
import {
  boxesOfLabel,
  densityClassOf,
  latestBoxLabels,
  MIN_DENSITY_IMAGES,
  trainCountHeadsForJob,
  trainDensityCountPackage,
  trainDensityForJob,
} from './count-heads.train';

let rig: LearningRig;
let orm: Orm;
let blobs: LocalBlobStore;
let engine: VisionEngine;

beforeAll(async () => {
  rig = await startLearningRig({ name: 'count-heads-blobs', poolMax: 2 });
  ({ orm, blobs, engine } = rig);
});

afterAll(async () => {
  await rig?.close();
});

const roisOf = (boxes: ReturnType<typeof reviewerBoxes>): Roi[] =>
  boxes.map((b) => ({
    label: 'coin',
    score: 1,
    geometry: { ...b, x: (b.left + b.right) / 2, y: (b.top + b.bottom) / 2 },
  }));

/** The coins detector of the first describe (its labels also feed the worker's density job). */
let detectorId: string;

describe('density head from reviewers’ boxes in PostgreSQL', () => {
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

function newWorker(): { worker: TrainingWorker; models: ModelVersionService } {
  const models = new ModelVersionService(orm, blobs, createPubSub<PubSubTopics>(), createLogger('silent'), {
    signedUrlTtlSeconds: 60,
  });
  const worker = new TrainingWorker({
    orm,
    blobs,
    models,
    engine: async () => engine,
    logger: createLogger('silent'),
    config: trainingWorkerConfig({}, { workerId: 'worker-count', leaseSeconds: 300 }),
  });
  return { worker, models };
}

async function countDetector(name: string, config: Record<string, unknown>): Promise<string> {
  const em = orm.em.fork();
  const d = em.create(Detector, {
    id: newId('detector'),
    name,
    query: `How many ${String(config['class_name'])}?`,
    groupName: 'count-heads',
    mode: 'COUNT',
    modeConfiguration: config,
    confidenceThreshold: 0.8,
    patienceTime: 30,
    status: 'ON',
    escalationType: 'STANDARD',
  });
  await em.flush();
  return d.id;
}

/** Image queries with their images in the blob store, each with one reviewer label (count, optional boxes). */
async function labelled(
  detectorId: string,
  items: readonly { image: Uint8Array; label: string; rois?: Roi[] | null }[],
  /** Fixed ids keep the worker's random halves (ordered by image query id) the same on every run. */
  idOf: (i: number) => string = () => newId('imageQuery'),
): Promise<void> {
  const em = orm.em.fork();
  for (const [i, it] of items.entries()) {
    const imageKey = `images/${detectorId}-${i}.jpg`;
    await blobs.put(imageKey, it.image, 'image/jpeg');
    const iq = em.create(ImageQuery, {
      id: idOf(i),
      detector: detectorId,
      query: 'How many?',
      resultType: 'counting',
      patienceTime: 30,
      confidenceThreshold: 0.8,
      imageKey,
      imageMime: 'image/jpeg',
      imageBytes: it.image.length,
      submittedBy: 'usr_test',
    });
    em.create(Label, {
      id: newId('label'),
      imageQuery: iq.id,
      label: it.label,
      rois: it.rois ?? null,
      source: 'USER',
      confidence: 1,
      labeledBy: 'usr_reviewer',
      createdAt: new Date(Date.now() - 1000),
    });
  }
  await em.flush();
}

describe('the training worker runs the COUNT learners', () => {
  it('a class outside COCO with too few boxed images leaves the job to the linear count classifier', async () => {
    const id = await countDetector('widgets', { class_name: 'widgets', max_count: 6 });
    const coins = await fixture('counting/coins.png');
    const crops = coinCrops(MIN_DENSITY_IMAGES + 2, 0, 0.5, 5);
    await labelled(
      id,
      await Promise.all(
        crops.map(async (c, i) => ({
          image: await cropPng(coins, c),
          label: String(reviewerBoxes(c).length),
          // Boxes on fewer images than the density head needs; the rest are bare counts.
          rois: i < MIN_DENSITY_IMAGES - 1 ? roisOf(reviewerBoxes(c)) : null,
        })),
      ),
    );
    const { models } = newWorker();
    const detector = {
      id,
      mode: 'COUNT' as const,
      modeConfiguration: { class_name: 'widgets', max_count: 6 },
    };
    expect(
      await trainCountHeadsForJob({ orm, blobs, models, engine }, { id: 'job_none' }, detector),
    ).toBeNull();
    const direct = await trainDensityForJob({ orm, blobs, models, engine }, { id: 'job_none' }, detector);
    expect(direct).toMatchObject({ outcome: 'REFUSED', skipped: true });
    expect(direct.summary).toMatch(/9 images with reviewer boxes for "widgets", 10 needed/);
  }, 120_000);

  it('a queued job of the coins detector trains and publishes a density primary', async () => {
    const { worker, models } = newWorker();
    const before = await models.published(detectorId);
    const jobId = await worker.jobs.enqueue(detectorId, 'MANUAL');
    expect(jobId).not.toBeNull();
    const job = await worker.runOnce();
    const log = job!.log.map((l) => l.message).join('\n');
    console.log(log);
    expect(job).toMatchObject({ id: jobId, state: 'SUCCEEDED', outcome: 'PUBLISHED' });
    expect(log).toMatch(/published density primary v\d+ .*held-out MAE [\d.]+ < constant [\d.]+/);
    const published = await models.published(detectorId);
    expect(published.primary!.id).not.toBe(before.primary!.id);
    expect(published.primary!.metrics).toMatchObject({ head: 'density_map', training_job_id: jobId });
    const pkg = await getPackage(blobs, published.primary!.blobKey);
    expect(pkg.metadata.training.algorithm).toBe('density_map');
    // No linear head and no OODD package: the density head is the detector's model.
    expect(await orm.em.fork().count(ModelVersion, { detector: detectorId, kind: 'oodd' })).toBe(0);

    // The cloud predictor answers with it as the edge does (libs/vision readMapHead → densityReading).
    const predictor = new VisionCloudPredictor({
      models,
      blobs,
      engine: async () => engine,
      logger: createLogger('silent'),
    });
    const head = await loadFeatureMapHead(engine, pkg);
    const detector = (await orm.em.fork().findOne(Detector, { id: detectorId }))!;
    const coins = await fixture('counting/coins.png');
    for (const c of coinCrops(4, 0.5, 1, 2)) {
      const image = await cropPng(coins, c);
      const p = await predictor.predict({ detector, image, mime: 'image/png' });
      if (p.kind !== 'prediction') throw new Error(p.kind);
      const [spatial] = await engine.embedSpatialTensors([await engine.preprocess(image)]);
      const edge = await readMapHead(head, spatial!.map);
      expect(p.modelVersionId).toBe(published.primary!.id);
      expect(p.result).toMatchObject({
        result_type: 'counting',
        count: (edge as DensityReading).count.count,
      });
      expect(p.result.confidence).toBeCloseTo(Math.max(...edge.probabilities), 5);
      expect(p.explanation?.evidence).toMatchObject({ rows: 7, cols: 7 });
    }
    await head.release();
  }, 180_000);

  it('a COCO-class detector gets its own count calibration from reviewer counts, not a linear classifier', async () => {
    const config = { class_name: 'people', max_count: 10 };
    const id = await countDetector('people', config);
    // A wide-shot camera: every image is a 2×2 composite (people small), where the COCO detector misses more
    // than on the mix the shipped calibration was fitted on.
    const counts = (await labelledCounts('test', 400, 11)).filter((c) => c.kind === 'composite').slice(0, 80);
    await labelled(
      id,
      counts.map((c) => ({ image: c.image, label: String(c.count) })),
      (i) => `iq_people${String(i).padStart(3, '0')}`,
    );
    const { worker, models } = newWorker();
    const jobId = await worker.jobs.enqueue(id, 'MANUAL');
    const job = await worker.runOnce();
    const log = job!.log.map((l) => l.message).join('\n');
    console.log(log);
    expect(job).toMatchObject({ id: jobId, state: 'SUCCEEDED' });
    const m = (job!.result as { metrics: Record<string, number> }).metrics;
    expect(m).toMatchObject({ head: COUNT_CALIBRATION_ALGORITHM, held_out_examples: counts.length });
    expect(job!.outcome).toBe(m['held_out_ece']! < m['held_out_ece_shipped']! ? 'PUBLISHED' : 'REFUSED');
    expect(job!.outcome).toBe('PUBLISHED');
    const published = await models.published(id);
    expect(published.oodd).toBeNull(); // no linear head was trained
    const pkg = await getPackage(blobs, published.primary!.blobKey);
    const cal = countCalibrationOf(pkg.metadata)!;
    expect(cal).toMatchObject({ method: 'logistic', fitted_examples: counts.length });
    // The better calibrated of the fitted map and the raw confidence (identity map) on the held-out halves.
    const rawWins = m['held_out_ece_raw']! < m['held_out_ece_fitted']!;
    expect(m['held_out_ece']).toBe(Math.min(m['held_out_ece_raw']!, m['held_out_ece_fitted']!));
    if (rawWins) expect(cal).toMatchObject({ weights: [1, 0], bias: 0 });
    else expect(cal.weights).not.toEqual([1, 0]);

    // The cloud predictor answers the detector with the COCO detector and this calibration (not the package's
    // fallback head), as the edge's inference service does.
    const predictor = new VisionCloudPredictor({
      models,
      blobs,
      engine: async () => engine,
      logger: createLogger('silent'),
    });
    const coco = await ObjectDetector.load();
    try {
      const detector = (await orm.em.fork().findOne(Detector, { id }))!;
      for (const c of counts.slice(0, 4)) {
        const p = await predictor.predict({ detector, image: c.image, mime: 'image/jpeg' });
        if (p.kind !== 'prediction') throw new Error(p.kind);
        const found = await coco.detect(c.image, { classes: ['person'], minScore: CANDIDATE_FLOOR });
        const f = countScoreFeatures(found, DEFAULT_MIN_SCORE);
        expect(p.result).toMatchObject({ result_type: 'counting', count: Math.min(f.count, 10) });
        expect(p.result.confidence).toBeCloseTo(calibratedCountConfidence(cal, f), 6);
        expect(p.modelVersionId).toBeNull(); // answered by the built-in detector
      }
    } finally {
      await coco.release();
    }
    expect(pkg.metadata.training).toMatchObject({ class_name: 'people', max_count: 10 });
  }, 300_000);
});
