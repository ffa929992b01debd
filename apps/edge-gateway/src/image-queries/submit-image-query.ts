/**
 * The typed commands that create image queries on the edge. REST parses libs/schema's `SubmitImageQuery` once
 * (`parseSubmitImageQuery`); camera frames build a `SubmitFrame` (streams/image-query.frame-sink.ts).
 */
import type { DecisionReason } from '@intellioptics/decision';
import type {
  EdgeResultSummary,
  ImageQuery,
  InspectedImage,
  SubmitImageQueryParameters,
} from '@intellioptics/schema';

export type { Caller } from '../auth/caller';
export type { SubmitImageQuery } from '@intellioptics/schema';

/** The options a caller may set on an image query (the Groundlight query parameters, parsed). */
export type ImageQueryOptions = Omit<SubmitImageQueryParameters, 'detectorId' | 'imageQueryId'>;

/** One camera frame asked of several detectors: stored once, inferred once. */
export interface SubmitFrame {
  detectorIds: readonly string[];
  image: InspectedImage;
  metadata: Record<string, unknown>;
}

export type AnsweredBy = 'edge' | 'edge_async' | 'cloud';

export interface SubmitAnswer {
  imageQuery: ImageQuery;
  /** `imageQuery` serialised once: the same text is stored and sent. */
  json: string;
  reason: DecisionReason;
  answeredBy: AnsweredBy;
  /** The edge model's numbers (as escalations carry them); null when no model answered. */
  edgeResult: EdgeResultSummary | null;
}

/**
 * The decision of an answer as response headers: IntelliOptics' own channel, so the image query's
 * `metadata` stays the caller's (Groundlight clients ignore unknown headers).
 */
export function decisionHeaders(a: SubmitAnswer): Record<string, string> {
  return {
    'x-intellioptics-reason': a.reason,
    'x-intellioptics-answered-by': a.answeredBy,
    ...(a.edgeResult ? { 'x-intellioptics-edge-result': JSON.stringify(a.edgeResult) } : {}),
  };
}

export type FrameAnswer =
  { detectorId: string; ok: true; answer: SubmitAnswer } | { detectorId: string; ok: false; error: unknown };
