/**
 * Human labels. A label answers its image query (`source: USER`, `confidence: 1.0`, done processing), closes
 * its escalation, and fires `imageQueryUpdated`. The label must fit the detector's mode.
 */
import {
  BOUNDING_BOX_LABELS,
  IntelliOpticsError,
  LabelInputSchema,
  newId,
  normaliseBinaryLabel,
  type DetectorMode,
  type ErrorCode,
  type ImageQueryResult,
  type LabelValue,
  type Roi,
} from '@intellioptics/schema';
import type { Orm } from '../../db/orm';
import type { Principal } from '../../auth/principal';
import type { Metrics } from '../../ops/metrics';
import type { DetectorEntity } from '../detectors/detector.entity';
import { Detector } from '../detectors/detector.entity';
import type { EscalationService } from '../escalations/escalation.service';
import type { CompoundLabelPropagator } from '../compound-detectors/compound-labels';
import { fieldErrors } from '../detectors/detector.service';
import { ImageQuery, Label, type ImageQueryEntity, type LabelEntity } from './image-query.entity';
import type { ImageQueryService } from './image-query.service';

/** The answer a human label gives for a detector of `mode`; INVALID_PARAMETER when it does not fit. */
export function resultFromLabel(
  detector: Pick<DetectorEntity, 'mode' | 'modeConfiguration'>,
  label: string,
  rois: Roi[] | null,
): { result: ImageQueryResult; text: string | null } {
  const common = { confidence: 1, source: 'USER' as const, from_edge: false };
  const mode: DetectorMode = detector.mode;
  const bad = (why: string) =>
    new IntelliOpticsError('INVALID_PARAMETER', `label ${JSON.stringify(label)}: ${why}`);
  switch (mode) {
    case 'BINARY': {
      const normalised = normaliseBinaryLabel(label);
      if (!normalised) throw bad('a binary detector takes YES, NO or UNCLEAR');
      return { result: { ...common, result_type: 'binary_classification', label: normalised }, text: null };
    }
    case 'COUNT': {
      if (!/^\d{1,6}$/.test(label)) throw bad('a counting detector takes a whole number');
      const count = Number(label);
      const max = detector.modeConfiguration?.max_count;
      const greater = typeof max === 'number' && count > max;
      return {
        result: {
          ...common,
          result_type: 'counting',
          count: greater ? max : count,
          greater_than_max: greater,
        },
        text: null,
      };
    }
    case 'MULTI_CLASS': {
      const classes = detector.modeConfiguration?.class_names;
      if (Array.isArray(classes) && !classes.includes(label))
        throw bad(`must be one of ${classes.join(', ')}`);
      return { result: { ...common, result_type: 'multi_classification', label }, text: null };
    }
    case 'TEXT':
      return {
        result: { ...common, result_type: 'text_recognition', text: label, truncated: false },
        text: label,
      };
    case 'BOUNDING_BOX': {
      const upper = label.toUpperCase();
      const bb = (BOUNDING_BOX_LABELS as readonly string[]).includes(upper)
        ? (upper as (typeof BOUNDING_BOX_LABELS)[number])
        : rois && rois.length > 0
          ? 'BOUNDING_BOX'
          : null;
      if (!bb) throw bad(`a bounding-box detector takes ${BOUNDING_BOX_LABELS.join(', ')} or ROIs`);
      return { result: { ...common, result_type: 'bounding_box', label: bb }, text: null };
    }
  }
}

export type LabelOutcome =
  | { ok: true; label: LabelEntity; imageQuery: ImageQueryEntity; detector: DetectorEntity }
  | { ok: false; code: ErrorCode; message: string };

export class LabelService {
  constructor(
    private readonly orm: Orm,
    private readonly escalations: EscalationService,
    private readonly imageQueries: ImageQueryService,
    private readonly metrics: Metrics,
    /** Labels the parts a compound detector's label implies (modules/compound-detectors). */
    private readonly compoundLabels?: Pick<CompoundLabelPropagator, 'propagate'>,
  ) {}

  /** Validates the body and labels; expected failures come back as data (`ok: false`). */
  async label(who: Principal, body: unknown): Promise<LabelOutcome> {
    const parsed = LabelInputSchema.safeParse(body);
    if (!parsed.success) {
      throw new IntelliOpticsError(
        'BAD_REQUEST',
        fieldErrors(parsed.error)
          .map((e) => `${e.path}: ${e.message}`)
          .join('; '),
        { fieldErrors: fieldErrors(parsed.error) },
      );
    }
    const input = parsed.data;
    const rois: Roi[] | null =
      input.rois?.map((r) => ({
        label: r.label,
        score: r.score ?? 1,
        geometry: {
          ...r.geometry,
          x: r.geometry.x ?? (r.geometry.left + r.geometry.right) / 2,
          y: r.geometry.y ?? (r.geometry.top + r.geometry.bottom) / 2,
        },
      })) ?? null;

    const outcome = await this.orm.em.fork().transactional(async (em): Promise<LabelOutcome> => {
      const iq = await em.findOne(ImageQuery, { id: input.image_query_id });
      if (!iq) {
        return {
          ok: false,
          code: 'IMAGE_QUERY_NOT_FOUND',
          message: `No image query has the id ${input.image_query_id}.`,
        };
      }
      const detector = await em.findOneOrFail(Detector, { id: iq.detector.id });
      const { result, text } = resultFromLabel(detector, input.label, rois);
      const resolved = await this.escalations.resolveInTx(em, iq.id, who);
      if (resolved && !resolved.ok) return { ok: false, code: resolved.code, message: resolved.message };
      const label = em.create(Label, {
        id: newId('label'),
        imageQuery: iq,
        label: input.label,
        rois,
        source: 'USER',
        confidence: 1,
        labeledBy: who.id,
      });
      iq.result = result;
      iq.source = 'USER';
      iq.answered = true;
      iq.rois = rois;
      iq.text = text;
      iq.doneProcessing = true;
      return { ok: true, label, imageQuery: iq, detector };
    });
    if (outcome.ok) {
      this.metrics.labels.inc();
      this.imageQueries.announceUpdate(outcome.imageQuery);
      if (outcome.detector.rule && this.compoundLabels) {
        await this.compoundLabels.propagate(outcome.imageQuery, outcome.detector, input.label, who);
      }
    }
    return outcome;
  }

  async forImageQuery(imageQueryId: string): Promise<LabelEntity[]> {
    return this.orm.em.fork().find(Label, { imageQuery: imageQueryId }, { orderBy: { createdAt: 'asc' } });
  }
}

/** The Groundlight `LabelValue` (201 body of `POST /labels`). `detector_id` is an integer in the spec: null. */
export function toLabelValue(label: LabelEntity, detector: DetectorEntity): LabelValue {
  return {
    confidence: label.confidence,
    class_name: label.label,
    annotations_requested: [detector.mode === 'BOUNDING_BOX' ? 'BOUNDING_BOXES' : 'BINARY_CLASSIFICATION'],
    created_at: label.createdAt.toISOString(),
    detector_id: null,
    source: label.source,
    text: detector.mode === 'TEXT' ? label.label : null,
    rois: label.rois ?? null,
  };
}
