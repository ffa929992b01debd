/**
 * Image queries in the cloud: store the image, then the row (and its escalation) in one transaction; a
 * failed commit deletes the blob, so a bad request leaves nothing behind. Cloud-side answers come from a
 * `CloudPredictor`; whatever is not answered confidently goes to the review queue unless the request or the
 * detector says no human review.
 */
import { randomBytes } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import {
  IntelliOpticsError,
  SubmitImageQueryParamsSchema,
  decodeMetadata,
  newId,
  resultTypeForMode,
  type ImageQueryResult,
  type Source,
} from '@intellioptics/schema';
import type { Orm } from '../../db/orm';
import type { BlobStore } from '../../blob/blob-store';
import type { Principal } from '../../auth/principal';
import type { AppPubSub } from '../../graphql/pubsub';
import type { Logger } from '../../ops/logger';
import type { Metrics } from '../../ops/metrics';
import { Detector, type DetectorEntity } from '../detectors/detector.entity';
import type { EscalationService } from '../escalations/escalation.service';
import type { EscalationEntity } from '../escalations/escalation.entity';
import { inspectImage } from './image-format';
import type { CloudPredictor } from './cloud-predictor';
import { ImageQuery, type ImageQueryEntity } from './image-query.entity';
import { toRestImageQuery } from './image-query.mapper';

export interface SubmitInput {
  principal: Principal;
  params: Record<string, string>;
  body: Buffer;
}

/** Why an image query entered the review queue (shown in the review UI). */
export function escalationReason(
  metadata: Record<string, unknown> | null,
  humanReview: string,
  prediction: 'no_model' | 'below_threshold',
): string {
  const fromEdge = metadata?.reason;
  if (typeof fromEdge === 'string' && /^[A-Z_]{2,60}$/.test(fromEdge)) return fromEdge;
  if (metadata?.is_edge_audit === true) return 'AUDIT';
  if (humanReview === 'ALWAYS') return 'HUMAN_REVIEW_ALWAYS';
  if (metadata?.edge_result !== undefined && metadata.edge_result !== null) return 'BELOW_THRESHOLD';
  return prediction === 'no_model' ? 'NO_MODEL' : 'BELOW_THRESHOLD';
}

export interface ImageQueryFilter {
  detectorId?: string | null;
  source?: Source | null;
  answered?: boolean | null;
}

export class ImageQueryService {
  constructor(
    private readonly orm: Orm,
    private readonly blobs: BlobStore,
    private readonly pubsub: AppPubSub,
    private readonly escalations: EscalationService,
    private readonly predictor: CloudPredictor,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  /** Validates everything before writing anything; returns the stored query (or the existing one, for a retry). */
  async submit(input: SubmitInput): Promise<{ iq: ImageQueryEntity; created: boolean }> {
    const parsed = SubmitImageQueryParamsSchema.safeParse(input.params);
    if (!parsed.success) {
      const unknown = parsed.error.issues.find((i) => i.code === 'unrecognized_keys');
      const message = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'query'}: ${i.message}`)
        .join('; ');
      throw new IntelliOpticsError(unknown ? 'UNKNOWN_PARAMETER' : 'INVALID_PARAMETER', message);
    }
    const params = parsed.data;
    const meta = decodeMetadata(params.metadata);
    if (!meta.ok) throw new IntelliOpticsError('INVALID_PARAMETER', `metadata: ${meta.error ?? 'invalid'}`);
    const image = inspectImage(input.body);

    const em0 = this.orm.em.fork();
    const detector = await em0.findOne(Detector, { id: params.detector_id });
    if (!detector)
      throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${params.detector_id}.`);

    if (params.image_query_id) {
      const existing = await em0.findOne(ImageQuery, { id: params.image_query_id });
      if (existing) return this.sameOrConflict(existing, detector.id);
    }

    const id = params.image_query_id ?? newId('imageQuery');
    const threshold = params.confidence_threshold ?? detector.confidenceThreshold;
    const humanReview = params.human_review ?? 'DEFAULT';
    const prediction = await this.predictor.predict({ detector, image: input.body, mime: image.mime });
    const confident =
      prediction.kind === 'prediction' &&
      prediction.result.confidence >= threshold &&
      humanReview !== 'ALWAYS';
    const wantsHuman =
      !confident &&
      humanReview !== 'NEVER' &&
      (detector.escalationType !== 'NO_HUMAN_LABELING' || humanReview === 'ALWAYS');
    const result: ImageQueryResult | null =
      prediction.kind === 'prediction' ? { ...prediction.result, source: 'CLOUD', from_edge: false } : null;

    // A nonce per attempt: two concurrent retries of one id never share (and never delete) each other's blob.
    const imageKey = `images/${detector.id}/${id}-${randomBytes(4).toString('hex')}.${image.extension}`;
    await this.blobs.put(imageKey, input.body, image.mime);
    let escalation: EscalationEntity | null = null;
    let iq: ImageQueryEntity;
    try {
      iq = await this.orm.em.fork().transactional(async (em) => {
        const row = em.create(ImageQuery, {
          id,
          detector: detector.id,
          query: detector.query,
          resultType: resultTypeForMode(detector.mode),
          result,
          source: result?.source ?? null,
          answered: result !== null,
          rois: null,
          text: null,
          patienceTime: params.patience_time ?? detector.patienceTime,
          confidenceThreshold: threshold,
          humanReview,
          inspectionId: params.inspection_id ?? null,
          metadata: meta.value,
          imageKey,
          imageMime: image.mime,
          imageBytes: input.body.length,
          doneProcessing: !wantsHuman,
          submittedBy: input.principal.id,
        });
        if (wantsHuman) {
          const edgeResult = meta.value?.edge_result;
          escalation = this.escalations.createInTx(
            em,
            row,
            detector,
            escalationReason(
              meta.value,
              humanReview,
              prediction.kind === 'no_model' ? 'no_model' : 'below_threshold',
            ),
            edgeResult && typeof edgeResult === 'object' ? (edgeResult as Record<string, unknown>) : null,
          );
        }
        return row;
      });
    } catch (e) {
      await this.blobs
        .delete(imageKey)
        .catch((err: unknown) => this.logger.warn({ err, imageKey }, 'cleanup failed'));
      if (e instanceof UniqueConstraintViolationException && params.image_query_id) {
        // A concurrent retry with the same id won the race.
        const existing = await this.orm.em.fork().findOne(ImageQuery, { id: params.image_query_id });
        if (existing) return this.sameOrConflict(existing, detector.id);
      }
      throw e;
    }
    this.metrics.imageQueries.inc({ outcome: confident ? 'answered' : wantsHuman ? 'escalated' : 'pending' });
    if (escalation) this.escalations.announce(escalation);
    return { iq, created: true };
  }

  private sameOrConflict(existing: ImageQueryEntity, detectorId: string) {
    if (existing.detector.id !== detectorId) {
      throw new IntelliOpticsError(
        'ALREADY_EXISTS',
        `Image query ${existing.id} belongs to another detector.`,
      );
    }
    return { iq: existing, created: false };
  }

  async get(id: string): Promise<ImageQueryEntity> {
    const iq = await this.orm.em.fork().findOne(ImageQuery, { id });
    if (!iq) throw new IntelliOpticsError('IMAGE_QUERY_NOT_FOUND', `No image query has the id ${id}.`);
    return iq;
  }

  async getMany(ids: readonly string[]): Promise<ImageQueryEntity[]> {
    return this.orm.em.fork().find(ImageQuery, { id: { $in: [...ids] } });
  }

  async image(id: string): Promise<{ data: Buffer; contentType: string }> {
    const iq = await this.get(id);
    const blob = await this.blobs.get(iq.imageKey);
    if (!blob) throw new IntelliOpticsError('NOT_FOUND', `The image of ${id} is gone.`);
    return { data: blob.data, contentType: iq.imageMime };
  }

  /** Page-numbered list for REST, newest first. */
  async list(opts: { page: number; pageSize: number; detectorId?: string | undefined }) {
    const where = opts.detectorId ? { detector: opts.detectorId } : {};
    const [items, count] = await this.orm.em.fork().findAndCount(ImageQuery, where, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: opts.pageSize,
      offset: (opts.page - 1) * opts.pageSize,
    });
    return { items, count };
  }

  /** Cursor pagination for GraphQL, newest first. */
  async connection(opts: { first: number; after?: string | null; filter: ImageQueryFilter }) {
    const where: Record<string, unknown> = {};
    if (opts.filter.detectorId) where.detector = opts.filter.detectorId;
    if (opts.filter.source) where.source = opts.filter.source;
    if (opts.filter.answered !== null && opts.filter.answered !== undefined)
      where.answered = opts.filter.answered;
    if (opts.after) {
      const c = decodeIqCursor(opts.after);
      if (!c) throw new IntelliOpticsError('INVALID_PARAMETER', 'after: not a cursor from this API');
      where.$or = [{ createdAt: { $lt: c.createdAt } }, { createdAt: c.createdAt, id: { $lt: c.id } }];
    }
    const items = await this.orm.em.fork().find(ImageQuery, where, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: opts.first + 1,
    });
    return { items: items.slice(0, opts.first), hasNextPage: items.length > opts.first };
  }

  /** Publishes `imageQueryUpdated` with the REST shape of the query. */
  announceUpdate(iq: ImageQueryEntity): void {
    this.pubsub.publish('imageQueryUpdated', iq.id, {
      imageQueryId: iq.id,
      detectorId: iq.detector.id,
      imageQuery: toRestImageQuery(iq),
    });
  }
}

export function encodeIqCursor(iq: ImageQueryEntity): string {
  return Buffer.from(`${iq.createdAt.toISOString()}|${iq.id}`).toString('base64url');
}

function decodeIqCursor(cursor: string): { createdAt: Date; id: string } | null {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  return id && !Number.isNaN(createdAt.getTime()) ? { createdAt, id } : null;
}

export type { DetectorEntity };
