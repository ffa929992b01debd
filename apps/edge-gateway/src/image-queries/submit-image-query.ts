/**
 * The typed commands that create image queries on the edge. Transports parse once into these: REST
 * (`rest/submit-image-query.parse.ts`) and camera frames (`streams/image-query.frame-sink.ts`).
 */
import type { DecisionReason } from '@intellioptics/decision';
import type { HumanReview, ImageQuery } from '@intellioptics/schema';

export type { Caller } from '../auth/caller';

/** The options a caller may set on an image query (the Groundlight query parameters, parsed). */
export interface ImageQueryOptions {
  humanReview: HumanReview;
  wantAsync: boolean;
  /** Overrides the detector's threshold for this query. */
  confidenceThreshold: number | undefined;
  /** Default: the detector's. */
  patienceTime: number | undefined;
  /** The caller's metadata (decoded JSON object), kept on the image query and sent with its escalation. */
  metadata: Record<string, unknown> | null;
  /** Forwarded with escalations in their metadata. */
  inspectionId: string | undefined;
}

export interface SubmitImageQuery extends ImageQueryOptions {
  detectorId: string;
  /** The image bytes as received (the format is read from them, not from the content type). */
  image: Buffer;
  /** The caller's id for the image query (`iq_…`); 409 when the edge already has one with it. */
  imageQueryId: string | undefined;
}

/** One camera frame asked of several detectors: stored once, inferred once. */
export interface SubmitFrame {
  detectorIds: readonly string[];
  image: Buffer;
  metadata: Record<string, unknown>;
}

export type AnsweredBy = 'edge' | 'edge_async' | 'cloud';

export interface SubmitAnswer {
  imageQuery: ImageQuery;
  /** `imageQuery` serialised once: the same text is stored and sent. */
  json: string;
  reason: DecisionReason;
  answeredBy: AnsweredBy;
}

export type FrameAnswer =
  { detectorId: string; ok: true; answer: SubmitAnswer } | { detectorId: string; ok: false; error: unknown };
