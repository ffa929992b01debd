/**
 * The training worker (ARCHITECTURE.md "The learning loop", step 3). Any replica may run one: jobs go through
 * the `training_jobs` queue in PostgreSQL (FOR UPDATE SKIP LOCKED + a lease renewed by heartbeats), so a
 * job whose worker died is taken again once its lease expires.
 *
 * One tick: (1) schedule — for every detector with new labels, ask the retrain trigger policy (pure, in
 * @intellioptics/learning) and queue a job when it says so (the partial unique index keeps one job per
 * detector); (2) run — take one job: snapshot the labels, embed the images not embedded yet (features cached
 * in `image_features`), train a candidate, re-run the current version on the candidate's held-out images,
 * apply the promotion rule, store both packages as model versions (with the metrics and the decision), and
 * publish them (the previous ones retire, `modelVersionPublished` fires) or mark them REJECTED.
 *
 * Reasoning (#15): a detector with `reasoning: recursive` (or `auto` with enough labels, trainsRecursive) also
 * trains the recursive head on its images' 7×7 patch tokens. The spatial maps are NOT cached (1792×7×7 floats,
 * 351 kB per image): each such job re-runs the backbone on its labelled images (one pass, ~25 ms per image),
 * fits the token projection on the first images' maps and keeps only the projected tokens (49×64 floats).
 * Both heads are scored on the same held-out images; chooseReasoningHead picks the primary (recursive for
 * `recursive`, the significant winner for `auto`); the OODD package is the pooled one either way. The choice
 * goes into the version's metrics (`reasoning`) and the job log.
 *
 * Off the event loop (#19): in the embedded default this worker shares its process with the cloud API, so the
 * synchronous fitting (linear and recursive candidates, head choice, escalation policy, token projection) runs
 * in a worker thread (training.compute.ts via training.thread.ts; a 420-image job blocked the loop for 18 s
 * before, 0.02–0.18 s after). The backbone passes, DB and blob I/O stay here; heartbeats keep renewing the lease
 * while the thread trains, and a lost lease terminates the thread.
 */
import {
  classLayout,
  decidePromotion,
  decideRetrain,
  evaluatePredictions,
  trainsRecursive,
  UnsupportedModeError,
  type HeldOutEvaluation,
  type LabelledExample,
  type Prediction,
  type TokenExample,
} from '@intellioptics/learning';
import type { DetectorMode } from '@intellioptics/schema';
import {
  isRecursivePackage,
  loadFeatureMapHead,
  projectTokens,
  readRecursiveOutputs,
  type ModelPackage,
  type TokenProjection,
  type VisionEngine,
} from '@intellioptics/vision';
import type { BlobStore } from '../../blob/blob-store';
import type { Orm } from '../../db/orm';
import type { Logger } from '../../ops/logger';
import type { Metrics } from '../../ops/metrics';
import { Detector, type DetectorEntity } from '../detectors/detector.entity';
import { ModelVersion, type ModelVersionEntity } from '../model-versions/model-version.entity';
import type { ModelVersionService } from '../model-versions/model-version.service';
import { trainCountHeadsForJob } from './count-heads.train';
import { getPackage, putPackageSiblings } from './model-package.blobs';
import type { TrainingWorkerConfig } from './training.config';
import { runInThread, type TaskInput, type TaskName, type TaskResult } from './training.thread';
import { TrainingJobRepository, type TrainingJobRow, type TrainingLabelRow } from './training-job.repository';

export const TRAINABLE_MODES: readonly DetectorMode[] = ['BINARY', 'MULTI_CLASS', 'COUNT'];

export interface TrainingWorkerDeps {
  orm: Orm;
  blobs: BlobStore;
  models: ModelVersionService;
  /** The shared backbone (created lazily: a replica that never trains never loads it). */
  engine: () => Promise<VisionEngine>;
  logger: Logger;
  config: TrainingWorkerConfig;
  /** Jobs run and their wall time (the worker's `/metrics`). */
  metrics?: Pick<Metrics, 'trainingJobs' | 'trainingSeconds'>;
}

class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

export class TrainingWorker {
  readonly jobs: TrainingJobRepository;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;

  constructor(private readonly deps: TrainingWorkerDeps) {
    this.jobs = new TrainingJobRepository(deps.orm);
  }

  /** Queues the jobs the trigger policy asks for; returns their ids. */
  async schedule(): Promise<string[]> {
    const queued: string[] = [];
    for (const detectorId of await this.jobs.detectorsWithNewLabels(TRAINABLE_MODES)) {
      const decision = await this.retrainDecision(detectorId);
      if (!decision?.train) continue;
      const id = await this.jobs.enqueue(detectorId, decision.reason, {
        maxAttempts: this.deps.config.maxAttempts,
      });
      if (id) {
        queued.push(id);
        this.deps.logger.info({ detectorId, jobId: id, reason: decision.reason }, 'training job queued');
      }
    }
    return queued;
  }

  /** The trigger policy's answer for one detector right now (null when its mode cannot be trained). */
  async retrainDecision(detectorId: string) {
    const detector = await this.deps.orm.em.fork().findOne(Detector, { id: detectorId });
    if (!detector) return null;
    let layout;
    try {
      layout = classLayout(detector.mode, detector.modeConfiguration);
    } catch {
      return null;
    }
    const [last, active, labels, published] = await Promise.all([
      this.jobs.lastFinished(detectorId),
      this.jobs.active(detectorId),
      this.jobs.latestLabels(detectorId, null),
      this.deps.models.published(detectorId),
    ]);
    const activity = await this.jobs.labelActivity(detectorId, last?.id ?? null);
    const labelsPerClass = Object.fromEntries(layout.classNames.map((c) => [c, 0]));
    for (const l of labels) {
      const k = layout.indexOf(l.label);
      if (k !== null) labelsPerClass[layout.classNames[k]!]!++;
    }
    return decideRetrain(
      {
        labelsPerClass,
        newLabelsSinceLastAttempt: last ? activity.sinceCount : null,
        lastAttempt: last
          ? {
              outcome: last.state === 'FAILED' ? 'FAILED' : (last.outcome ?? 'REFUSED'),
              finishedAtMs: (last.finished_at ?? last.created_at).getTime(),
            }
          : null,
        hasPublishedVersion: published.primary !== null,
        jobActive: active !== null,
        lastLabelAtMs: activity.lastLabelAt?.getTime() ?? null,
        firstPendingLabelAtMs: activity.firstLabelSince?.getTime() ?? null,
        nowMs: Date.now(),
      },
      this.deps.config.trigger,
    );
  }

  /** Takes one runnable job and runs it to the end; null when the queue is empty. */
  async runOnce(): Promise<TrainingJobRow | null> {
    const { workerId, leaseSeconds } = this.deps.config;
    const job = await this.jobs.claim(workerId, leaseSeconds);
    if (!job) return null;
    this.deps.logger.info({ jobId: job.id, detectorId: job.detector_id, attempt: job.attempts }, 'training');
    const started = process.hrtime.bigint();
    let outcome = 'FAILED';
    try {
      const result = await this.train(job);
      outcome = result.outcome;
      await this.jobs.finish(job.id, workerId, {
        state: 'SUCCEEDED',
        outcome: result.outcome,
        result: result.result,
        log: [result.summary],
      });
    } catch (err) {
      if (err instanceof LeaseLostError) {
        outcome = 'LEASE_LOST';
        this.deps.logger.warn({ jobId: job.id }, 'lease lost; another worker owns the job now');
      } else {
        const message = err instanceof Error ? err.message : String(err);
        this.deps.logger.error({ err, jobId: job.id }, 'training failed');
        await this.jobs.finish(job.id, workerId, {
          state: 'FAILED',
          error: message,
          log: [`failed: ${message}`],
        });
      }
    } finally {
      this.deps.metrics?.trainingJobs.inc({ outcome });
      this.deps.metrics?.trainingSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
    return this.jobs.get(job.id);
  }

  /** schedule + run until the queue is empty (one call per poll). */
  async tick(): Promise<void> {
    await this.schedule();
    while (!this.stopping && (await this.runOnce())) {
      /* keep taking jobs */
    }
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.tick();
        } catch (err) {
          this.deps.logger.error({ err }, 'training worker tick failed');
        }
        if (this.stopping) break;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.deps.config.pollMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    })();
  }

  /** Stops after the current job (a job cut short by a kill is re-taken after its lease). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  // ------------------------------------------------------------------ one job

  private async beat(job: TrainingJobRow, patch: { progress?: number; stage?: string; log?: string[] }) {
    const ok = await this.jobs.heartbeat(
      job.id,
      this.deps.config.workerId,
      this.deps.config.leaseSeconds,
      patch,
    );
    if (!ok) throw new LeaseLostError(job.id);
  }

  /**
   * A compute task in a worker thread (training.thread.ts). Its progress lines collect in `lines`; a heartbeat
   * carries them every few seconds, so the lease stays renewed however long the task runs, and a lost lease
   * terminates the thread (LeaseLostError). Lines not yet sent stay in `lines` for the caller's next beat.
   */
  private async inThread<K extends TaskName>(
    job: TrainingJobRow,
    task: K,
    input: TaskInput<K>,
    lines: string[],
  ): Promise<TaskResult<K>> {
    return runInThread(task, input, {
      onLine: (l) => lines.push(l),
      keepAlive: { everyMs: this.keepAliveMs(), beat: () => this.beat(job, { log: lines.splice(0) }) },
    });
  }

  /** How often a heartbeat renews the lease while a thread trains: a third of the lease, at most 5 s. */
  private keepAliveMs(): number {
    return Math.min(5000, (this.deps.config.leaseSeconds * 1000) / 3);
  }

  private async train(job: TrainingJobRow): Promise<{
    outcome: 'PUBLISHED' | 'REFUSED';
    result: Record<string, unknown>;
    summary: string;
  }> {
    const { config, blobs, models } = this.deps;
    const detector = await this.deps.orm.em.fork().findOne(Detector, { id: job.detector_id });
    if (!detector) throw new Error(`detector ${job.detector_id} no longer exists`);
    if (!TRAINABLE_MODES.includes(detector.mode)) throw new UnsupportedModeError(detector.mode);

    const snapshot = await this.jobs.snapshotLabels(job.id, detector.id);
    const labels = await this.jobs.latestLabels(detector.id, job.id);
    await this.beat(job, {
      stage: 'features',
      progress: 0.05,
      log: [
        `${labels.length} labelled images (${snapshot.count} label events up to ${snapshot.at.toISOString()})`,
      ],
    });

    const engine = await this.deps.engine();
    // COUNT with a class name (#13): a density head outside COCO, the detector's count calibration for a COCO class.
    const counted = await trainCountHeadsForJob(
      {
        orm: this.deps.orm,
        blobs,
        models,
        engine,
        beat: (patch) => this.beat(job, patch),
        beatEveryMs: this.keepAliveMs(),
      },
      job,
      detector,
    );
    if (counted) return counted;
    const sha = engine.backbone.sha256;
    const key = (iq: string) => `${sha.slice(0, 16)}:${iq}`;
    const cached = await this.jobs.cachedFeatures(labels.map((l) => key(l.image_query_id)));
    const features = new Map<string, Float32Array>();
    for (const [id, buf] of cached) {
      const f = new Float32Array(buf.byteLength / 4);
      new Uint8Array(f.buffer).set(buf);
      features.set(id.slice(id.indexOf(':') + 1), f);
    }
    const missing = labels.filter((l) => !features.has(l.image_query_id));
    let unreadable = 0;
    for (let i = 0; i < missing.length; i += config.embedBatch) {
      const batch = missing.slice(i, i + config.embedBatch);
      const images = await Promise.all(batch.map((l) => blobs.get(l.image_key)));
      const ok = batch.filter((_, j) => images[j] !== null);
      unreadable += batch.length - ok.length;
      const embedded: { id: string; imageQueryId: string; backboneSha256: string; features: Float32Array }[] =
        [];
      for (const l of ok) {
        try {
          const bytes = images[batch.indexOf(l)]!.data;
          const [f] = (await engine.embed([bytes])).features;
          features.set(l.image_query_id, f!);
          embedded.push({
            id: key(l.image_query_id),
            imageQueryId: l.image_query_id,
            backboneSha256: sha,
            features: f!,
          });
        } catch {
          unreadable++; // not an image the pipeline can decode: it cannot train anything
        }
      }
      await this.jobs.storeFeatures(embedded);
      await this.beat(job, {
        progress: 0.05 + 0.35 * Math.min(1, (i + batch.length) / missing.length),
        log:
          i + config.embedBatch >= missing.length
            ? [
                `embedded ${missing.length - unreadable} new images, ${cached.size} cached, ${unreadable} unreadable`,
              ]
            : [],
      });
    }

    const examples: LabelledExample[] = labels
      .filter((l) => features.has(l.image_query_id))
      .map((l) => ({ id: l.image_query_id, features: features.get(l.image_query_id)!, label: l.label }));
    // The recursive head (#15) needs the images' patch tokens: made first (async backbone passes), so the
    // thread gets everything it trains on at once.
    const setting = detector.reasoning ?? 'linear';
    let tokens: Awaited<ReturnType<TrainingWorker['spatialTokens']>> | null = null;
    if (trainsRecursive(setting, examples.length)) {
      await this.beat(job, { stage: 'spatial', progress: 0.4 });
      tokens = await this.spatialTokens(
        job,
        engine,
        labels.filter((l) => features.has(l.image_query_id)),
      );
    }
    await this.beat(job, {
      stage: 'training',
      progress: tokens ? 0.6 : 0.4,
      log: tokens
        ? [`patch tokens of ${tokens.examples.length} images (${tokens.projection.components} components)`]
        : [],
    });
    const progressLines: string[] = [];
    // Linear candidate, recursive candidate, head choice and escalation policy: seconds of synchronous
    // fitting, in a worker thread (training.compute.ts) so the API sharing this process keeps answering.
    const { chosen, linear, recursive, choice, policy } = await this.inThread(
      job,
      'candidate',
      {
        detector: {
          id: detector.id,
          mode: detector.mode,
          modeConfiguration: detector.modeConfiguration ?? null,
          confidenceThreshold: detector.confidenceThreshold,
        },
        setting,
        examples,
        tokens,
        backbone: engine.backbone,
        pipeline: engine.pipeline,
        options: config.train,
        promotion: config.promotion,
        metadata: await this.jobs.labelledMetadata(detector.id),
      },
      progressLines,
    );
    await this.beat(job, { stage: 'evaluation', progress: 0.8, log: progressLines });

    const current = await this.evaluateCurrent(
      detector,
      chosen.evaluation,
      chosen.heldOutLabels,
      features,
      labels,
    );
    const decision = decidePromotion({
      candidate: chosen.evaluation,
      current: current.evaluation,
      currentUnavailable: current.unavailable !== null,
      config: config.promotion,
    });
    const decisionLine = `promotion ${decision.rule}: ${decision.publish ? 'publish' : 'refuse'} (${decision.reason})${current.unavailable ? `; current version not evaluable: ${current.unavailable}` : ''}`;
    await this.beat(job, { stage: 'publishing', progress: 0.9, log: [decisionLine] });

    const reasoning = {
      setting,
      head: choice.head,
      reason: choice.reason,
      recursive_only_right: choice.recursiveOnlyRight,
      linear_only_right: choice.linearOnlyRight,
      linear: summary(linear.evaluation),
      recursive: recursive
        ? {
            ...summary(recursive.evaluation),
            train_seconds: recursive.trainSeconds,
            halt_threshold: recursive.haltThreshold,
            mean_halt_step: recursive.meanHaltStep,
          }
        : null,
    };
    const versionMetrics = {
      ...chosen.metrics,
      reasoning,
      escalation_policy: policy.summary,
      training_job_id: job.id,
      promotion: decision,
      examples_per_class: linear.examplesPerClass,
      compared_with: current.versionId,
    };
    const stored: Record<'primary' | 'oodd', ModelVersionEntity> = {
      primary: await models.create({
        detectorId: detector.id,
        kind: 'primary',
        data: Buffer.from(chosen.primary.modelBytes),
        metrics: versionMetrics,
      }),
      oodd: await models.create({
        detectorId: detector.id,
        kind: 'oodd',
        data: Buffer.from(linear.oodd.modelBytes),
        metrics: versionMetrics,
      }),
    };
    await putPackageSiblings(blobs, stored.primary.blobKey, chosen.primary, stored.primary.id);
    await putPackageSiblings(blobs, stored.oodd.blobKey, linear.oodd, stored.oodd.id);
    if (decision.publish) {
      // OODD first, so an edge woken by the primary's event finds both published.
      for (const mv of [stored.oodd, stored.primary]) {
        const r = await models.publish(mv.id);
        if (!r.ok) throw new Error(`publishing ${mv.id} failed: ${r.message}`);
      }
    } else {
      await this.deps.orm.em
        .fork()
        .nativeUpdate(
          ModelVersion,
          { id: { $in: [stored.primary.id, stored.oodd.id] } },
          { state: 'REJECTED' },
        );
    }
    const outcome = decision.publish ? 'PUBLISHED' : 'REFUSED';
    return {
      outcome,
      result: {
        decision,
        reasoning,
        escalationPolicy: policy.summary,
        metrics: chosen.metrics,
        calibration: linear.calibration,
        examplesPerClass: linear.examplesPerClass,
        skippedLabels: linear.skippedLabels,
        unreadableImages: unreadable,
        modelVersionIds: { primary: stored.primary.id, oodd: stored.oodd.id },
        versions: { primary: stored.primary.number, oodd: stored.oodd.number },
        comparedWith: current.versionId,
        currentEvaluation: current.evaluation ? summary(current.evaluation) : null,
        candidateEvaluation: summary(chosen.evaluation),
      },
      summary: `${outcome === 'PUBLISHED' ? 'published' : 'refused'} primary v${stored.primary.number} (${stored.primary.id}, ${choice.head} head) and oodd v${stored.oodd.number}: accuracy ${fmt(chosen.evaluation.accuracy)}, ECE ${fmt(chosen.evaluation.ece)} on ${chosen.evaluation.n} held-out images`,
    };
  }

  /** The published version's heads run on the candidate's held-out images (null when there is none). */
  private async evaluateCurrent(
    detector: DetectorEntity,
    candidate: HeldOutEvaluation,
    labels: number[],
    features: Map<string, Float32Array>,
    rows: readonly TrainingLabelRow[],
  ): Promise<{ evaluation: HeldOutEvaluation | null; unavailable: string | null; versionId: string | null }> {
    const published = await this.deps.models.published(detector.id);
    if (!published.primary) return { evaluation: null, unavailable: null, versionId: null };
    const versionId = published.primary.id;
    try {
      const engine = await this.deps.engine();
      const primaryPkg = await getPackage(this.deps.blobs, published.primary.blobKey);
      const ooddPkg = published.oodd ? await getPackage(this.deps.blobs, published.oodd.blobKey) : null;
      const primary = await this.primaryRunner(engine, primaryPkg, rows);
      const oodd = ooddPkg ? await engine.loadHead(ooddPkg) : null;
      try {
        const x = candidate.exampleIds.map((id) => features.get(id)!);
        const [p, o] = await Promise.all([
          primary.run(candidate.exampleIds, x),
          oodd ? oodd.run(x) : Promise.resolve(null),
        ]);
        const predictions: Prediction[] = p.map((probabilities, i) => {
          const od = o?.[i];
          return {
            probabilities,
            inDomain: od && od.kind === 'oodd' ? od.inDomainProbability : null,
          };
        });
        if (primaryPkg.metadata.class_names.join('\u0000') !== candidate.classNames.join('\u0000')) {
          // Different classes (the detector's configuration changed): the rule publishes on CLASSES_CHANGED.
          return {
            evaluation: { ...candidate, classNames: primaryPkg.metadata.class_names },
            unavailable: null,
            versionId,
          };
        }
        return {
          evaluation: evaluatePredictions({
            exampleIds: candidate.exampleIds,
            labels,
            predictions,
            classNames: candidate.classNames,
            threshold: candidate.threshold,
          }),
          unavailable: null,
          versionId,
        };
      } finally {
        await primary.release();
        await oodd?.release();
      }
    } catch (err) {
      return { evaluation: null, unavailable: err instanceof Error ? err.message : String(err), versionId };
    }
  }

  /**
   * The published primary as "ids + pooled vectors → probabilities": a pooled head runs on the cached vectors; a
   * feature-map head (the recursive head) gets the held-out images' maps from a fresh backbone pass.
   */
  private async primaryRunner(
    engine: VisionEngine,
    pkg: ModelPackage,
    rows: readonly TrainingLabelRow[],
  ): Promise<{ run(ids: string[], pooled: Float32Array[]): Promise<number[][]>; release(): Promise<void> }> {
    if (pkg.metadata.input.source !== 'backbone_feature_map') {
      const head = await engine.loadHead(pkg);
      return {
        run: async (_ids, pooled) =>
          (await head.run(pooled)).map((o) => (o.kind === 'primary' ? o.probabilities : [])),
        release: () => head.release(),
      };
    }
    if (!isRecursivePackage(pkg.metadata))
      throw new Error(`unknown feature-map head ${String(pkg.metadata.training.algorithm)}`);
    const head = await loadFeatureMapHead(engine, pkg);
    const keyOf = new Map(rows.map((r) => [r.image_query_id, r.image_key]));
    return {
      run: async (ids) => {
        const out: number[][] = [];
        for (let i = 0; i < ids.length; i += this.deps.config.embedBatch) {
          const batch = ids.slice(i, i + this.deps.config.embedBatch);
          const tensors = await Promise.all(
            batch.map(async (id) => {
              const blob = await this.deps.blobs.get(keyOf.get(id)!);
              if (!blob) throw new Error(`image of ${id} is gone`);
              return engine.preprocess(blob.data);
            }),
          );
          const maps = (await engine.embedSpatialTensors(tensors)).map((f) => f.map);
          for (const p of readRecursiveOutputs(head.metadata, await head.runMaps(maps)))
            out.push(p.probabilities);
        }
        return out;
      },
      release: () => head.release(),
    };
  }

  /** PROJECTION_IMAGES images' maps fit the token projection; every image keeps only its projected tokens. */
  private async spatialTokens(
    job: TrainingJobRow,
    engine: VisionEngine,
    rows: readonly TrainingLabelRow[],
  ): Promise<{ examples: TokenExample[]; projection: TokenProjection }> {
    const { featureDim: dim, featureMapSize: size } = engine.backbone;
    const cells = size * size;
    const pending: { row: TrainingLabelRow; pooled: Float32Array; map: Float32Array }[] = [];
    const examples: TokenExample[] = [];
    let projection: TokenProjection | null = null;
    const flush = async (): Promise<void> => {
      for (const p of pending.splice(0)) {
        examples.push({
          id: p.row.image_query_id,
          tokens: projectTokens(projection!, p.map),
          pooled: p.pooled,
          label: p.row.label,
        });
        // ~10 ms of arithmetic per image: the event loop runs between images (64 wait for the first flush).
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    const batchSize = this.deps.config.embedBatch;
    for (let i = 0; i < rows.length; i += batchSize) {
      const batch = rows.slice(i, i + batchSize);
      const blobs = await Promise.all(batch.map((r) => this.deps.blobs.get(r.image_key)));
      const ok: { row: TrainingLabelRow; tensor: Float32Array }[] = [];
      for (let j = 0; j < batch.length; j++) {
        const b = blobs[j];
        if (!b) continue;
        try {
          ok.push({ row: batch[j]!, tensor: await engine.preprocess(b.data) });
        } catch {
          /* unreadable: the pooled pass skipped it too */
        }
      }
      const spatial = await engine.embedSpatialTensors(ok.map((o) => o.tensor));
      ok.forEach((o, j) => pending.push({ row: o.row, pooled: spatial[j]!.pooled, map: spatial[j]!.map }));
      if (!projection && (pending.length >= PROJECTION_IMAGES || i + batchSize >= rows.length)) {
        const lines: string[] = [];
        projection = await this.inThread(
          job,
          'projection',
          { maps: pending.map((p) => p.map), dim, tokens: cells, components: TOKEN_COMPONENTS },
          lines,
        );
      }
      if (projection) await flush();
      await this.beat(job, { progress: 0.4 + 0.2 * Math.min(1, (i + batch.length) / rows.length) });
    }
    if (!projection) throw new Error('no readable image for the recursive head');
    return { examples, projection };
  }
}

/** Images whose maps fit the token projection (64 × 49 = 3,136 tokens ≥ its 3,000-token sample). */
const PROJECTION_IMAGES = 64;
const TOKEN_COMPONENTS = 64;

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

function summary(e: HeldOutEvaluation): Record<string, unknown> {
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    n: e.n,
    accuracy: finite(e.accuracy),
    ece: finite(e.ece),
    nll: finite(e.nll),
    escalationRate: finite(e.escalationRate),
    edgeAccuracy: finite(e.edgeAccuracy),
    perClassRecall: e.perClassRecall,
  };
}
