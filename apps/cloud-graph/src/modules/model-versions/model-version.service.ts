/**
 * The model registry: every version of every detector's primary and OODD model, its package in the blob
 * store, its sha256 and metrics. Publishing retires the previously published version of the same kind and
 * fires `modelVersionPublished`; edges then fetch signed URLs through `edgeModelInfo`.
 */
import { createHash } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import {
  IntelliOpticsError,
  newId,
  type EdgeModelInfo,
  type ErrorCode,
  type ModelKind,
  type ModelVersionState,
} from '@intellioptics/schema';
import type { Orm } from '../../db/orm';
import type { BlobStore } from '../../blob/blob-store';
import type { AppPubSub } from '../../graphql/pubsub';
import type { Logger } from '../../ops/logger';
import { Detector } from '../detectors/detector.entity';
import { ModelVersion, type ModelVersionEntity } from './model-version.entity';

export type ModelVersionOutcome =
  { ok: true; modelVersion: ModelVersionEntity } | { ok: false; code: ErrorCode; message: string };

export class ModelVersionService {
  constructor(
    private readonly orm: Orm,
    private readonly blobs: BlobStore,
    private readonly pubsub: AppPubSub,
    private readonly logger: Logger,
    private readonly opts: { signedUrlTtlSeconds: number },
  ) {}

  /** Stores a package as the next CANDIDATE version of (detector, kind). */
  async create(input: {
    detectorId: string;
    kind: ModelKind;
    data: Buffer;
    metrics: Record<string, unknown>;
  }): Promise<ModelVersionEntity> {
    if (input.data.length === 0) throw new IntelliOpticsError('EMPTY_BODY', 'The model package is empty.');
    const detector = await this.orm.em.fork().findOne(Detector, { id: input.detectorId });
    if (!detector)
      throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${input.detectorId}.`);
    const id = newId('modelVersion');
    const blobKey = `models/${input.detectorId}/${input.kind}/${id}/model.buf`;
    const sha256 = createHash('sha256').update(input.data).digest('hex');
    await this.blobs.put(blobKey, input.data, 'application/octet-stream');
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.orm.em.fork().transactional(async (em) => {
            const last = await em.findOne(
              ModelVersion,
              { detector: input.detectorId, kind: input.kind },
              { orderBy: { number: 'desc' }, fields: ['number'] },
            );
            return em.create(ModelVersion, {
              id,
              detector: input.detectorId,
              kind: input.kind,
              number: (last?.number ?? 0) + 1,
              sha256,
              sizeBytes: input.data.length,
              blobKey,
              metrics: input.metrics,
              state: 'CANDIDATE',
            });
          });
        } catch (e) {
          // Two creators picked the same number: the unique index refused one; it tries the next number.
          if (!(e instanceof UniqueConstraintViolationException) || attempt >= 5) throw e;
        }
      }
    } catch (e) {
      await this.blobs
        .delete(blobKey)
        .catch((err: unknown) => this.logger.warn({ err, blobKey }, 'cleanup failed'));
      throw e;
    }
  }

  async publish(id: string): Promise<ModelVersionOutcome> {
    const outcome = await this.orm.em.fork().transactional(async (em): Promise<ModelVersionOutcome> => {
      const mv = await em.findOne(ModelVersion, { id });
      if (!mv) return { ok: false, code: 'NOT_FOUND', message: `No model version has the id ${id}.` };
      if (mv.state === 'PUBLISHED') return { ok: true, modelVersion: mv };
      if (mv.state === 'REJECTED')
        return { ok: false, code: 'CONFLICT', message: 'A rejected model version cannot be published.' };
      const now = new Date();
      await em.nativeUpdate(
        ModelVersion,
        { detector: mv.detector.id, kind: mv.kind, state: 'PUBLISHED', id: { $ne: id } },
        { state: 'RETIRED', retiredAt: now },
      );
      mv.state = 'PUBLISHED';
      mv.publishedAt = now;
      mv.retiredAt = null;
      return { ok: true, modelVersion: mv };
    });
    if (outcome.ok) {
      const mv = outcome.modelVersion;
      this.pubsub.publish('modelVersionPublished', {
        detectorId: mv.detector.id,
        kind: mv.kind,
        version: mv.number,
        modelVersionId: mv.id,
        sha256: mv.sha256,
        publishedAt: (mv.publishedAt ?? new Date()).toISOString(),
      });
    }
    return outcome;
  }

  async retire(id: string): Promise<ModelVersionOutcome> {
    const em = this.orm.em.fork();
    const mv = await em.findOne(ModelVersion, { id });
    if (!mv) return { ok: false, code: 'NOT_FOUND', message: `No model version has the id ${id}.` };
    if (mv.state === 'RETIRED')
      return { ok: false, code: 'CONFLICT', message: 'The model version is already retired.' };
    mv.state = 'RETIRED';
    mv.retiredAt = new Date();
    await em.flush();
    return { ok: true, modelVersion: mv };
  }

  async list(filter: {
    detectorId?: string | null;
    kind?: ModelKind | null;
    state?: ModelVersionState | null;
  }) {
    const where: Record<string, unknown> = {};
    if (filter.detectorId) where.detector = filter.detectorId;
    if (filter.kind) where.kind = filter.kind;
    if (filter.state) where.state = filter.state;
    return this.orm.em
      .fork()
      .find(ModelVersion, where, { orderBy: { detector: 'asc', kind: 'asc', number: 'desc' } });
  }

  async published(
    detectorId: string,
  ): Promise<{ primary: ModelVersionEntity | null; oodd: ModelVersionEntity | null }> {
    const rows = await this.orm.em.fork().find(ModelVersion, { detector: detectorId, state: 'PUBLISHED' });
    return {
      primary: rows.find((r) => r.kind === 'primary') ?? null,
      oodd: rows.find((r) => r.kind === 'oodd') ?? null,
    };
  }

  /** `EdgeModelInfo` for a detector: signed URLs of the published primary/OODD packages, nulls when none. */
  async edgeModelInfo(detectorId: string): Promise<EdgeModelInfo> {
    const detector = await this.orm.em.fork().findOne(Detector, { id: detectorId });
    if (!detector)
      throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${detectorId}.`);
    const { primary, oodd } = await this.published(detectorId);
    const url = (mv: ModelVersionEntity | null) =>
      mv ? this.blobs.signedUrl(mv.blobKey, this.opts.signedUrlTtlSeconds) : Promise.resolve(null);
    const [primaryUrl, ooddUrl, primaryFiles, ooddFiles] = await Promise.all([
      url(primary),
      url(oodd),
      this.packageSidecar(primary),
      this.packageSidecar(oodd),
    ]);
    return {
      model_binary_id: primary?.id ?? null,
      model_binary_url: primaryUrl,
      oodd_model_binary_id: oodd?.id ?? null,
      oodd_model_binary_url: ooddUrl,
      pipeline_config: primaryFiles.pipelineConfig,
      oodd_pipeline_config: ooddFiles.pipelineConfig,
      predictor_metadata: primary
        ? JSON.stringify({
            mode: detector.mode,
            mode_configuration: detector.modeConfiguration ?? null,
            primary: {
              id: primary.id,
              version: primary.number,
              sha256: primary.sha256,
              metrics: primary.metrics,
              pipeline_config: primaryFiles.pipelineConfig,
              predictor_metadata: primaryFiles.predictorMetadata,
            },
            oodd: oodd
              ? {
                  id: oodd.id,
                  version: oodd.number,
                  sha256: oodd.sha256,
                  metrics: oodd.metrics,
                  pipeline_config: ooddFiles.pipelineConfig,
                  predictor_metadata: ooddFiles.predictorMetadata,
                }
              : null,
          })
        : null,
      minimal_compatible: false,
    };
  }

  /**
   * The package files stored beside a bare `model.buf` (the training worker writes them there), so an edge that
   * downloads only model.buf through the signed URL can rebuild the whole package. Nulls when absent (a
   * version uploaded as a packed archive carries them inside).
   */
  private async packageSidecar(
    mv: ModelVersionEntity | null,
  ): Promise<{ pipelineConfig: string | null; predictorMetadata: Record<string, unknown> | null }> {
    if (!mv) return { pipelineConfig: null, predictorMetadata: null };
    const dir = mv.blobKey.slice(0, mv.blobKey.lastIndexOf('/'));
    const [pipeline, metadata] = await Promise.all([
      this.blobs.get(`${dir}/pipeline_config.yaml`),
      this.blobs.get(`${dir}/predictor_metadata.json`),
    ]);
    let predictorMetadata: Record<string, unknown> | null;
    try {
      predictorMetadata = metadata
        ? (JSON.parse(metadata.data.toString('utf8')) as Record<string, unknown>)
        : null;
    } catch {
      predictorMetadata = null; // a broken sidecar: the edge refuses the package and says why
    }
    return { pipelineConfig: pipeline ? pipeline.data.toString('utf8') : null, predictorMetadata };
  }
}
