/**
 * Payloads of the subscription topics named in ARCHITECTURE.md. One map types publish and subscribe alike
 * (`createPubSub<PubSubTopics>()`), so a resolver and a publisher cannot disagree on a payload.
 */
import type { EscalationState, ModelKind } from './enums';
import type { AlertEvent } from './alert-rule';
import type { ImageQuery } from './rest';

export interface EscalationEvent {
  escalationId: string;
  imageQueryId: string;
  detectorId: string;
  state: EscalationState;
  /** Machine-readable decision reason from the edge (for example BELOW_THRESHOLD, AUDIT). */
  reason: string;
  createdAt: string;
  /** When the escalation expires unanswered (created + patience time). */
  deadlineAt: string | null;
}

export interface ImageQueryUpdatedEvent {
  imageQueryId: string;
  detectorId: string;
  imageQuery: ImageQuery;
}

export interface ModelVersionPublishedEvent {
  detectorId: string;
  kind: ModelKind;
  version: number;
  modelVersionId: string;
  sha256: string;
  publishedAt: string;
}

export interface HubStatusEvent {
  hubId: string;
  name: string;
  online: boolean;
  lastHeartbeatAt: string | null;
  servedDetectors: { detectorId: string; primaryVersion: number | null; ooddVersion: number | null }[];
  counters: Record<string, number>;
}

/** Topic name → tuple of publish arguments (yoga's `createPubSub` convention: [payload] or [id, payload]). */
export interface PubSubTopics {
  [key: string]: [payload: unknown] | [id: string, payload: unknown];
  escalationCreated: [payload: EscalationEvent];
  imageQueryUpdated: [imageQueryId: string, payload: ImageQueryUpdatedEvent];
  modelVersionPublished: [payload: ModelVersionPublishedEvent];
  hubStatusChanged: [payload: HubStatusEvent];
  /** An alert rule fired at an edge (reported to the cloud for the review UI's live notification). */
  alertFired: [payload: AlertEvent];
}
