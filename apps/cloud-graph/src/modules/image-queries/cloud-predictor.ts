/**
 * Cloud-side model answers. The image-query service asks the predictor before it queues a human review;
 * the real implementation arrives with libs/vision (it will load the detector's published primary + OODD
 * versions). Until then `NoModelCloudPredictor` answers "no model" and every query goes to the review queue.
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
