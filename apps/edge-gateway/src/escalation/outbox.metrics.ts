/** The outbox's own Prometheus series, on the server's registry: dead letters (read when scraped) and sheds. */
import { Counter, Gauge, type Registry } from 'prom-client';

export function registerOutboxMetrics(
  registry: Registry,
  deadLetters: () => number,
): { shedTotal: Counter<'reason'> } {
  new Gauge({
    name: 'edge_outbox_dead_letters',
    help: 'Escalations set aside as dead letters (refused, conflicting, or past OUTBOX_MAX_ATTEMPTS)',
    registers: [registry],
    collect() {
      this.set(deadLetters());
    },
  });
  const shedTotal = new Counter({
    name: 'edge_outbox_shed_total',
    help: 'Pending escalations dropped by the pending cap, by reason (age, bytes)',
    labelNames: ['reason'],
    registers: [registry],
  });
  return { shedTotal };
}
