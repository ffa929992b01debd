/**
 * Cloud-side model answers. The image-query service asks the predictor before it queues a human review.
 * `VisionCloudPredictor` (vision.cloud-predictor.ts) answers with the detector's published primary + OODD
 * versions; `NoModelCloudPredictor` answers "no model", so every query goes to the review queue (tests that
 * are about the queue use it).
 */
import type { ImageQueryResult } from '@intellioptics/schema';
import type { DetectorEntity } from '../detectors/detector.entity';

export type CloudPrediction =
  | { kind: 'no_model' }
  | { kind: 'prediction'; result: ImageQueryResult & { confidence: number }; modelVersionId: string };

export interface CloudPredictor {
  predict(input: { detector: DetectorEntity; image: Buffer; mime: string }): Promise<CloudPrediction>;
}

export class NoModelCloudPredictor implements CloudPredictor {
  async predict(): Promise<CloudPrediction> {
    return { kind: 'no_model' };
  }
}
