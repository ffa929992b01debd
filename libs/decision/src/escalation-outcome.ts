/**
 * What the edge does with a decision once it has one: which outbox kind an edge answer queues, whether it is
 * final, and how a synchronous escalation ends once the cloud has (or has not) answered. Pure; the edge's
 * image-query service executes these, docs/DECISION.md describes the decisions they follow.
 */
import { decide } from './decide';
import type { Decision, RequestContext } from './types';

/** `escalation`: the cloud may still change the answer; `audit`: a copy the caller never sees. */
export type OutboxKind = 'escalation' | 'audit';

type EdgeEscalation = Extract<Decision, { kind: 'answer_edge' }>['escalate'];
type SyncFallback = Extract<Decision, { kind: 'escalate_sync' }>['fallback'];

/** The outbox entry an edge answer queues (none when it does not escalate). */
export function outboxKindFor(escalate: EdgeEscalation): OutboxKind | null {
  switch (escalate) {
    case 'background':
      return 'escalation';
    case 'audit':
      return 'audit';
    case 'none':
      return null;
  }
}

/** An edge answer is final unless a background escalation will update the same id. */
export function edgeAnswerIsFinal(escalate: EdgeEscalation): boolean {
  return escalate !== 'background';
}

/** What one synchronous cloud attempt came to (the edge's retry policy classifies the transport outcome). */
export interface SyncAttempt {
  /** `delivered` | `retry` (transient) | `failed` (refused for good), as the outbox records it. */
  delivery: 'delivered' | 'retry' | 'failed';
  /** The cloud answered 4xx (any 4xx, including auth and rate limits). */
  refused: boolean;
  /** The cloud returned its image query. */
  cloudAnswered: boolean;
}

export type SyncEscalationEnd =
  /** Return the cloud's image query (and store it when the edge keeps one). */
  | { kind: 'cloud_answer' }
  /** Return the local image query now; the outbox delivers the escalation later. */
  | { kind: 'local_answer'; answeredBy: 'edge' | 'edge_async' }
  /** The cloud refused the item for good: the edge's own answer becomes final. */
  | { kind: 'edge_answer_final' }
  | { kind: 'reject'; code: 'BAD_REQUEST' | 'CLOUD_UNREACHABLE' };

/**
 * How `escalate_sync` ends. `reject` (preset disabled): the edge keeps nothing, so the client gets the cloud's
 * answer, a 400 for a refusal, or a 503 to retry. Otherwise the IQ is already stored with its escalation: a
 * delivered answer wins, a refusal makes the edge answer final (400 when there is none), anything else leaves
 * the local IQ answering while the outbox retries.
 */
export function endSyncEscalation(
  fallback: SyncFallback,
  attempt: SyncAttempt,
  hasEdgeAnswer: boolean,
): SyncEscalationEnd {
  if (fallback === 'reject') {
    if (attempt.cloudAnswered) return { kind: 'cloud_answer' };
    return { kind: 'reject', code: attempt.refused ? 'BAD_REQUEST' : 'CLOUD_UNREACHABLE' };
  }
  if (attempt.delivery === 'delivered' && attempt.cloudAnswered) return { kind: 'cloud_answer' };
  if (attempt.delivery === 'failed') {
    return hasEdgeAnswer ? { kind: 'edge_answer_final' } : { kind: 'reject', code: 'BAD_REQUEST' };
  }
  return {
    kind: 'local_answer',
    answeredBy: fallback === 'edge_answer' && hasEdgeAnswer ? 'edge' : 'edge_async',
  };
}

/**
 * The decision when the model's output cannot be mapped onto the detector (a model trained for another mode or
 * class list): the request is decided as if no model were installed. Step 6 of `decide` reads only the request
 * context for `no_model`; the cooldown, clock and audit inputs below are never consulted on that path.
 */
export function decideWithoutModel(ctx: RequestContext): Decision {
  return decide({
    ...ctx,
    inference: { status: 'no_model' },
    lastEscalationAtMs: undefined,
    nowMs: 0,
    auditRoll: 0,
    confidentAuditRate: 0,
  });
}
