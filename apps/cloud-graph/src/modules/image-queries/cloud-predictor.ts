/**
 * Cloud-side model answers. The image-query service asks the predictor before it queues a human review.
 * `VisionCloudPredictor` (vision.cloud-predictor.ts) answers with the detector's published primary + OODD
 * versions; `NoModelCloudPredictor` answers "no model", so every query goes to the review queue (tests that
 * are about the queue use it).
 */
import type { ImageQueryResult, ModelExplanation, Roi } from '@intellioptics/schema';
import type { DetectorEntity } from '../detectors/detector.entity';

export type CloudPrediction =
  | { kind: 'no_model' }
  | {
      kind: 'prediction';
      result: ImageQueryResult & { confidence: number };
      /** The image query's top-level `rois` (COUNT and BOUNDING_BOX boxes) and `text` (TEXT). */
      rois: Roi[] | null;
      text: string | null;
      /** The published model version; null for the built-in models (COCO detector, OCR). */
      modelVersionId: string | null;
      /** The model's own confidence before the OODD adjustment (`result.confidence` is after it). */
      rawConfidence?: number;
      /** The model's part of the explanation (what it saw, the in-domain check). */
      explanation?: ModelExplanation;
    };

export interface CloudPredictor {
  predict(input: { detector: DetectorEntity; image: Buffer; mime: string }): Promise<CloudPrediction>;
}

export class NoModelCloudPredictor implements CloudPredictor {
  async predict(): Promise<CloudPrediction> {
    return { kind: 'no_model' };
  }
}
