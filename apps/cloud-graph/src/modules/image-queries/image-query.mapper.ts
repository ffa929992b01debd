import { userMetadata, type ImageQuery as RestImageQuery } from '@intellioptics/schema';
import type { ImageQueryEntity } from './image-query.entity';

/**
 * The Groundlight `ImageQuery` wire shape; `result_type` is repeated inside `result`. `metadata` is the
 * caller's: an edge's escalation keys (reason, edge_result…) stay in IntelliOptics' own fields (the
 * escalation, GraphQL `metadata`).
 */
export function toRestImageQuery(q: ImageQueryEntity): RestImageQuery {
  return {
    metadata: userMetadata(q.metadata),
    id: q.id,
    type: 'image_query',
    created_at: q.createdAt.toISOString(),
    query: q.query,
    detector_id: q.detector.id,
    result_type: q.resultType,
    result: q.result ? ({ ...q.result, result_type: q.resultType } as RestImageQuery['result']) : null,
    patience_time: q.patienceTime,
    confidence_threshold: q.confidenceThreshold,
    rois: q.rois ?? null,
    text: q.text ?? null,
    done_processing: q.doneProcessing,
  };
}
