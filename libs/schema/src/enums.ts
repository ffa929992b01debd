/** Enumerations shared by REST, GraphQL, the decision policy and storage. Values are the wire values. */
import { z } from 'zod';

export const DETECTOR_MODES = ['BINARY', 'COUNT', 'MULTI_CLASS', 'TEXT', 'BOUNDING_BOX'] as const;
export const DetectorModeSchema = z.enum(DETECTOR_MODES);
export type DetectorMode = z.infer<typeof DetectorModeSchema>;

/** Which head answers a detector (IntelliOptics extension): see libs/learning reasoning.choice.ts. */
export const REASONING_MODES = ['linear', 'recursive', 'auto'] as const;
export const ReasoningModeSchema = z.enum(REASONING_MODES);
export type ReasoningMode = z.infer<typeof ReasoningModeSchema>;

/**
 * Who decides escalations (IntelliOptics extension): the confidence threshold, or the learned policy shipped in
 * the model package. Unset (null) = the learned policy when it wins on held-out data, else the threshold.
 */
export const ESCALATION_POLICY_MODES = ['threshold', 'learned'] as const;
export const EscalationPolicyModeSchema = z.enum(ESCALATION_POLICY_MODES);
export type EscalationPolicyMode = z.infer<typeof EscalationPolicyModeSchema>;

/** The result type an image query of each detector mode carries (Groundlight's `result_type`). */
const RESULT_TYPE_OF_MODE = {
  BINARY: 'binary_classification',
  COUNT: 'counting',
  MULTI_CLASS: 'multi_classification',
  TEXT: 'text_recognition',
  BOUNDING_BOX: 'bounding_box',
} as const satisfies Record<DetectorMode, string>;

export type ResultType = (typeof RESULT_TYPE_OF_MODE)[DetectorMode];
export const RESULT_TYPES = Object.values(RESULT_TYPE_OF_MODE) as [ResultType, ...ResultType[]];
export const ResultTypeSchema = z.enum(RESULT_TYPES);

/** The result type an image query of a detector in `mode` carries. */
export function resultTypeForMode(mode: DetectorMode): ResultType {
  return RESULT_TYPE_OF_MODE[mode];
}

export const SOURCES = [
  'STILL_PROCESSING',
  'CLOUD',
  'USER',
  'CLOUD_ENSEMBLE',
  'ALGORITHM',
  'AI_CLOUD',
  'AI_CLOUD_ENSEMBLE',
  'HUMAN_AI_CLOUD_ENSEMBLE',
  'EDGE',
] as const;
export const SourceSchema = z.enum(SOURCES);
export type Source = z.infer<typeof SourceSchema>;

export const HUMAN_REVIEW = ['DEFAULT', 'ALWAYS', 'NEVER'] as const;
export const HumanReviewSchema = z.enum(HUMAN_REVIEW);
export type HumanReview = z.infer<typeof HumanReviewSchema>;

export const DETECTOR_STATUSES = ['ON', 'OFF'] as const;
export const DetectorStatusSchema = z.enum(DETECTOR_STATUSES);
export type DetectorStatus = z.infer<typeof DetectorStatusSchema>;

export const ESCALATION_TYPES = ['STANDARD', 'NO_HUMAN_LABELING'] as const;
export const EscalationTypeSchema = z.enum(ESCALATION_TYPES);
export type EscalationType = z.infer<typeof EscalationTypeSchema>;

export const BINARY_LABELS = ['YES', 'NO', 'UNCLEAR'] as const;
export type BinaryLabel = (typeof BINARY_LABELS)[number];

export const BOUNDING_BOX_LABELS = ['NO_OBJECTS', 'BOUNDING_BOX', 'GREATER_THAN_MAX', 'UNCLEAR'] as const;
export type BoundingBoxLabel = (typeof BOUNDING_BOX_LABELS)[number];

/** Lifecycle of an escalation in the cloud review queue. */
export const ESCALATION_STATES = ['QUEUED', 'CLAIMED', 'LABELED', 'SKIPPED', 'EXPIRED'] as const;
export const EscalationStateSchema = z.enum(ESCALATION_STATES);
export type EscalationState = z.infer<typeof EscalationStateSchema>;

export const MODEL_KINDS = ['primary', 'oodd'] as const;
export const ModelKindSchema = z.enum(MODEL_KINDS);
export type ModelKind = z.infer<typeof ModelKindSchema>;

export const MODEL_VERSION_STATES = ['CANDIDATE', 'PUBLISHED', 'RETIRED', 'REJECTED'] as const;
export const ModelVersionStateSchema = z.enum(MODEL_VERSION_STATES);
export type ModelVersionState = z.infer<typeof ModelVersionStateSchema>;

export const ROLES = ['ADMIN', 'REVIEWER', 'HUB'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/**
 * Why the edge (or the cloud) answered or escalated as it did: machine-readable, carried on every decision and
 * into the escalation metadata (and so the review UI). The policy itself lives in libs/decision.
 */
export const DECISION_REASONS = [
  'CONFIDENT',
  'AUDIT',
  'BELOW_THRESHOLD',
  'OUT_OF_DOMAIN',
  'COOLDOWN',
  'EDGE_ONLY',
  'HUMAN_REVIEW_ALWAYS',
  'WANT_ASYNC',
  'NO_MODEL',
  'INFERENCE_DOWN',
  'EDGE_DISABLED',
  'UNSUPPORTED_MODE',
  'INVALID_COMBINATION',
  'INVALID_PARAMETER',
  /** The learned escalation policy answered at the edge although the confidence is below the threshold. */
  'POLICY_CONFIDENT',
  /** The learned escalation policy escalated: its estimated risk of a wrong answer is above its threshold. */
  'POLICY_RISK',
] as const;
export const DecisionReasonSchema = z.enum(DECISION_REASONS);
export type DecisionReason = z.infer<typeof DecisionReasonSchema>;
