/** The alerts' Prometheus series, on the server's registry. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AlertOutbox } from './alert.outbox';

export interface AlertMetrics {
  fired: Counter<'verb'>;
  snoozed: Counter;
  delivered: Counter<'channel'>;
  failed: Counter<'channel'>;
  dead: Counter<'channel'>;
}

export function registerAlertMetrics(
  registry: Registry,
  outbox: Pick<AlertOutbox, 'pendingCount'>,
): AlertMetrics {
  new Gauge({
    name: 'edge_alert_outbox_pending',
    help: 'Alert deliveries not yet made (a receiver or broker down shows here)',
    registers: [registry],
    async collect() {
      this.set(await outbox.pendingCount());
    },
  });
  return {
    fired: new Counter({
      name: 'edge_alerts_fired_total',
      help: 'Alert rule firings, by condition verb',
      labelNames: ['verb'],
      registers: [registry],
    }),
    snoozed: new Counter({
      name: 'edge_alerts_snoozed_total',
      help: 'Alert rule firings kept silent by the rule’s snooze',
      registers: [registry],
    }),
    delivered: new Counter({
      name: 'edge_alert_deliveries_total',
      help: 'Alert deliveries made, by channel (webhook, mqtt, cloud)',
      labelNames: ['channel'],
      registers: [registry],
    }),
    failed: new Counter({
      name: 'edge_alert_delivery_failures_total',
      help: 'Alert delivery attempts that failed and will be retried, by channel',
      labelNames: ['channel'],
      registers: [registry],
    }),
    dead: new Counter({
      name: 'edge_alert_deliveries_dead_total',
      help: 'Alert deliveries set aside as dead (refused for good or past ALERT_MAX_ATTEMPTS), by channel',
      labelNames: ['channel'],
      registers: [registry],
    }),
  };
}
