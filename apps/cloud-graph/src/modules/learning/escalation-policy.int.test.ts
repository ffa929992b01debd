/**
 * The learned escalation policy in the training worker, on real PostgreSQL, the real backbone and real images
 * (Fashion-MNIST from Debian's dataset-fashion-mnist): a detector with a labelled history gets a policy in its
 * new primary package (valid against the contract, readable by libs/vision's package reader); one with a
 * short history keeps the threshold policy.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPubSub } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateEscalationPolicy } from '@intellioptics/decision';
import { fashionMnist, greyPng, seededSample } from '@intellioptics/learning/datasets';
import { newId, readEscalationPolicy, type PubSubTopics } from '@intellioptics/schema';
import { readModelPackage, VisionEngine, writeModelPackage } from '@intellioptics/vision';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-db';
import { LocalBlobStore } from '../../blob/local-blob.store';
import { initOrm, type Orm } from '../../db/orm';
import { createLogger } from '../../ops/logger';
import { Detector } from '../detectors/detector.entity';
import { ImageQuery, Label } from '../image-queries/image-query.entity';
import { ModelVersionService } from '../model-versions/model-version.service';
import { getPackage } from './model-package.blobs';
import { trainingWorkerConfig } from './training.config';
import { TrainingWorker } from './training.worker';

const SHIRT = 6;
const LOOK_ALIKES = [0, 2, 4]; // T-shirt/top, pullover, coat: the shirt's usual confusions

let db: TestDatabase;
let orm: Orm;
let blobDir: string;
let blobs: LocalBlobStore;
let engine: VisionEngine;
let models: ModelVersionService;
let worker: TrainingWorker;
const logger = createLogger('silent');

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await initOrm(db.url, { poolMax: 4, debug: false });
  blobDir = await mkdtemp(path.join(os.tmpdir(), 'policy-blobs-'));
  blobs = new LocalBlobStore({
    dir: blobDir,
    signingSecret: null,
    publicBaseUrl: () => 'http://127.0.0.1:1',
  });
  models = new ModelVersionService(orm, blobs, createPubSub<PubSubTopics>(), logger, {
    signedUrlTtlSeconds: 60,
  });
  engine = await VisionEngine.create({ intraOpNumThreads: 1 });
  const config = trainingWorkerConfig(
    {},
    {
      workerId: 'worker-policy',
      leaseSeconds: 300,
      trigger: {
        minLabelsPerClass: 3,
        minClasses: 2,
        minNewLabels: 4,
        growthFraction: 0,
        quietMs: 0,
        maxDelayMs: 0,
        failureBackoffMs: 0,
        firstVersionImmediately: true,
        streamBacklogFactor: 2,
      },
      promotion: { accuracyEpsilon: 0.01, eceEpsilon: 0.01, z: 1.645, minHeldOut: 4 },
    },
  );
  worker = new TrainingWorker({ orm, blobs, models, engine: async () => engine, logger, config });
}, 120_000);

afterAll(async () => {
  await engine?.release();
  await orm?.close();
  await db?.drop();
  if (blobDir) await rm(blobDir, { recursive: true, force: true });
});

async function createDetector(name: string): Promise<string> {
  const em = orm.em.fork();
  const d = em.create(Detector, {
    id: newId('detector'),
    name,
    query: 'Is it a shirt?',
    groupName: 'policy',
    mode: 'BINARY',
    confidenceThreshold: 0.8,
    patienceTime: 30,
    status: 'ON',
    escalationType: 'STANDARD',
  });
  await em.flush();
  return d.id;
}

/**
 * Labelled image queries of shirts (YES) and look-alikes (NO). Every third one is an edge audit at audit rate
 * 0.2 (weight 5 in the fit), the rest escalations, as the edge's metadata says.
 */
/** Deterministic ids: the fit/calibration split hashes them, so random ids would make the outcome vary by run. */
let idCounter = 0;
const ID_EPOCH = Date.UTC(2026, 0, 1);
function nextImageQueryId(): string {
  const n = idCounter++;
  return newId('imageQuery', {
    now: () => ID_EPOCH + n,
    random: () => {
      const out = new Uint8Array(15);
      let x = (n + 1) * 2654435761;
      for (let i = 0; i < out.length; i++) {
        x = Math.imul(x ^ (x >>> 13), 1274126177);
        out[i] = x & 0xff;
      }
      return out;
    },
  });
}

async function labelledHistory(detectorId: string, count: number, seed: number): Promise<void> {
  const pool = await fashionMnist('train', seededSample(60_000, 12_000, seed));
  const chosen = pool.classes
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c === SHIRT || LOOK_ALIKES.includes(c))
    .slice(0, count);
  const em = orm.em.fork();
  for (const [n, { c, i }] of chosen.entries()) {
    const bytes = await greyPng(pool.grey[i]!);
    const id = nextImageQueryId();
    const imageKey = `images/${detectorId}/${id}.png`;
    await blobs.put(imageKey, bytes, 'image/png');
    const audit = n % 3 === 0;
    em.create(ImageQuery, {
      id,
      detector: detectorId,
      query: 'Is it a shirt?',
      resultType: 'binary_classification',
      patienceTime: 30,
      confidenceThreshold: 0.8,
      imageKey,
      imageMime: 'image/png',
      imageBytes: bytes.length,
      submittedBy: 'usr_edge',
      metadata: audit
        ? { reason: 'AUDIT', is_edge_audit: true, audit_rate: 0.2 }
        : { reason: 'BELOW_THRESHOLD' },
    });
    em.create(Label, {
      id: newId('label'),
      imageQuery: id,
      label: c === SHIRT ? 'YES' : 'NO',
      source: 'USER',
      confidence: 1,
      labeledBy: 'usr_reviewer',
    });
  }
  await em.flush();
}

describe('the training worker fits the escalation policy', () => {
  it('ships a policy in the primary package of a detector with a labelled history', async () => {
    const detectorId = await createDetector('shirts');
    await labelledHistory(detectorId, 420, 31);
    expect(await worker.schedule()).toHaveLength(1);
    const job = await worker.runOnce();
    expect(job).toMatchObject({ state: 'SUCCEEDED' });
    const log = job!.log.map((l) => l.message).join('\n');
    expect(log).toMatch(/escalation policy (FITTED|NOT_BETTER) on 4\d\d labelled answers/);
    const summary = (job!.result as { escalationPolicy: Record<string, unknown> }).escalationPolicy;
    expect(summary.history_examples).toBeGreaterThan(400);

    const primary = (await models.list({ detectorId })).find((v) => v.kind === 'primary')!;
    expect(primary.metrics).toMatchObject({ escalation_policy: { reason: summary.reason } });
    const pkg = await getPackage(blobs, primary.blobKey);
    const policy = readEscalationPolicy(pkg.metadata.escalation_policy);
    expect(policy.error).toBeNull();
    const model = policy.model!;
    expect(model.confidence_threshold).toBe(0.8);
    expect(model.history_examples).toBe(summary.history_examples);
    expect(model.held_out.won).toBe(summary.reason === 'FITTED');
    // Certified against the threshold policy's joint error rate measured on the fitting half.
    expect(model.risk_control).toBe('conformal_risk_control');
    expect(model.target_joint_risk).toBeGreaterThan(0);

    // The package round-trips through libs/vision's reader, which validates the policy.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'policy-pkg-'));
    try {
      await writeModelPackage(path.join(dir, 'pkg'), pkg);
      expect((await readModelPackage(path.join(dir, 'pkg'))).metadata.escalation_policy).toEqual(model);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // Neighbour disagreement raises the risk it predicts for the same probabilities.
    const obs = {
      classNames: ['YES', 'NO'],
      probabilities: [0.85, 0.15],
      inDomain: 0.9,
      modelAgeDays: 0,
      auditDisagreement: null,
    };
    const agree = evaluateEscalationPolicy(model, {
      ...obs,
      neighborLabels: ['YES', 'YES', 'YES', 'YES', 'YES'],
    });
    const disagree = evaluateEscalationPolicy(model, {
      ...obs,
      neighborLabels: ['NO', 'NO', 'NO', 'NO', 'NO'],
    });
    expect(disagree.risk).toBeGreaterThan(agree.risk);
    expect(disagree.text).toMatch(/5 of 5 nearest labelled examples disagree/);
  }, 600_000);

  it('keeps the threshold policy for a short history', async () => {
    const detectorId = await createDetector('few-shirts');
    await labelledHistory(detectorId, 40, 32);
    expect(await worker.schedule()).toHaveLength(1);
    const job = await worker.runOnce();
    expect(job).toMatchObject({ state: 'SUCCEEDED' });
    expect(job!.log.map((l) => l.message).join('\n')).toMatch(
      /escalation policy HISTORY_TOO_SMALL: 40 labelled answers, needs 200/,
    );
    const primary = (await models.list({ detectorId })).find((v) => v.kind === 'primary')!;
    expect((await getPackage(blobs, primary.blobKey)).metadata.escalation_policy).toBeUndefined();
  }, 300_000);
});
