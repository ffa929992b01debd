/**
 * The cloud's decision for an image query it receives (from an edge's escalation or an SDK): answer it with
 * the cloud-side model when confident, otherwise put it in front of a reviewer unless the request or the
 * detector rules that out. Pure; docs/DECISION.md ("In the cloud") is the same table in prose.
 */
import {
  readEscalationMetadata,
  type DecisionReason,
  type EscalationType,
  type HumanReview,
} from '@intellioptics/schema';
import { isConfident } from './confidence';

export interface CloudAnswerInput {
  /** The cloud model's confidence in its answer; null when the detector has no published model. */
  predictionConfidence: number | null;
  /** The request's threshold, else the detector's. */
  threshold: number;
  humanReview: HumanReview;
  escalationType: EscalationType;
  /** The image query's metadata (as the edge or SDK sent it); read leniently for the escalation reason. */
  metadata: unknown;
}

export interface CloudAnswerDecision {
  /** The cloud model's answer is returned as the result, done processing. */
  confident: boolean;
  /** The image query goes to the review queue. */
  wantsHuman: boolean;
  /** Why it went to the review queue; null when it does not go there. */
  reason: DecisionReason | null;
  /** For the cloud's counters. */
  outcome: 'answered' | 'escalated' | 'pending';
}

export function decideCloudAnswer(input: CloudAnswerInput): CloudAnswerDecision {
  const { humanReview, predictionConfidence } = input;
  const confident =
    predictionConfidence !== null &&
    isConfident(predictionConfidence, input.threshold) &&
    humanReview !== 'ALWAYS';
  // NO_HUMAN_LABELING detectors are reviewed only when the request insists (ALWAYS).
  const wantsHuman =
    !confident &&
    humanReview !== 'NEVER' &&
    (input.escalationType !== 'NO_HUMAN_LABELING' || humanReview === 'ALWAYS');
  return {
    confident,
    wantsHuman,
    reason: wantsHuman ? escalationReason(input.metadata, humanReview, predictionConfidence === null) : null,
    outcome: confident ? 'answered' : wantsHuman ? 'escalated' : 'pending',
  };
}

/** The edge's reason when it sent one; else what the cloud can tell from the request. */
function escalationReason(metadata: unknown, humanReview: HumanReview, noModel: boolean): DecisionReason {
  const m = readEscalationMetadata(metadata);
  if (m.reason) return m.reason;
  if (m.is_edge_audit) return 'AUDIT';
  if (humanReview === 'ALWAYS') return 'HUMAN_REVIEW_ALWAYS';
  if (m.edge_result) return 'BELOW_THRESHOLD';
  return noModel ? 'NO_MODEL' : 'BELOW_THRESHOLD';
}
