/**
 * Image queries in the cloud: store the image, then the row (and its escalation) in one transaction; a
 * failed commit deletes the blob, so a bad request leaves nothing behind. Cloud-side answers come from a
 * `CloudPredictor`; `decideCloudAnswer` (libs/decision, docs/DECISION.md "In the cloud") says whether that
 * answer stands or the query goes to the review queue, and why.
 */
import { randomBytes } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { decideCloudAnswer } from '@intellioptics/decision';
import {
  IntelliOpticsError,
  newId,
  readEscalationMetadata,
  resultTypeForMode,
  type Explanation,
  type ImageQueryResult,
  type Source,
  type SubmitImageQuery,
} from '@intellioptics/schema';
import type { Orm } from '../../db/orm';
import type { BlobStore } from '../../blob/blob-store';
import { assertCanSeeDetector, canSeeDetector, type Principal } from '../../auth/principal';
import type { AppPubSub } from '../../graphql/pubsub';
import type { Logger } from '../../ops/logger';
import type { Metrics } from '../../ops/metrics';
import { Detector, type DetectorEntity } from '../detectors/detector.entity';
import type { EscalationService } from '../escalations/escalation.service';
import type { EscalationEntity } from '../escalations/escalation.entity';
import type { CloudPredictor } from './cloud-predictor';
import { cloudExplanation } from './explanation';
import { ImageQuery, type ImageQueryEntity } from './image-query.entity';
import { toRestImageQuery } from './image-query.mapper';

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

  /**
   * Stores a parsed submit (the transport validated parameters and image); returns the stored query, or the
   * existing one for a retry with the same image_query_id.
   */
  async submit(
    principal: Principal,
    cmd: SubmitImageQuery,
    /** The edge's explanation, carried with its escalation (image-query.route.ts). */
    fromEdge: { explanation: Explanation | null } = { explanation: null },
  ): Promise<{ iq: ImageQueryEntity; created: boolean }> {
    assertCanSeeDetector(principal, cmd.detectorId);
    const em0 = this.orm.em.fork();
    const detector = await em0.findOne(Detector, { id: cmd.detectorId });
    if (!detector)
      throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${cmd.detectorId}.`);

    if (cmd.imageQueryId) {
      const existing = await em0.findOne(ImageQuery, { id: cmd.imageQueryId });
      if (existing) return this.sameOrConflict(existing, detector.id, principal);
    }

    const id = cmd.imageQueryId ?? newId('imageQuery');
    const threshold = cmd.confidenceThreshold ?? detector.confidenceThreshold;
    const bytes = Buffer.from(cmd.image.bytes.buffer, cmd.image.bytes.byteOffset, cmd.image.bytes.byteLength);
    const { mime, extension } = cmd.image.info;
    const prediction = await this.predictor.predict({ detector, image: bytes, mime });
    const decision = decideCloudAnswer({
      predictionConfidence: prediction.kind === 'prediction' ? prediction.result.confidence : null,
      threshold,
      humanReview: cmd.humanReview,
      escalationType: detector.escalationType,
      metadata: cmd.metadata,
    });
    const result: ImageQueryResult | null =
      prediction.kind === 'prediction' ? { ...prediction.result, source: 'CLOUD', from_edge: false } : null;
    const explanation = cloudExplanation({
      imageQueryId: id,
      fromEdge: fromEdge.explanation,
      escalated: fromEdge.explanation !== null || readEscalationMetadata(cmd.metadata).reason !== undefined,
      prediction,
      decision,
      threshold,
      result,
    });

    // A nonce per attempt: two concurrent retries of one id never share (and never delete) each other's blob.
    const imageKey = `images/${detector.id}/${id}-${randomBytes(4).toString('hex')}.${extension}`;
    await this.blobs.put(imageKey, bytes, mime);
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
          rois: prediction.kind === 'prediction' ? prediction.rois : null,
          text: prediction.kind === 'prediction' ? prediction.text : null,
          patienceTime: cmd.patienceTime ?? detector.patienceTime,
          confidenceThreshold: threshold,
          humanReview: cmd.humanReview,
          inspectionId: cmd.inspectionId ?? null,
          metadata: cmd.metadata,
          imageKey,
          imageMime: mime,
          imageBytes: bytes.length,
          doneProcessing: !decision.wantsHuman,
          submittedBy: principal.id,
          explanation,
        });
        if (decision.reason) {
          escalation = this.escalations.createInTx(
            em,
            row,
            detector,
            decision.reason,
            readEscalationMetadata(cmd.metadata).edge_result ?? null,
          );
        }
        return row;
      });
    } catch (e) {
      await this.blobs
        .delete(imageKey)
        .catch((err: unknown) => this.logger.warn({ err, imageKey }, 'cleanup failed'));
      if (e instanceof UniqueConstraintViolationException && cmd.imageQueryId) {
        // A concurrent retry with the same id won the race.
        const existing = await this.orm.em.fork().findOne(ImageQuery, { id: cmd.imageQueryId });
        if (existing) return this.sameOrConflict(existing, detector.id, principal);
      }
      throw e;
    }
    this.metrics.imageQueries.inc({ outcome: decision.outcome });
    if (escalation) this.escalations.announce(escalation);
    return { iq, created: true };
  }

  /**
   * A retry is the same submitter sending the same id for the same detector (idempotency is keyed on the
   * submitter, so nobody reads another caller's query by reusing its id); anything else is a conflict.
   */
  private sameOrConflict(existing: ImageQueryEntity, detectorId: string, submitter: Principal) {
    if (existing.submittedBy !== submitter.id) {
      throw new IntelliOpticsError(
        'ALREADY_EXISTS',
        `Image query ${existing.id} was submitted by someone else.`,
      );
    }
    if (existing.detector.id !== detectorId) {
      throw new IntelliOpticsError(
        'ALREADY_EXISTS',
        `Image query ${existing.id} belongs to another detector.`,
      );
    }
    return { iq: existing, created: false };
  }

  /** The image query; IMAGE_QUERY_NOT_FOUND also when `viewer` may not see its detector (a scoped hub). */
  async get(id: string, viewer?: Principal): Promise<ImageQueryEntity> {
    const iq = await this.orm.em.fork().findOne(ImageQuery, { id });
    if (!iq || (viewer && !canSeeDetector(viewer, iq.detector.id)))
      throw new IntelliOpticsError('IMAGE_QUERY_NOT_FOUND', `No image query has the id ${id}.`);
    return iq;
  }

  async getMany(ids: readonly string[]): Promise<ImageQueryEntity[]> {
    return this.orm.em.fork().find(ImageQuery, { id: { $in: [...ids] } });
  }

  async image(id: string, viewer?: Principal): Promise<{ data: Buffer; contentType: string }> {
    const iq = await this.get(id, viewer);
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
