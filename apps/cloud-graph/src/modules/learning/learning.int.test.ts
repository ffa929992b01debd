/**
 * The learning loop end to end on real PostgreSQL (a database per run on 127.0.0.1:5432) with real images
 * (libs/vision's texture fixtures), the real backbone and a local blob store.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPubSub, createYoga } from 'graphql-yoga';
import { beforeAll, describe, expect, it } from 'vitest';
import { heldOutSplit } from '@intellioptics/learning';
import { newId, type ModelVersionPublishedEvent, type PubSubTopics } from '@intellioptics/schema';
import type { VisionEngine } from '@intellioptics/vision';
import {
  immediateTrainingConfig,
  storeBinaryDetector,
  useLearningRig,
} from '../../../test/support/learning-rig';
import { Detector } from '../detectors/detector.entity';
import { ImageQuery, Label } from '../image-queries/image-query.entity';
import { ModelVersion } from '../model-versions/model-version.entity';
import type { Services } from '../../services';
// The module's GraphQL fields first, then the schema entry that builds the schema with them.
import './training-job.graphql';
import { schema } from '../../graphql/schema';
import { LearningService } from './learning.service';
import { getPackage } from './model-package.blobs';
import type { TrainingWorkerConfig } from './training.config';
import { TrainingWorker } from './training.worker';
import { VisionCloudPredictor } from '../image-queries/vision.cloud-predictor';

const TEXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../../libs/vision/test/fixtures/textures',
);

let learning: LearningService;
const events: ModelVersionPublishedEvent[] = [];

const config = (over: Partial<TrainingWorkerConfig> = {}): TrainingWorkerConfig =>
  immediateTrainingConfig({ workerId: 'worker-b', leaseSeconds: 120, ...over });

const rig = useLearningRig({ name: 'learning-blobs', worker: config() });

beforeAll(() => {
  void (async () => {
    for await (const e of rig.pubsub.subscribe('modelVersionPublished')) events.push(e);
  })();
  learning = new LearningService(rig.orm, rig.models);
});

// ------------------------------------------------------------------ fixtures

const createDetector = async (name: string): Promise<string> =>
  (await storeBinaryDetector(rig, { name, query: `Is it ${name}?`, groupName: 'learning' })).id;

/** Image queries for the given texture files, their images in the blob store; returns iq ids by file. */
const ID_EPOCH = Date.UTC(2026, 0, 1);
let idCounter = 0;
function seededBytes(n: number): Uint8Array {
  const out = new Uint8Array(15);
  let x = (n + 1) * 2654435761;
  for (let i = 0; i < out.length; i++) {
    x = (x ^ (x >>> 13)) * 1274126177;
    out[i] = x & 0xff;
  }
  return out;
}

async function addImages(detectorId: string, texture: string, files: string[]): Promise<string[]> {
  const em = rig.orm.em.fork();
  const ids: string[] = [];
  for (const file of files) {
    const bytes = await readFile(path.join(TEXTURES, texture, file));
    // Deterministic ids: the held-out split hashes them, so random ids would make the outcomes vary by run.
    const id = newId('imageQuery', {
      now: () => ID_EPOCH + idCounter,
      random: () => seededBytes(idCounter++),
    });
    const imageKey = `images/${detectorId}/${id}${path.extname(file)}`;
    await rig.blobs.put(imageKey, bytes, 'application/octet-stream');
    em.create(ImageQuery, {
      id,
      detector: detectorId,
      query: 'q?',
      resultType: 'binary_classification',
      patienceTime: 30,
      confidenceThreshold: 0.8,
      imageKey,
      imageMime: 'image/jpeg',
      imageBytes: bytes.length,
      submittedBy: 'usr_test',
    });
    ids.push(id);
  }
  await em.flush();
  return ids;
}

async function label(imageQueryIds: string[], value: string): Promise<void> {
  const em = rig.orm.em.fork();
  for (const iq of imageQueryIds)
    em.create(Label, {
      id: newId('label'),
      imageQuery: iq,
      label: value,
      source: 'USER',
      confidence: 1,
      labeledBy: 'usr_reviewer',
    });
  await em.flush();
}

const textureFiles = async (t: string) => (await readdir(path.join(TEXTURES, t))).sort();
const versions = (detectorId: string) =>
  rig.orm.em.fork().find(ModelVersion, { detector: detectorId }, { orderBy: { kind: 'asc', number: 'asc' } });

// ------------------------------------------------------------------ the loop

describe('the learning migration', () => {
  it('creates exactly what the entities describe (no schema diff)', async () => {
    expect(await rig.orm.getMigrator().getPendingMigrations()).toEqual([]);
    expect((await rig.orm.schema.getUpdateSchemaSQL({ wrap: false })).trim()).toBe('');
  });
});

describe('continuous learning on PostgreSQL with real images', () => {
  let detectorId: string;
  let brick: string[];
  let grass: string[];
  let v1PrimaryId: string;

  it('takes a new detector from no model to a published version once labels arrive', async () => {
    detectorId = await createDetector('brick');
    brick = await addImages(detectorId, 'brick', await textureFiles('brick'));
    grass = await addImages(detectorId, 'grass', await textureFiles('grass'));

    await label(brick.slice(0, 2), 'YES');
    await label(grass.slice(0, 2), 'NO');
    expect(await rig.worker.schedule()).toEqual([]);
    expect((await rig.worker.retrainDecision(detectorId))?.reason).toBe('NOT_ENOUGH_LABELS');

    await label(brick.slice(2, 6), 'YES');
    await label(grass.slice(2, 6), 'NO');
    const queued = await rig.worker.schedule();
    expect(queued).toHaveLength(1);
    // One job per detector: the policy waits, and the partial unique index refuses a second one.
    expect(await rig.worker.schedule()).toEqual([]);
    expect(await learning.jobs.enqueue(detectorId, 'MANUAL')).toBeNull();
    expect((await learning.requestTraining(detectorId)).ok).toBe(false);

    const job = await rig.worker.runOnce();
    expect(job).toMatchObject({ id: queued[0], state: 'SUCCEEDED', outcome: 'PUBLISHED', progress: 1 });
    expect(job!.trigger).toBe('FIRST_VERSION_DUE');
    expect(job!.label_count).toBe(12);
    expect(job!.log.map((l) => l.message).join('\n')).toMatch(
      /promotion paired_not_worse_v1: publish \(FIRST_VERSION\)/,
    );
    expect(job!.result).toMatchObject({ decision: { publish: true, reason: 'FIRST_VERSION' } });

    const published = await rig.models.published(detectorId);
    expect(published.primary?.state).toBe('PUBLISHED');
    expect(published.oodd?.state).toBe('PUBLISHED');
    expect(published.primary!.metrics).toMatchObject({
      training_job_id: job!.id,
      train_examples: expect.any(Number) as unknown,
    });
    expect(published.primary!.metrics).toHaveProperty('accuracy');
    expect(published.primary!.metrics).toHaveProperty('ece');
    expect(published.primary!.metrics).toHaveProperty('escalation_rate');
    expect(events.filter((e) => e.detectorId === detectorId).map((e) => e.kind)).toEqual(['oodd', 'primary']);
    v1PrimaryId = published.primary!.id;

    // The stored package is complete, verified and serves: a brick tile the model never saw answers YES.
    const pkg = await getPackage(rig.blobs, published.primary!.blobKey);
    expect(pkg.modelId).toBe(published.primary!.id);
    expect(pkg.metadata.class_names).toEqual(['YES', 'NO']);
    const head = await rig.engine.loadHead(pkg);
    const unseen = await readFile(path.join(TEXTURES, 'brick', (await textureFiles('brick'))[11]!));
    const [out] = await head.run((await rig.engine.embed([unseen])).features);
    await head.release();
    expect(out?.kind === 'primary' && out.probabilities[0]! > out.probabilities[1]!).toBe(true);

    // The cloud answers with the published models too (same heads and OODD adjustment as the edge).
    const predictor = new VisionCloudPredictor({
      models: rig.models,
      blobs: rig.blobs,
      engine: async () => rig.engine,
      logger: rig.logger,
    });
    const detector = await rig.orm.em.fork().findOneOrFail(Detector, { id: detectorId });
    const answer = await predictor.predict({ detector, image: unseen, mime: 'image/jpeg' });
    expect(answer).toMatchObject({
      kind: 'prediction',
      modelVersionId: published.primary!.id,
      result: { result_type: 'binary_classification', label: 'YES' },
    });
    const digit = await readFile(
      path.join(TEXTURES, '../ood', (await readdir(path.join(TEXTURES, '../ood')))[0]!),
    );
    const far = await predictor.predict({ detector, image: digit, mime: 'image/png' });
    // A handwritten digit is far from brick and grass: the OODD model pulls its confidence toward chance.
    expect(far.kind === 'prediction' && far.result.confidence).toBeLessThan(
      answer.kind === 'prediction' ? answer.result.confidence : 0,
    );
    const other = await createDetector('nothing published');
    const none = await predictor.predict({
      detector: await rig.orm.em.fork().findOneOrFail(Detector, { id: other }),
      image: unseen,
      mime: 'image/jpeg',
    });
    expect(none).toEqual({ kind: 'no_model' });

    const cached = await rig.orm.em
      .getConnection()
      .execute<{ n: number }[]>(`select count(*)::int as n from image_features`);
    expect(cached[0]!.n).toBe(12);
  });

  it('publishes a second version after more labels, and a rollback brings the first back', async () => {
    await label(brick.slice(6), 'YES');
    await label(grass.slice(6), 'NO');
    expect(await rig.worker.schedule()).toHaveLength(1);
    const job = await rig.worker.runOnce();
    expect(job).toMatchObject({ state: 'SUCCEEDED', outcome: 'PUBLISHED', trigger: 'NEW_LABELS_DUE' });
    expect(job!.log.map((l) => l.message).join('\n')).toMatch(/embedded 12 new images, 12 cached/);
    const v2 = await rig.models.published(detectorId);
    expect(v2.primary!.number).toBe(2);
    expect(v2.primary!.metrics).toMatchObject({ compared_with: v1PrimaryId });
    expect((await rig.orm.em.fork().findOneOrFail(ModelVersion, { id: v1PrimaryId })).state).toBe('RETIRED');

    const eventsBefore = events.length;
    const rolled = await learning.rollback(v1PrimaryId);
    expect(rolled.ok).toBe(true);
    const now = await rig.models.published(detectorId);
    expect(now.primary!.id).toBe(v1PrimaryId);
    expect(now.oodd!.number).toBe(1);
    expect((await rig.orm.em.fork().findOneOrFail(ModelVersion, { id: v2.primary!.id })).state).toBe(
      'RETIRED',
    );
    const info = await rig.models.edgeModelInfo(detectorId);
    expect(info.model_binary_id).toBe(v1PrimaryId);
    // An edge downloads only model.buf; the rest of the package travels in the model info.
    expect(info.pipeline_config).toContain('size');
    const meta = JSON.parse(info.predictor_metadata!) as Record<
      string,
      { predictor_metadata: { model_sha256: string } }
    >;
    expect(meta.primary!.predictor_metadata.model_sha256).toBe(now.primary!.sha256);
    expect(meta.oodd!.predictor_metadata.model_sha256).toBe(now.oodd!.sha256);
    expect(events.slice(eventsBefore).map((e) => [e.kind, e.version])).toEqual([
      ['oodd', 1],
      ['primary', 1],
    ]);
  });

  it('refuses a candidate that is worse than the current version on the same held-out images', async () => {
    const all = [
      ...brick.map((id) => ({ id, classIndex: 0 })),
      ...grass.map((id) => ({ id, classIndex: 1 })),
    ];
    const split = heldOutSplit(all);
    const heldOut = new Set(split.heldOut.map((i) => all[i]!.id));
    const trainBrick = brick.filter((id) => !heldOut.has(id));
    const trainGrass = grass.filter((id) => !heldOut.has(id));
    // The relabelled split keeps the same held-out images (true labels) — checked, not assumed.
    const flipped = all.map((e) => (heldOut.has(e.id) ? e : { id: e.id, classIndex: 1 - e.classIndex }));
    expect(new Set(heldOutSplit(flipped).heldOut.map((i) => flipped[i]!.id))).toEqual(heldOut);

    await label(trainBrick, 'NO'); // a reviewer gets every training image wrong
    await label(trainGrass, 'YES');
    expect(await rig.worker.schedule()).toHaveLength(1);
    const job = await rig.worker.runOnce();
    expect(job).toMatchObject({ state: 'SUCCEEDED', outcome: 'REFUSED' });
    const decision = (
      job!.result as { decision: { publish: boolean; reason: string; numbers: Record<string, number> } }
    ).decision;
    expect(decision.reason).toMatch(/^ACCURACY/);
    expect(decision.numbers.candidateWrongCurrentRight).toBeGreaterThan(
      decision.numbers.candidateRightCurrentWrong!,
    );
    const ids = (job!.result as { modelVersionIds: { primary: string; oodd: string } }).modelVersionIds;
    const rows = await rig.orm.em.fork().find(ModelVersion, { id: { $in: [ids.primary, ids.oodd] } });
    expect(rows.map((r) => r.state)).toEqual(['REJECTED', 'REJECTED']);
    expect(rows[0]!.metrics).toMatchObject({ promotion: { rule: 'paired_not_worse_v1', publish: false } });
    expect((await rig.models.published(detectorId)).primary!.id).toBe(v1PrimaryId);
    // A refused candidate is not retrained on the same labels.
    expect((await rig.worker.retrainDecision(detectorId))?.reason).toBe('NOT_ENOUGH_NEW_LABELS');
    expect((await versions(detectorId)).map((v) => `${v.kind}${v.number}:${v.state}`)).toEqual([
      'oodd1:PUBLISHED',
      'oodd2:RETIRED',
      'oodd3:REJECTED',
      'primary1:PUBLISHED',
      'primary2:RETIRED',
      'primary3:REJECTED',
    ]);
  });

  it('finishes a job whose worker died: another worker takes it after the lease expires', async () => {
    const other = await createDetector('gravel');
    await label(await addImages(other, 'gravel', (await textureFiles('gravel')).slice(0, 6)), 'YES');
    await label(await addImages(other, 'grass', (await textureFiles('grass')).slice(0, 6)), 'NO');
    const requested = await learning.requestTraining(other);
    expect(requested.ok).toBe(true);
    const jobId = requested.ok ? requested.job.id : '';

    // Worker A takes the job and hangs for good after its first heartbeat (as if killed mid-job).
    const dying = new TrainingWorker({
      orm: rig.orm,
      blobs: rig.blobs,
      models: rig.models,
      engine: () => new Promise<VisionEngine>(() => undefined),
      logger: rig.logger,
      config: config({ workerId: 'worker-a', leaseSeconds: 2 }),
    });
    void dying.runOnce();
    for (let i = 0; i < 100 && (await learning.getJob(jobId))?.stage !== 'features'; i++)
      await new Promise((r) => setTimeout(r, 50));
    const taken = await learning.getJob(jobId);
    expect(taken).toMatchObject({
      state: 'RUNNING',
      lease_owner: 'worker-a',
      attempts: 1,
      stage: 'features',
    });

    expect(await rig.worker.runOnce()).toBeNull(); // the lease still holds
    const expiry = taken!.lease_expires_at!.getTime();
    await new Promise((r) => setTimeout(r, Math.max(0, expiry - Date.now()) + 300));
    const done = await rig.worker.runOnce();
    expect(done).toMatchObject({ id: jobId, state: 'SUCCEEDED', outcome: 'PUBLISHED', attempts: 2 });
    expect(done!.log.map((l) => l.message).join('\n')).toMatch(
      /taken over by worker-b after the lease of worker-a expired \(attempt 2\)/,
    );
    expect(await learning.jobs.finish(jobId, 'worker-a', { state: 'FAILED', error: 'late' })).toBe(false);
    expect((await rig.models.published(other)).primary).not.toBeNull();
    expect((await learning.listJobs(other)).map((j) => j.state)).toEqual(['SUCCEEDED']);
  });

  it('shows jobs with progress and logs, and rolls back, over GraphQL', async () => {
    const contextValue = {
      principal: { kind: 'user', id: 'usr_admin', username: 'admin', email: 'a@b.c', role: 'ADMIN' },
      services: { learning } as unknown as Services,
      pubsub: createPubSub<PubSubTopics>(),
    };
    const yoga = createYoga({ schema, context: () => contextValue, maskedErrors: false });
    const graphql = async (args: { source: string; variableValues: Record<string, unknown> }) => {
      const r = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: args.source, variables: args.variableValues }),
      });
      return (await r.json()) as { data?: unknown; errors?: unknown[] };
    };
    const res = await graphql({
      source: `query ($id: ID!) { trainingJobs(detectorId: $id) { state outcome progress trigger log { message } result } }`,
      variableValues: { id: detectorId },
    });
    expect(res.errors).toBeUndefined();
    const jobs = (
      res.data as {
        trainingJobs: { state: string; outcome: string; progress: number; log: { message: string }[] }[];
      }
    ).trainingJobs;
    expect(jobs.map((j) => j.outcome)).toEqual(['REFUSED', 'PUBLISHED', 'PUBLISHED']);
    expect(jobs.every((j) => j.state === 'SUCCEEDED' && j.progress === 1)).toBe(true);
    expect(jobs[0]!.log.map((l) => l.message).join('\n')).toMatch(/promotion paired_not_worse_v1: refuse/);

    const v2 = (await versions(detectorId)).find((v) => v.kind === 'primary' && v.number === 2)!;
    const rolled = await graphql({
      source: `mutation ($id: ID!) { rollbackModelVersion(modelVersionId: $id) { ok error { code } primary { id state } oodd { number state } } }`,
      variableValues: { id: v2.id },
    });
    expect(rolled.errors).toBeUndefined();
    expect(rolled.data).toEqual({
      rollbackModelVersion: {
        ok: true,
        error: null,
        primary: { id: v2.id, state: 'PUBLISHED' },
        oodd: { number: 2, state: 'PUBLISHED' },
      },
    });
    const refusedVersion = (await versions(detectorId)).find((v) => v.kind === 'primary' && v.number === 3)!;
    const refused = await graphql({
      source: `mutation ($id: ID!) { rollbackModelVersion(modelVersionId: $id) { ok error { code } } }`,
      variableValues: { id: refusedVersion.id },
    });
    expect(refused.data).toEqual({ rollbackModelVersion: { ok: false, error: { code: 'CONFLICT' } } });
  });
});
