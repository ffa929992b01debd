/** Runs the retention purge at start and every RETENTION_PURGE_INTERVAL_S; a failed pass is logged and retried. */
import type { Logger } from '../logger';
import type { RetentionLimits, RetentionRepository } from './retention.repository';

export interface RetentionSchedulerDeps {
  retention: Pick<RetentionRepository, 'purge'>;
  limits: RetentionLimits;
  intervalMs: number;
  log: Logger;
  now?: () => number;
}

export class RetentionScheduler {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: RetentionSchedulerDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.purge(), Math.max(1000, this.deps.intervalMs));
    this.timer.unref();
    void this.purge();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async purge(): Promise<void> {
    try {
      const r = await this.deps.retention.purge((this.deps.now ?? Date.now)(), this.deps.limits);
      if (r.imageQueries || r.outbox) this.deps.log.info(r, 'retention purge');
    } catch (e) {
      this.deps.log.error({ err: e }, 'retention purge failed');
    }
  }
}
