/**
 * The edge decision for `POST /device-api/v1/image-queries`, as pure functions: no I/O, the clock and the
 * random draw are inputs. docs/DECISION.md is the same table in prose; a test checks the two agree row by row.
 *
 * Order (first match wins; numbered as in docs/DECISION.md):
 *   1. invalid request values → 400
 *   2. preset disabled → the cloud answers (503 when the cloud is known to be unreachable)
 *   3. invalid combinations with an edge-prediction preset → 400
 *   4. want_async → IQ created at the edge, result null, outbox
 *   5. human_review=ALWAYS → cloud (sync; outbox when unreachable)
 *   6. no model / inference down → cloud for `default`; error for edge-prediction presets
 *   7. OODD-adjusted confidence against the request's (else the detector's) threshold
 *   8. confident → edge answer, sometimes an invisible audit
 *   9. not confident → per preset: cloud sync, background escalation (cooldown), or edge answer only
 *
 * With a learned escalation policy (escalation-policy.ts), an answer the threshold would escalate in step 9 is
 * first put to the policy, which may keep it at the edge (POLICY_CONFIDENT); everything else, audits and presets
 * included, is the same. A request's own confidence_threshold, a detector threshold the policy was not
 * certified at, or a policy that does not fit its contract, keeps the threshold.
 */
import { ERROR_CODES, type ErrorCode } from '@intellioptics/schema';
import { shouldAudit } from './audit-sampling';
import { adjustConfidenceWithOodd, effectiveThreshold, isConfident, isProbability } from './confidence';
import { cooldownAllows } from './escalation-cooldown';
import { evaluateEscalationPolicy, type PolicyVerdict } from './escalation-policy';
import { presetBehaviour, requiresEdgePrediction } from './presets';
import type { Decision, DecisionInput, EdgeConfidence, RequestContext } from './types';

export const HUMAN_REVIEW_WITH_EDGE_ONLY =
  'Human review cannot be required if edge predictions are required.';
export const ASYNC_WITH_EDGE_ONLY =
  "Async requests are not supported when 'always_return_edge_prediction' is set to True.";

type Reject = Extract<Decision, { kind: 'reject' }>;
type EdgeAnswer = Extract<Decision, { kind: 'answer_edge' }>;

/** An edge answer; it is done processing unless a background escalation will update it. */
function answerEdge(
  escalate: EdgeAnswer['escalate'],
  reason: EdgeAnswer['reason'],
  confident: boolean,
  edge: EdgeConfidence,
): EdgeAnswer {
  return {
    kind: 'answer_edge',
    escalate,
    doneProcessing: escalate !== 'background',
    confident,
    reason,
    ...edge,
  };
}

function reject(
  code: Extract<
    ErrorCode,
    | 'INVALID_PARAMETER'
    | 'INVALID_COMBINATION'
    | 'UNSUPPORTED_MODE'
    | 'EDGE_ONLY_UNAVAILABLE'
    | 'CLOUD_UNREACHABLE'
  >,
  detail: string,
  edgeOnly: boolean,
  reason: Reject['reason'],
): Reject {
  return { kind: 'reject', status: ERROR_CODES[code].status, code, detail, edgeOnly, reason };
}

/**
 * Steps 1–5: the outcomes that need no inference. `undefined` means "run inference, then call `decide`".
 * `decide` calls this first, so both always agree.
 */
export function decideBeforeInference(ctx: RequestContext): Decision | undefined {
  if (!isProbability(ctx.detectorThreshold)) {
    throw new RangeError(`detectorThreshold must be in [0, 1], got ${ctx.detectorThreshold}`);
  }
  const edgeOnly = requiresEdgePrediction(ctx.preset);
  const { requestThreshold } = ctx;
  if (requestThreshold !== null && requestThreshold !== undefined && !isProbability(requestThreshold)) {
    return reject(
      'INVALID_PARAMETER',
      `confidence_threshold must be between 0 and 1, got ${requestThreshold}`,
      edgeOnly,
      'INVALID_PARAMETER',
    );
  }

  // `enabled: false` is honoured (the reference ignored it): the edge neither answers nor queues.
  if (!ctx.preset.enabled) {
    return ctx.cloudReachable === false
      ? reject(
          'CLOUD_UNREACHABLE',
          'The edge does not answer this detector (its preset is disabled) and the cloud cannot be reached; retry later.',
          false,
          'EDGE_DISABLED',
        )
      : { kind: 'escalate_sync', fallback: 'reject', edge: null, reason: 'EDGE_DISABLED' };
  }

  if (edgeOnly && ctx.humanReview === 'ALWAYS') {
    return reject('INVALID_COMBINATION', HUMAN_REVIEW_WITH_EDGE_ONLY, true, 'INVALID_COMBINATION');
  }
  // An async IQ has result null, which an edge-prediction preset promises never to return.
  if (edgeOnly && ctx.wantAsync) {
    return reject('INVALID_COMBINATION', ASYNC_WITH_EDGE_ONLY, true, 'INVALID_COMBINATION');
  }

  if (ctx.wantAsync) return { kind: 'accept_async', reason: 'WANT_ASYNC' };

  if (ctx.humanReview === 'ALWAYS') {
    return ctx.cloudReachable === false
      ? { kind: 'accept_async', reason: 'HUMAN_REVIEW_ALWAYS' }
      : { kind: 'escalate_sync', fallback: 'outbox', edge: null, reason: 'HUMAN_REVIEW_ALWAYS' };
  }
  return undefined;
}

/** The whole decision (steps 1–9). */
export function decide(input: DecisionInput): Decision {
  assertInputs(input);
  const early = decideBeforeInference(input);
  if (early !== undefined) return early;

  const behaviour = presetBehaviour(input.preset);
  const { inference } = input;

  // Step 6: the edge has nothing to answer with. TEXT is no longer refused here: the edge answers it with OCR
  // (libs/schema inference-answer.ts), decided on the OCR's confidence like any mode.
  if (inference.status !== 'ok') {
    const reason = inference.status === 'no_model' ? 'NO_MODEL' : 'INFERENCE_DOWN';
    switch (behaviour) {
      case 'disabled':
      case 'cloud_first':
        return input.cloudReachable === false
          ? { kind: 'accept_async', reason }
          : { kind: 'escalate_sync', fallback: 'outbox', edge: null, reason };
      case 'edge_with_escalation':
      case 'edge_only':
        return reject(
          'EDGE_ONLY_UNAVAILABLE',
          inference.status === 'no_model'
            ? `Edge predictions are required, but no edge model is installed for this detector yet.${inference.detail ? ` ${inference.detail}` : ''}`
            : 'Edge predictions are required, but the edge inference service is not available.',
          true,
          reason,
        );
    }
  }

  const threshold = effectiveThreshold(input.requestThreshold, input.detectorThreshold);
  const adjustedConfidence =
    adjustConfidenceWithOodd({
      primaryConfidence: inference.primaryConfidence,
      outlierProbability: inference.outlierProbability,
      mode: inference.mode,
      numClasses: inference.numClasses,
    }) ?? inference.primaryConfidence;
  const thresholdConfident = isConfident(adjustedConfidence, threshold);
  // The policy decides only what the threshold would escalate (it was certified on those answers alone).
  const policy = thresholdConfident ? undefined : policyVerdict(input, threshold);
  const edge: EdgeConfidence = {
    rawConfidence: inference.primaryConfidence,
    adjustedConfidence,
    threshold,
    ...(policy ? { policy } : {}),
  };

  // Step 8. Audits: never for no_cloud (nothing leaves the edge) nor for human_review=NEVER (an audit exists to
  // put the image in front of a person, which the caller ruled out).
  if (policy ? !policy.escalate : thresholdConfident) {
    const audit =
      behaviour !== 'edge_only' &&
      input.humanReview !== 'NEVER' &&
      shouldAudit(input.auditRoll, input.confidentAuditRate);
    const kept = thresholdConfident ? 'CONFIDENT' : 'POLICY_CONFIDENT';
    return audit ? answerEdge('audit', 'AUDIT', true, edge) : answerEdge('none', kept, true, edge);
  }

  // Step 9. OUT_OF_DOMAIN when the raw confidence would have passed: the OODD adjustment made the difference.
  const reason = policy
    ? 'POLICY_RISK'
    : isConfident(inference.primaryConfidence, threshold)
      ? 'OUT_OF_DOMAIN'
      : 'BELOW_THRESHOLD';
  switch (behaviour) {
    case 'edge_only':
      return answerEdge('none', 'EDGE_ONLY', false, edge);
    case 'edge_with_escalation':
      return cooldownAllows(input.lastEscalationAtMs, input.nowMs, input.preset.min_time_between_escalations)
        ? answerEdge('background', reason, false, edge)
        : answerEdge('none', 'COOLDOWN', false, edge);
    case 'disabled':
    case 'cloud_first':
      // Offline, the edge keeps answering and the escalation waits in the outbox (no cooldown: the reference
      // queues every failed sync escalation too, and the outbox is durable).
      return input.cloudReachable === false
        ? answerEdge('background', reason, false, edge)
        : { kind: 'escalate_sync', fallback: 'edge_answer', edge, reason };
  }
}

/**
 * The learned policy's verdict, or undefined for the threshold policy: none, a request threshold, a detector
 * threshold other than the one it was certified at, or a model off its contract.
 */
function policyVerdict(input: DecisionInput, threshold: number): PolicyVerdict | undefined {
  const p = input.escalationPolicy;
  if (p === undefined) return undefined;
  if (input.requestThreshold !== null && input.requestThreshold !== undefined) return undefined;
  if (Math.abs(p.model.confidence_threshold - threshold) > 1e-9) return undefined;
  try {
    return evaluateEscalationPolicy(p.model, p.observation);
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}

// Inputs that cannot come from a client are bugs in the caller: throw rather than answer.
function assertInputs(input: DecisionInput): void {
  if (!(Number.isFinite(input.auditRoll) && input.auditRoll >= 0 && input.auditRoll < 1)) {
    throw new RangeError(`auditRoll must be in [0, 1), got ${input.auditRoll}`);
  }
  if (!isProbability(input.confidentAuditRate)) {
    throw new RangeError(`confidentAuditRate must be in [0, 1], got ${input.confidentAuditRate}`);
  }
  if (!Number.isFinite(input.nowMs)) throw new RangeError(`nowMs must be finite, got ${input.nowMs}`);
  if (!(input.preset.min_time_between_escalations > 0)) {
    throw new RangeError('preset.min_time_between_escalations must be > 0');
  }
}
