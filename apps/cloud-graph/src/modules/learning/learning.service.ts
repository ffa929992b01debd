/**
 * What people and the API do with the learning loop: see a detector's training jobs (progress and logs), ask
 * for a retrain now, and roll a detector back to an earlier model version (its primary and OODD pair).
 */
import type { ErrorCode } from '@intellioptics/schema';
import type { Orm } from '../../db/orm';
import { Detector } from '../detectors/detector.entity';
import { ModelVersion, type ModelVersionEntity } from '../model-versions/model-version.entity';
import type { ModelVersionService } from '../model-versions/model-version.service';
import { TrainingJobRepository, type TrainingJobRow } from './training-job.repository';

export type LearningOutcome<T> = ({ ok: true } & T) | { ok: false; code: ErrorCode; message: string };

export class LearningService {
  readonly jobs: TrainingJobRepository;

  constructor(
    private readonly orm: Orm,
    private readonly models: ModelVersionService,
  ) {
    this.jobs = new TrainingJobRepository(orm);
  }

  listJobs(detectorId: string, limit = 20): Promise<TrainingJobRow[]> {
    return this.jobs.list(detectorId, Math.min(Math.max(limit, 1), 200));
  }

  getJob(id: string): Promise<TrainingJobRow | null> {
    return this.jobs.get(id);
  }

  /** Queues a MANUAL job; CONFLICT when the detector already has one queued or running. */
  async requestTraining(detectorId: string): Promise<LearningOutcome<{ job: TrainingJobRow }>> {
    const detector = await this.orm.em.fork().findOne(Detector, { id: detectorId });
    if (!detector)
      return { ok: false, code: 'DETECTOR_NOT_FOUND', message: `No detector has the id ${detectorId}.` };
    const id = await this.jobs.enqueue(detectorId, 'MANUAL');
    if (!id) {
      return {
        ok: false,
        code: 'CONFLICT',
        message: 'A training job of this detector is already queued or running.',
      };
    }
    const job = await this.jobs.get(id);
    return job ? { ok: true, job } : { ok: false, code: 'NOT_FOUND', message: `Job ${id} vanished.` };
  }

  /**
   * Publishes an earlier version again, with the model of the other kind trained in the same job (a primary
   * and its OODD belong together); the versions published now retire and `modelVersionPublished` fires.
   */
  async rollback(
    modelVersionId: string,
  ): Promise<LearningOutcome<{ primary: ModelVersionEntity; oodd: ModelVersionEntity | null }>> {
    const em = this.orm.em.fork();
    const target = await em.findOne(ModelVersion, { id: modelVersionId });
    if (!target)
      return { ok: false, code: 'NOT_FOUND', message: `No model version has the id ${modelVersionId}.` };
    if (target.state === 'REJECTED' || target.state === 'CANDIDATE') {
      return {
        ok: false,
        code: 'CONFLICT',
        message: `Only a version that was published can be rolled back to (this one is ${target.state}).`,
      };
    }
    const jobId =
      typeof target.metrics['training_job_id'] === 'string' ? target.metrics['training_job_id'] : null;
    const otherKind = target.kind === 'primary' ? 'oodd' : 'primary';
    const siblings = jobId
      ? (await em.find(ModelVersion, { detector: target.detector.id, kind: otherKind })).filter(
          (m) => m.metrics['training_job_id'] === jobId,
        )
      : [];
    const other = siblings[0] ?? null;
    const primary = target.kind === 'primary' ? target : other;
    const oodd = target.kind === 'oodd' ? target : other;
    if (!primary) {
      return {
        ok: false,
        code: 'CONFLICT',
        message: 'The primary model trained with this OODD model is gone.',
      };
    }
    for (const mv of [oodd, primary]) {
      if (!mv) continue;
      const r = await this.models.publish(mv.id);
      if (!r.ok) return { ok: false, code: r.code, message: r.message };
    }
    const fresh = this.orm.em.fork();
    return {
      ok: true,
      primary: await fresh.findOneOrFail(ModelVersion, { id: primary.id }),
      oodd: oodd ? await fresh.findOneOrFail(ModelVersion, { id: oodd.id }) : null,
    };
  }
}
