/**
 * Records the outcome of one attempt to send an escalation, whoever sent it (the outbox worker, or a request
 * escalating synchronously): planned once by the retry policy (its class and the attempt cap), then
 * delivered, rescheduled with backoff, or set aside as a dead letter with its cause.
 */
import type { OutboxKind } from '@intellioptics/decision';
import type { Logger } from '../logger';
import type { EdgeMetrics } from '../metrics/metrics';
import type { OutboxRepository } from '../store/outbox.repository';
import {
  backoffSeconds,
  describeOutcome,
  planAttempt,
  type RetryAction,
  type SendOutcome,
} from './retry-policy';

export interface OutboxSettlerDeps {
  outbox: Pick<OutboxRepository, 'markDelivered' | 'markRetry' | 'markDead'>;
  metrics: Pick<EdgeMetrics, 'outboxDelivered' | 'outboxRetries' | 'outboxFailed'>;
  log: Logger;
  backoffMaxS: number;
  /** Attempts of a capped retry class (HTTP 500) before the item becomes a dead letter. */
  maxAttempts?: number;
  now?: () => number;
  random?: () => number;
}

export class OutboxSettler {
  constructor(private readonly deps: OutboxSettlerDeps) {}

  /** `attempts`: how many attempts were recorded before this one. */
  async settle(
    iqId: string,
    kind: OutboxKind,
    outcome: SendOutcome,
    detail: string | null,
    attempts = 0,
  ): Promise<RetryAction> {
    const attempt = attempts + 1;
    const plan = planAttempt(outcome, attempt, this.deps.maxAttempts ?? 8);
    const now = (this.deps.now ?? Date.now)();
    switch (plan.action) {
      case 'delivered':
        await this.deps.outbox.markDelivered(iqId, now);
        this.deps.metrics.outboxDelivered.inc({ kind });
        break;
      case 'retry': {
        const retryAfter = outcome.kind === 'http' ? outcome.retryAfterS : null;
        const wait = backoffSeconds(attempt, this.deps.backoffMaxS, this.deps.random, retryAfter);
        await this.deps.outbox.markRetry(
          iqId,
          attempt,
          now + wait * 1000,
          detail ?? describeOutcome(outcome),
        );
        this.deps.metrics.outboxRetries.inc();
        break;
      }
      case 'failed': {
        const reason = detail ?? describeOutcome(outcome);
        await this.deps.outbox.markDead(iqId, attempt, plan.cause, reason, now);
        this.deps.metrics.outboxFailed.inc({ kind });
        this.deps.log.warn(
          { iqId, cause: plan.cause, attempts: attempt, reason },
          'escalation set aside as a dead letter (edge GraphQL deadLetters: retry or discard)',
        );
        break;
      }
    }
    return plan.action;
  }
}
