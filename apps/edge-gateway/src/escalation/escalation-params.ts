/**
 * What an escalation carries to the cloud besides the image: the query parameters of the cloud's
 * `POST /image-queries`, stored with the outbox item. Their metadata is libs/schema's escalation metadata
 * (the caller's keys plus `reason`, `edge_result`, `is_edge_audit`, `inspection_id`).
 */
import type { EdgeConfidence } from '@intellioptics/decision';
import {
  edgeResultSummary,
  type EdgeResultSummary,
  type Explanation,
  type HumanReview,
} from '@intellioptics/schema';
import type { EdgePrediction } from '../inference-client/inference.client';

export interface EscalationParams {
  patience_time: number;
  confidence_threshold: number;
  human_review: HumanReview | null;
  /** Decoded metadata: the caller's plus the edge's (schema `escalationMetadata`). */
  metadata: Record<string, unknown>;
  /** The edge's explanation of its answer; sent beside the image (absent in items queued before it existed). */
  explanation?: Explanation;
}

/** The edge's numbers for one answer (`metadata.edge_result`); null when no inference ran. */
export function edgeResultOf(
  edge: EdgeConfidence | null,
  prediction: EdgePrediction | null,
): EdgeResultSummary | null {
  if (!prediction) return null;
  return edgeResultSummary({
    classIndex: prediction.classIndex,
    primaryConfidence: prediction.primaryConfidence,
    outlierProbability: prediction.outlierProbability,
    adjustedConfidence: edge ? edge.adjustedConfidence : null,
    threshold: edge?.threshold ?? null,
    modelVersions: prediction.modelVersions,
    modelIds: prediction.modelIds,
  });
}
