import {
  DetectorCreationInputSchema,
  IntelliOpticsError,
  PatchedDetectorInputSchema,
  decodeMetadata,
  modeConfigurationSchema,
  newId,
  type DetectorCreationInput,
  type PatchedDetectorInput,
} from '@intellioptics/schema';
import type { z } from 'zod';
import { flushOrConflict } from '../../db/flush-or-conflict';
import type { Orm } from '../../db/orm';
import type { BlobStore } from '../../blob/blob-store';
import type { Logger } from '../../ops/logger';
import { ImageQuery } from '../image-queries/image-query.entity';
import { ModelVersion } from '../model-versions/model-version.entity';
import { TrainingJob } from '../learning/training-job.entity';
import { ensureDetectorGroup } from '../detector-groups/detector-group.service';
import { Detector, type DetectorEntity } from './detector.entity';

export const DEFAULT_GROUP_NAME = 'default';

/** Field errors from a zod failure, in the problem body's `errors` shape. */
export function fieldErrors(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
}

function badInput(error: z.ZodError): IntelliOpticsError {
  const errors = fieldErrors(error);
  return new IntelliOpticsError('BAD_REQUEST', errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
    fieldErrors: errors,
  });
}

function parseMetadata(value: DetectorCreationInput['metadata']): Record<string, unknown> | null {
  const decoded = decodeMetadata(value);
  if (!decoded.ok) {
    throw new IntelliOpticsError('BAD_REQUEST', decoded.error ?? 'metadata is not valid', {
      fieldErrors: [{ path: 'metadata', message: decoded.error ?? 'invalid' }],
    });
  }
  return decoded.value;
}

export class DetectorService {
  constructor(
    private readonly orm: Orm,
    private readonly blobs: BlobStore,
    private readonly logger: Logger,
  ) {}

  async create(body: unknown): Promise<DetectorEntity> {
    const parsed = DetectorCreationInputSchema.safeParse(body);
    if (!parsed.success) throw badInput(parsed.error);
    const input = parsed.data;
    if (input.priming_group_id !== null && input.priming_group_id !== undefined) {
      // IntelliOptics has no priming groups (pre-trained starting points): every id names none.
      throw new IntelliOpticsError(
        'BAD_REQUEST',
        `priming_group_id: no priming group has the id ${JSON.stringify(input.priming_group_id)}.`,
        { fieldErrors: [{ path: 'priming_group_id', message: 'no such priming group' }] },
      );
    }
    const mode = input.mode ?? 'BINARY';
    const modeConfig = modeConfigurationSchema(mode).safeParse(input.mode_configuration ?? null);
    if (!modeConfig.success) {
      throw new IntelliOpticsError(
        'BAD_REQUEST',
        `mode_configuration is not valid for mode ${mode}: ${fieldErrors(modeConfig.error)
          .map((e) => `${e.path}: ${e.message}`)
          .join('; ')}`,
      );
    }
    const metadata = parseMetadata(input.metadata);
    const em = this.orm.em.fork();
    const detector = em.create(Detector, {
      id: newId('detector'),
      name: input.name,
      query: input.query,
      groupName: input.group_name ?? DEFAULT_GROUP_NAME,
      mode,
      modeConfiguration: (modeConfig.data as Record<string, unknown> | null) ?? null,
      confidenceThreshold: input.confidence_threshold ?? 0.9,
      patienceTime: input.patience_time ?? 30,
      status: 'ON',
      escalationType: input.escalation_type === 'NO_HUMAN_LABELING' ? 'NO_HUMAN_LABELING' : 'STANDARD',
      reasoning: input.reasoning ?? 'linear',
      escalationPolicy: input.escalation_policy ?? null,
      metadata,
    });
    // The group first: a detector never exists without its group (a group without detectors is fine).
    await ensureDetectorGroup(this.orm, detector.groupName);
    await flushOrConflict(em, () => `A detector named ${JSON.stringify(input.name)} exists.`);
    return detector;
  }

  async get(id: string): Promise<DetectorEntity> {
    const detector = await this.orm.em.fork().findOne(Detector, { id });
    if (!detector) throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${id}.`);
    return detector;
  }

  /** DETECTOR_NOT_FOUND naming every id that is not a detector. */
  async assertExist(ids: readonly string[]): Promise<void> {
    const found = new Set((await this.getMany([...new Set(ids)])).map((d) => d.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${missing.join(', ')}.`);
    }
  }

  async getMany(ids: readonly string[]): Promise<DetectorEntity[]> {
    return this.orm.em.fork().find(Detector, { id: { $in: [...ids] } });
  }

  /** Page `page` (1-based) of detectors, newest first; `name` is an exact-name filter, `ids` a scope. */
  async list(opts: { page: number; pageSize: number; name?: string | undefined; ids?: string[] | null }) {
    const where = {
      ...(opts.name === undefined ? {} : { name: opts.name }),
      ...(opts.ids ? { id: { $in: opts.ids } } : {}),
    };
    const [items, count] = await this.orm.em.fork().findAndCount(Detector, where, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: opts.pageSize,
      offset: (opts.page - 1) * opts.pageSize,
    });
    return { items, count };
  }

  async update(id: string, body: unknown): Promise<DetectorEntity> {
    const parsed = PatchedDetectorInputSchema.safeParse(body);
    if (!parsed.success) throw badInput(parsed.error);
    const patch: PatchedDetectorInput = parsed.data;
    const em = this.orm.em.fork();
    const detector = await em.findOne(Detector, { id });
    if (!detector) throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${id}.`);
    if (patch.name !== undefined) detector.name = patch.name;
    if (patch.confidence_threshold !== undefined) detector.confidenceThreshold = patch.confidence_threshold;
    if (patch.patience_time !== undefined) detector.patienceTime = patch.patience_time;
    if (patch.status !== undefined) detector.status = patch.status;
    if (patch.escalation_type !== undefined) detector.escalationType = patch.escalation_type;
    if (patch.group_name !== undefined) detector.groupName = patch.group_name;
    if (patch.reasoning !== undefined) detector.reasoning = patch.reasoning;
    if (patch.escalation_policy !== undefined) detector.escalationPolicy = patch.escalation_policy;
    if (patch.metadata !== undefined) detector.metadata = parseMetadata(patch.metadata);
    if (patch.group_name !== undefined) await ensureDetectorGroup(this.orm, detector.groupName);
    await flushOrConflict(em, () => `A detector named ${JSON.stringify(patch.name)} exists.`);
    return detector;
  }

  /** Deletes the detector with its image queries, labels, escalations and model versions (and their blobs). */
  async delete(id: string): Promise<void> {
    const keys = await this.orm.em.fork().transactional(async (em) => {
      const detector = await em.findOne(Detector, { id }, { lockMode: undefined });
      if (!detector) throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${id}.`);
      const iqs = await em.find(ImageQuery, { detector: id }, { fields: ['imageKey'] });
      const models = await em.find(ModelVersion, { detector: id }, { fields: ['blobKey'] });
      await em.nativeDelete(Detector, { id });
      return [...iqs.map((q) => q.imageKey), ...models.map((m) => m.blobKey)];
    });
    await this.deleteBlobs(keys);
  }

  /**
   * `DELETE /v1/detector-reset/{id}` as the reference does it: the detector stays (name, query, threshold,
   * notes) but starts over: its image queries go with their labels, escalations and cached features, and its
   * model versions and training jobs with them (fetch-model-urls then answers "no model").
   */
  async reset(id: string): Promise<void> {
    const keys = await this.orm.em.fork().transactional(async (em) => {
      const detector = await em.findOne(Detector, { id });
      if (!detector) throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${id}.`);
      const iqs = await em.find(ImageQuery, { detector: id }, { fields: ['imageKey'] });
      const models = await em.find(ModelVersion, { detector: id }, { fields: ['blobKey'] });
      // Labels, escalations and image features cascade from their image query.
      await em.nativeDelete(ImageQuery, { detector: id });
      await em.nativeDelete(TrainingJob, { detector: id });
      await em.nativeDelete(ModelVersion, { detector: id });
      return [...iqs.map((q) => q.imageKey), ...models.map((m) => m.blobKey)];
    });
    await this.deleteBlobs(keys);
  }

  /** After the commit: a failure leaves an orphan blob, never a dangling row. */
  private async deleteBlobs(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      await this.blobs
        .delete(key)
        .catch((e: unknown) => this.logger.warn({ err: e, key }, 'blob delete failed'));
    }
  }
}
