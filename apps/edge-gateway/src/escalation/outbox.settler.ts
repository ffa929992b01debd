/**
 * Records the outcome of one attempt to send an escalation, whoever sent it (the outbox worker, or a request
 * escalating synchronously): classified once by the retry policy, then delivered, rescheduled with backoff,
 * or set aside as refused.
 */
import type { OutboxKind } from '@intellioptics/decision';
import type { Logger } from '../logger';
import type { EdgeMetrics } from '../metrics/metrics';
import type { OutboxRepository } from '../store/outbox.repository';
import {
  backoffSeconds,
  classifyOutcome,
  describeOutcome,
  type RetryAction,
  type SendOutcome,
} from './retry-policy';

export interface OutboxSettlerDeps {
  outbox: Pick<OutboxRepository, 'markDelivered' | 'markRetry' | 'markFailed'>;
  metrics: Pick<EdgeMetrics, 'outboxDelivered' | 'outboxRetries' | 'outboxFailed'>;
  log: Logger;
  backoffMaxS: number;
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
    const action = classifyOutcome(outcome);
    const now = (this.deps.now ?? Date.now)();
    switch (action) {
      case 'delivered':
        await this.deps.outbox.markDelivered(iqId, now);
        this.deps.metrics.outboxDelivered.inc({ kind });
        break;
      case 'retry': {
        const retryAfter = outcome.kind === 'http' ? outcome.retryAfterS : null;
        const wait = backoffSeconds(attempts + 1, this.deps.backoffMaxS, this.deps.random, retryAfter);
        await this.deps.outbox.markRetry(
          iqId,
          attempts + 1,
          now + wait * 1000,
          detail ?? describeOutcome(outcome),
        );
        this.deps.metrics.outboxRetries.inc();
        break;
      }
      case 'failed':
        await this.deps.outbox.markFailed(iqId, attempts + 1, detail ?? describeOutcome(outcome), now);
        this.deps.metrics.outboxFailed.inc({ kind });
        this.deps.log.warn({ iqId, reason: detail }, 'escalation refused by the cloud; recorded as failed');
        break;
    }
    return action;
  }
}
