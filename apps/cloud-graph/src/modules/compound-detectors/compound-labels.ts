/**
 * A reviewer's label on a compound detector's image query also labels its parts where the rule forces their
 * answers (libs/decision `impliedPartLabels`: `all` YES → every part holds, `any` NO → none does, `not`
 * flips; counts and spatial leaves imply no exact answer). Each implied label becomes a labelled image query
 * of the part detector on a copy of the same image (its own blob: deleting or resetting one detector must not
 * take another's training image), so the part's training sees it like any other human label.
 */
import { impliedPartLabels } from '@intellioptics/decision';
import { newId, normaliseBinaryLabel, parseCompoundRule } from '@intellioptics/schema';
import type { Principal } from '../../auth/principal';
import type { BlobStore } from '../../blob/blob-store';
import type { Orm } from '../../db/orm';
import type { Logger } from '../../ops/logger';
import { Detector, type DetectorEntity } from '../detectors/detector.entity';
import { ImageQuery, Label, type ImageQueryEntity } from '../image-queries/image-query.entity';

export class CompoundLabelPropagator {
  constructor(
    private readonly orm: Orm,
    private readonly blobs: BlobStore,
    private readonly logger: Logger,
  ) {}

  /**
   * The part image queries created for a label on `iq` of compound `detector`. Never throws: the reviewer's
   * label is already stored, and a part left unlabelled must not turn it into an error.
   */
  async propagate(
    iq: ImageQueryEntity,
    detector: DetectorEntity,
    label: string,
    who: Principal,
  ): Promise<string[]> {
    try {
      return await this.labelParts(iq, detector, label, who);
    } catch (err) {
      this.logger.error({ err, imageQueryId: iq.id }, 'compound label: labelling the parts failed');
      return [];
    }
  }

  private async labelParts(
    iq: ImageQueryEntity,
    detector: DetectorEntity,
    label: string,
    who: Principal,
  ): Promise<string[]> {
    const rule = detector.rule ? parseCompoundRule(detector.rule) : null;
    const value = normaliseBinaryLabel(label);
    if (!rule?.ok || (value !== 'YES' && value !== 'NO')) return [];
    const implied = impliedPartLabels(rule.rule, value);
    if (implied.size === 0) return [];
    const image = await this.blobs.get(iq.imageKey);
    if (!image) {
      this.logger.warn({ imageQueryId: iq.id }, 'compound label: the image is gone; parts not labelled');
      return [];
    }
    const em = this.orm.em.fork();
    const parts = await em.find(Detector, { id: { $in: [...implied.keys()] }, mode: 'BINARY' });
    const created: string[] = [];
    for (const part of parts) {
      const partLabel = implied.get(part.id)!;
      const id = newId('imageQuery');
      const imageKey = `images/${part.id}/${id}-from-${iq.id}.${iq.imageKey.split('.').pop() ?? 'jpg'}`;
      await this.blobs.put(imageKey, image.data, image.contentType);
      const partIq = em.create(ImageQuery, {
        id,
        detector: part,
        query: part.query,
        resultType: 'binary_classification',
        result: {
          result_type: 'binary_classification',
          label: partLabel,
          confidence: 1,
          source: 'USER',
          from_edge: false,
        },
        source: 'USER',
        answered: true,
        rois: null,
        text: null,
        patienceTime: part.patienceTime,
        confidenceThreshold: part.confidenceThreshold,
        humanReview: 'DEFAULT',
        inspectionId: null,
        metadata: { compound_image_query_id: iq.id, compound_detector_id: detector.id },
        imageKey,
        imageMime: iq.imageMime,
        imageBytes: iq.imageBytes,
        doneProcessing: true,
        submittedBy: who.id,
        explanation: null,
      });
      em.create(Label, {
        id: newId('label'),
        imageQuery: partIq,
        label: partLabel,
        rois: null,
        source: 'USER',
        confidence: 1,
        labeledBy: who.id,
      });
      created.push(id);
    }
    await em.flush();
    return created;
  }
}
