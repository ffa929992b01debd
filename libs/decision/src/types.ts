import type { DetectorMode, ErrorCode, HumanReview } from '@intellioptics/schema';
import type { EscalationPolicyModel, PolicyObservation, PolicyVerdict } from './escalation-policy';

/**
 * The preset fields the decision reads. Structurally a subset of `InferenceConfig` from the edge config, so a
 * resolved preset can be passed as is.
 */
export interface DecisionPreset {
  enabled: boolean;
  always_return_edge_prediction: boolean;
  disable_cloud_escalation: boolean;
  /** Seconds between background escalations of one detector. */
  min_time_between_escalations: number;
}

/** What local inference produced. */
export type InferenceOutcome =
  | {
      status: 'ok';
      mode: DetectorMode;
      /** Primary model confidence in its label, 0..1. */
      primaryConfidence: number;
      /** Number of classes of the primary head; needed for the chance level of COUNT and MULTI_CLASS (BINARY: 2). */
      numClasses?: number | undefined;
      /** OODD probability that the image is out of domain, 0..1; missing = no OODD model, no adjustment. */
      outlierProbability?: number | null | undefined;
    }
  /** No model installed for the detector yet (`detail`: why, e.g. a class no built-in model knows). */
  | { status: 'no_model'; detail?: string | undefined }
  /** A model is installed but the inference service is not ready or failed. */
  | { status: 'down' };

/** Everything known before inference runs; enough to decide the requests that never need it. */
export interface RequestContext {
  preset: DecisionPreset;
  humanReview: HumanReview;
  wantAsync: boolean;
  /** `confidence_threshold` query parameter; overrides the detector's value. */
  requestThreshold?: number | null | undefined;
  detectorThreshold: number;
  /** `false` only when the edge knows the cloud is unreachable; undefined/true: try it. */
  cloudReachable?: boolean | undefined;
}

export interface DecisionInput extends RequestContext {
  inference: InferenceOutcome;
  /** When this detector last escalated in the background (same clock as nowMs), if ever. */
  lastEscalationAtMs: number | undefined;
  nowMs: number;
  /** Uniform random number in [0, 1), drawn by the caller. */
  auditRoll: number;
  /** `global_config.confident_audit_rate`. */
  confidentAuditRate: number;
  /**
   * The detector's learned escalation policy (shipped in its model package) and what it reads, when the
   * detector's `escalation_policy` is `learned`; absent = the threshold policy. Ignored when the request sets
   * its own `confidence_threshold` (the caller asked for a threshold).
   */
  escalationPolicy?: { model: EscalationPolicyModel; observation: PolicyObservation } | undefined;
}

/** The reasons are a wire contract (escalation metadata, review UI), so their list lives in libs/schema. */
export { DECISION_REASONS, type DecisionReason } from '@intellioptics/schema';

/** The edge's own numbers for a request that ran inference. */
export interface EdgeConfidence {
  rawConfidence: number;
  /** After the OODD adjustment; this is what is compared with the threshold and returned. */
  adjustedConfidence: number;
  threshold: number;
  /** The learned policy's verdict when it decided instead of the threshold (for the explanation). */
  policy?: PolicyVerdict;
}

export type Decision =
  /**
   * Return the edge's answer now. `escalate`: `background` = send to the cloud via the outbox (the IQ keeps its
   * id; `doneProcessing` false); `audit` = send an audit the caller never sees (`doneProcessing` true).
   */
  | ({
      kind: 'answer_edge';
      escalate: 'none' | 'background' | 'audit';
      doneProcessing: boolean;
      confident: boolean;
      reason:
        | 'CONFIDENT'
        | 'AUDIT'
        | 'BELOW_THRESHOLD'
        | 'OUT_OF_DOMAIN'
        | 'COOLDOWN'
        | 'EDGE_ONLY'
        | 'POLICY_CONFIDENT'
        | 'POLICY_RISK';
    } & EdgeConfidence)
  /**
   * Ask the cloud now and return its IQ. If that fails: `edge_answer` = return the edge answer (`edge`) with
   * done_processing false and queue the escalation; `outbox` = create the IQ locally with result null and queue
   * it; `reject` = 503 CLOUD_UNREACHABLE (the edge does not answer for this detector).
   */
  | {
      kind: 'escalate_sync';
      fallback: 'edge_answer' | 'outbox' | 'reject';
      edge: EdgeConfidence | null;
      reason:
        | 'BELOW_THRESHOLD'
        | 'OUT_OF_DOMAIN'
        | 'POLICY_RISK'
        | 'HUMAN_REVIEW_ALWAYS'
        | 'NO_MODEL'
        | 'INFERENCE_DOWN'
        | 'EDGE_DISABLED'
        | 'UNSUPPORTED_MODE';
    }
  /** Create the IQ at the edge, return it at once with result null, escalate via the outbox. */
  | {
      kind: 'accept_async';
      reason: 'WANT_ASYNC' | 'HUMAN_REVIEW_ALWAYS' | 'NO_MODEL' | 'INFERENCE_DOWN' | 'UNSUPPORTED_MODE';
    }
  /**
   * Answer with an error. `edgeOnly`: the response must reach the client as is (nginx must not replay it to
   * the cloud), because the preset requires edge predictions.
   */
  | {
      kind: 'reject';
      status: 400 | 503;
      code: ErrorCode;
      detail: string;
      edgeOnly: boolean;
      reason:
        | 'INVALID_COMBINATION'
        | 'INVALID_PARAMETER'
        | 'NO_MODEL'
        | 'INFERENCE_DOWN'
        | 'EDGE_DISABLED'
        | 'UNSUPPORTED_MODE';
    };

export type DecisionKind = Decision['kind'];
