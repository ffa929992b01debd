/**
 * What the outbox does with each outcome of sending an escalation to the cloud. One table, mirrored in the
 * README; `retry-policy.test.ts` pins every row.
 *
 * | outcome                          | action    | why                                                               |
 * |----------------------------------|-----------|-------------------------------------------------------------------|
 * | 2xx                              | delivered | the cloud stored the image query under our id                     |
 * | 409 (ALREADY_EXISTS, same id)    | delivered | an earlier attempt got through; the id makes the send idempotent  |
 * | network error / timeout          | retry     | the cloud or the link is down; an outage of any length loses nothing |
 * | 5xx                              | retry     | the cloud failed transiently                                      |
 * | 429                              | retry     | rate limited; back off (honouring Retry-After)                    |
 * | 408                              | retry     | the request timed out on the way                                  |
 * | 401, 403                         | retry     | the edge's own token is wrong or rotated: fixable by an operator,  |
 * |                                  |           | and dropping every queued escalation over it would lose data      |
 * | other 4xx (400, 404, 413, 415…)  | failed    | the cloud refuses this item; resending it unchanged cannot help   |
 */
export type SendOutcome =
  | { kind: 'http'; status: number; retryAfterS?: number | null }
  | { kind: 'network'; message: string }
  | { kind: 'timeout' };

export type RetryAction = 'delivered' | 'retry' | 'failed';

export function classifyOutcome(outcome: SendOutcome): RetryAction {
  switch (outcome.kind) {
    case 'network':
    case 'timeout':
      return 'retry';
    case 'http': {
      const s = outcome.status;
      if (s >= 200 && s < 300) return 'delivered';
      if (s === 409) return 'delivered';
      if (s >= 500) return 'retry';
      if (s === 429 || s === 408 || s === 401 || s === 403) return 'retry';
      return 'failed';
    }
  }
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
      return `HTTP ${outcome.status}`;
    case 'network':
      return `network: ${outcome.message}`;
    case 'timeout':
      return 'timeout';
  }
}
