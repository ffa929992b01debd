/**
 * What an escalation carries to the cloud besides the image: the query parameters of the cloud's
 * `POST /image-queries`, with the metadata the edge adds to the caller's (`reason`, `edge_result`, and
 * `is_edge_audit` / `inspection_id` when they apply). The review UI shows `edge_result` beside the image.
 */
import type { DecisionReason, EdgeConfidence, OutboxKind } from '@intellioptics/decision';
import type { HumanReview } from '@intellioptics/schema';
import type { EdgePrediction } from '../inference-client/inference-response';

export interface EscalationParams {
  patience_time: number;
  confidence_threshold: number;
  human_review: HumanReview | null;
  /** Decoded metadata: the caller's plus `edge_result` and `reason`. */
  metadata: Record<string, unknown>;
}

/** The cloud keeps at most this much metadata per image query (Groundlight's limit). */
export const METADATA_LIMIT_BYTES = 1024;

/** The edge's numbers for one answer, as `metadata.edge_result` of the image query and its escalation. */
export function edgeResultSummary(
  edge: EdgeConfidence | null,
  prediction: EdgePrediction | null,
): Record<string, unknown> | null {
  if (!prediction) return null;
  return {
    class_index: prediction.classIndex,
    raw_primary_confidence: round(prediction.primaryConfidence),
    oodd_outlier_probability:
      prediction.outlierProbability === null ? null : round(prediction.outlierProbability),
    adjusted_confidence: edge ? round(edge.adjustedConfidence) : null,
    threshold: edge?.threshold ?? null,
    primary_model_version: prediction.modelVersions.primary,
    oodd_model_version: prediction.modelVersions.oodd,
    ...(prediction.modelIds.primary ? { mlb_key: prediction.modelIds.primary } : {}),
    ...(prediction.modelIds.oodd ? { oodd_mlb_key: prediction.modelIds.oodd } : {}),
  };
}

export interface EscalationMetadataInput {
  userMetadata: Record<string, unknown> | null;
  reason: DecisionReason;
  edgeResult: Record<string, unknown> | null;
  kind: OutboxKind;
  inspectionId: string | undefined;
}

/** The caller's metadata plus the edge's; ≤ 1 KiB (edge_result and inspection_id go first, then the caller's). */
export function escalationMetadata(m: EscalationMetadataInput): Record<string, unknown> {
  const audit = m.kind === 'audit' ? { is_edge_audit: true } : {};
  const full = {
    ...m.userMetadata,
    reason: m.reason,
    edge_result: m.edgeResult,
    ...audit,
    ...(m.inspectionId ? { inspection_id: m.inspectionId } : {}),
  };
  if (fits(full)) return full;
  const withoutEdge = { ...m.userMetadata, reason: m.reason, ...audit };
  return fits(withoutEdge) ? withoutEdge : { reason: m.reason };
}

function fits(metadata: Record<string, unknown>): boolean {
  return Buffer.byteLength(JSON.stringify(metadata)) <= METADATA_LIMIT_BYTES;
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
