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
 */
import {
  classLayout,
  decidePromotion,
  decideRetrain,
  evaluatePredictions,
  trainCandidate,
  UnsupportedModeError,
  type HeldOutEvaluation,
  type LabelledExample,
  type Prediction,
} from '@intellioptics/learning';
import type { DetectorMode } from '@intellioptics/schema';
import type { VisionEngine } from '@intellioptics/vision';
import type { BlobStore } from '../../blob/blob-store';
import type { Orm } from '../../db/orm';
import type { Logger } from '../../ops/logger';
import type { Metrics } from '../../ops/metrics';
import { Detector, type DetectorEntity } from '../detectors/detector.entity';
import { ModelVersion, type ModelVersionEntity } from '../model-versions/model-version.entity';
import type { ModelVersionService } from '../model-versions/model-version.service';
import { getPackage, putPackageSiblings } from './model-package.blobs';
import type { TrainingWorkerConfig } from './training.config';
import { TrainingJobRepository, type TrainingJobRow } from './training-job.repository';

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
    await this.beat(job, { stage: 'training', progress: 0.4 });
    const progressLines: string[] = [];
    const candidate = trainCandidate({
      detector: {
        id: detector.id,
        mode: detector.mode,
        modeConfiguration: detector.modeConfiguration ?? null,
        confidenceThreshold: detector.confidenceThreshold,
      },
      examples,
      backbone: engine.backbone,
      pipeline: engine.pipeline,
      options: config.train,
      onProgress: (p) => progressLines.push(`${p.stage}: ${p.message}`),
    });
    await this.beat(job, { stage: 'evaluation', progress: 0.8, log: progressLines });

    const current = await this.evaluateCurrent(
      detector,
      candidate.evaluation,
      candidate.heldOutLabels,
      features,
    );
    const decision = decidePromotion({
      candidate: candidate.evaluation,
      current: current.evaluation,
      currentUnavailable: current.unavailable !== null,
      config: config.promotion,
    });
    const decisionLine = `promotion ${decision.rule}: ${decision.publish ? 'publish' : 'refuse'} (${decision.reason})${current.unavailable ? `; current version not evaluable: ${current.unavailable}` : ''}`;
    await this.beat(job, { stage: 'publishing', progress: 0.9, log: [decisionLine] });

    const versionMetrics = {
      ...candidate.metrics,
      training_job_id: job.id,
      promotion: decision,
      examples_per_class: candidate.examplesPerClass,
      compared_with: current.versionId,
    };
    const stored: Record<'primary' | 'oodd', ModelVersionEntity> = {
      primary: await models.create({
        detectorId: detector.id,
        kind: 'primary',
        data: Buffer.from(candidate.primary.modelBytes),
        metrics: versionMetrics,
      }),
      oodd: await models.create({
        detectorId: detector.id,
        kind: 'oodd',
        data: Buffer.from(candidate.oodd.modelBytes),
        metrics: versionMetrics,
      }),
    };
    await putPackageSiblings(blobs, stored.primary.blobKey, candidate.primary, stored.primary.id);
    await putPackageSiblings(blobs, stored.oodd.blobKey, candidate.oodd, stored.oodd.id);
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
        metrics: candidate.metrics,
        calibration: candidate.calibration,
        examplesPerClass: candidate.examplesPerClass,
        skippedLabels: candidate.skippedLabels,
        unreadableImages: unreadable,
        modelVersionIds: { primary: stored.primary.id, oodd: stored.oodd.id },
        versions: { primary: stored.primary.number, oodd: stored.oodd.number },
        comparedWith: current.versionId,
        currentEvaluation: current.evaluation ? summary(current.evaluation) : null,
        candidateEvaluation: summary(candidate.evaluation),
      },
      summary: `${outcome === 'PUBLISHED' ? 'published' : 'refused'} primary v${stored.primary.number} (${stored.primary.id}) and oodd v${stored.oodd.number}: accuracy ${fmt(candidate.evaluation.accuracy)}, ECE ${fmt(candidate.evaluation.ece)} on ${candidate.evaluation.n} held-out images`,
    };
  }

  /** The published version's heads run on the candidate's held-out images (null when there is none). */
  private async evaluateCurrent(
    detector: DetectorEntity,
    candidate: HeldOutEvaluation,
    labels: number[],
    features: Map<string, Float32Array>,
  ): Promise<{ evaluation: HeldOutEvaluation | null; unavailable: string | null; versionId: string | null }> {
    const published = await this.deps.models.published(detector.id);
    if (!published.primary) return { evaluation: null, unavailable: null, versionId: null };
    const versionId = published.primary.id;
    try {
      const engine = await this.deps.engine();
      const primaryPkg = await getPackage(this.deps.blobs, published.primary.blobKey);
      const ooddPkg = published.oodd ? await getPackage(this.deps.blobs, published.oodd.blobKey) : null;
      const primary = await engine.loadHead(primaryPkg);
      const oodd = ooddPkg ? await engine.loadHead(ooddPkg) : null;
      try {
        const x = candidate.exampleIds.map((id) => features.get(id)!);
        const [p, o] = await Promise.all([primary.run(x), oodd ? oodd.run(x) : Promise.resolve(null)]);
        const predictions: Prediction[] = p.map((out, i) => {
          const od = o?.[i];
          return {
            probabilities: out.kind === 'primary' ? out.probabilities : [],
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
}

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
