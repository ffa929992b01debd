/**
 * What the outbox does with each outcome of sending an escalation to the cloud. One table, mirrored in the
 * README; `retry-policy.test.ts` pins every row. Retries are by class: a class that says "the cloud or the
 * link is down" is retried without a cap (an outage of any length loses nothing; the pending cap by bytes/age
 * bounds the disk), a class that may be this item's fault is capped at OUTBOX_MAX_ATTEMPTS, after which the
 * item is set aside as a dead letter (state 'dead', listed in the edge GraphQL, retried or discarded by an
 * admin), so one poison item never holds up its detector for long.
 *
 * | outcome                          | class        | action                 | why                                     |
 * |----------------------------------|--------------|------------------------|-----------------------------------------|
 * | 2xx                              |              | delivered              | the cloud stored it under our id; an    |
 * |                                  |              |                        | idempotent resend (same submitter, id,  |
 * |                                  |              |                        | detector) is answered 2xx too           |
 * | 409                              |              | dead letter (CONFLICT) | the id is taken by another submitter or |
 * |                                  |              |                        | detector: not delivered, never counted  |
 * |                                  |              |                        | as such                                 |
 * | network error / timeout          | offline      | retry, no cap          | the cloud or the link is down           |
 * | 502, 503, 504, 429, 408          | unavailable  | retry, no cap          | the cloud says "later" (Retry-After)    |
 * | 401, 403                         | auth         | retry, no cap          | the edge's own token is wrong: fixable  |
 * |                                  |              |                        | by an operator, dropping would lose data|
 * | 500, other 5xx                   | server_error | retry ≤ max attempts,  | may be this item (an image the cloud    |
 * |                                  |              | then MAX_ATTEMPTS      | cannot decode): capped                  |
 * | other 4xx (400, 404, 413, 415…)  |              | dead letter (REFUSED)  | resending it unchanged cannot help      |
 */
export type SendOutcome =
  | { kind: 'http'; status: number; retryAfterS?: number | null; code?: string | null }
  | { kind: 'network'; message: string }
  | { kind: 'timeout' };

export type RetryAction = 'delivered' | 'retry' | 'failed';
export type RetryClass = 'offline' | 'unavailable' | 'auth' | 'server_error';
/** Why an escalation was set aside (the dead letter's `cause`). */
export type DeadCause = 'CONFLICT' | 'REFUSED' | 'MAX_ATTEMPTS' | 'IMAGE_MISSING';

export type AttemptPlan =
  { action: 'delivered' } | { action: 'retry'; class: RetryClass } | { action: 'failed'; cause: DeadCause };

/** Classes retried without a cap: they say nothing about the item itself. */
const UNCAPPED: ReadonlySet<RetryClass> = new Set(['offline', 'unavailable', 'auth']);

export function retryClass(outcome: SendOutcome): RetryClass | null {
  if (outcome.kind !== 'http') return 'offline';
  const s = outcome.status;
  if (s === 502 || s === 503 || s === 504 || s === 429 || s === 408) return 'unavailable';
  if (s === 401 || s === 403) return 'auth';
  if (s >= 500) return 'server_error';
  return null;
}

/** The outcome's action regardless of attempts (a capped class is 'retry' here). */
export function classifyOutcome(outcome: SendOutcome): RetryAction {
  return planAttempt(outcome, 0, Infinity).action;
}

/** What to do after attempt number `attempt` (counting from 1) ended with `outcome`. */
export function planAttempt(outcome: SendOutcome, attempt: number, maxAttempts: number): AttemptPlan {
  if (outcome.kind === 'http') {
    const s = outcome.status;
    if (s >= 200 && s < 300) return { action: 'delivered' };
    if (s === 409) return { action: 'failed', cause: 'CONFLICT' };
  }
  const cls = retryClass(outcome);
  if (cls === null) return { action: 'failed', cause: 'REFUSED' };
  if (!UNCAPPED.has(cls) && attempt >= maxAttempts) return { action: 'failed', cause: 'MAX_ATTEMPTS' };
  return { action: 'retry', class: cls };
}

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1): exponential from 0.5 s, capped at `maxS`, with
 * full jitter in [50 %, 100 %] so a fleet coming back online does not stampede; at least Retry-After.
 */
export function backoffSeconds(
  attempt: number,
  maxS: number,
  random: () => number = Math.random,
  retryAfterS?: number | null,
): number {
  const base = Math.min(maxS, 0.5 * 2 ** Math.max(0, attempt - 1));
  const jittered = base * (0.5 + 0.5 * random());
  return Math.max(jittered, retryAfterS ?? 0);
}

/** A short human description of an outcome, recorded as the item's last error. */
export function describeOutcome(outcome: SendOutcome): string {
  switch (outcome.kind) {
    case 'http':
      return `HTTP ${outcome.status}${outcome.code ? ` ${outcome.code}` : ''}`;
    case 'network':
      return `network: ${outcome.message}`;
    case 'timeout':
      return 'timeout';
  }
}
