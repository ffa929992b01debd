/**
 * The cap on pending escalations (OUTBOX_MAX_PENDING_BYTES of images, OUTBOX_MAX_PENDING_AGE_S): a long outage
 * must not fill the disk. Beyond it the oldest pending escalations are shed (their image queries stay, marked
 * `failed`, and become purgeable); every shed is counted in `edge_outbox_shed_total{reason}` and logged.
 */
import type { Counter } from 'prom-client';
import type { Logger } from '../logger';
import type { OutboxRepository } from '../store/outbox.repository';

export interface OutboxShedderDeps {
  outbox: Pick<OutboxRepository, 'shed'>;
  shedTotal: Pick<Counter<'reason'>, 'inc'>;
  log: Logger;
  maxBytes: number;
  maxAgeMs: number;
  now?: () => number;
}

export class OutboxShedder {
  constructor(private readonly deps: OutboxShedderDeps) {}

  async run(): Promise<{ age: number; bytes: number }> {
    const now = (this.deps.now ?? Date.now)();
    const r = await this.deps.outbox.shed(now - this.deps.maxAgeMs, this.deps.maxBytes, now);
    if (r.age > 0) this.deps.shedTotal.inc({ reason: 'age' }, r.age);
    if (r.bytes > 0) this.deps.shedTotal.inc({ reason: 'bytes' }, r.bytes);
    if (r.age + r.bytes > 0) {
      this.deps.log.warn(
        { byAge: r.age, byBytes: r.bytes, maxBytes: this.deps.maxBytes, maxAgeS: this.deps.maxAgeMs / 1000 },
        'pending escalations over the cap were shed (oldest first); they will not reach the cloud',
      );
    }
    return r;
  }
}
