/**
 * Delivers the alert outbox: webhooks (signed), MQTT and the report to the cloud, each row until its
 * destination took it (2xx, PUBACK) or refused it for good (a 4xx other than 401/403/408/425/429: the same
 * request will not succeed later). Failures back off exponentially from 1 s up to ALERT_RETRY_MAX_S, with
 * jitter; after ALERT_MAX_ATTEMPTS a row is set aside as dead (kept). A row counts as sent only after its
 * destination answered, so a crash in between sends it again on restart: receivers drop repeats by the
 * `X-IntelliOptics-Alert-Id` header (the MQTT message and cloud report carry `alert_id`).
 */
import type { HttpClient, HttpResult } from '../http/http-client';
import type { Logger } from '../logger';
import type { AlertMqtt } from './alert.mqtt';
import type { AlertOutbox, OutboxRow } from './alert.outbox';
import type { AlertMetrics } from './alert.metrics';
import { ALERT_ID_HEADER, SIGNATURE_HEADER, signature } from './alert.payload';

const BATCH = 20;
const SEND_TIMEOUT_MS = 10_000;
/** How often an idle worker looks for due rows it was not woken for (a retry's time). */
const IDLE_POLL_MS = 1000;

export interface AlertDeliveryDeps {
  outbox: AlertOutbox;
  /** Webhooks (absolute URLs). */
  http: Pick<HttpClient, 'request'>;
  /** The cloud client (base CLOUD_URL) and the token the edge reports with; null: not reported. */
  cloud: { http: Pick<HttpClient, 'request'>; token: string } | null;
  mqtt: Pick<AlertMqtt, 'publish'> | null;
  webhookSecret: string | null;
  retryMaxS: number;
  maxAttempts: number;
  log: Logger;
  metrics?: Pick<AlertMetrics, 'delivered' | 'failed' | 'dead'>;
  now?: () => number;
  random?: () => number;
}

type Outcome = { ok: true } | { ok: false; permanent: boolean; error: string };

const RETRYABLE_4XX = new Set([401, 403, 408, 425, 429]);

function httpOutcome(r: HttpResult): Outcome {
  if (!r.ok) return { ok: false, permanent: false, error: r.kind === 'timeout' ? 'timeout' : r.message };
  const { status } = r.response;
  if (status >= 200 && status < 300) return { ok: true };
  const text = r.response.body.toString('utf8').slice(0, 200);
  return {
    ok: false,
    permanent: status >= 400 && status < 500 && !RETRYABLE_4XX.has(status),
    error: `HTTP ${status}${text ? `: ${text}` : ''}`,
  };
}

export class AlertDeliveryWorker {
  private running: Promise<void> | null = null;
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;

  constructor(private readonly deps: AlertDeliveryDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  start(): void {
    this.stopped = false;
    this.running ??= this.loop();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
    this.running = null;
  }

  /** The backoff before attempt `attempts + 1` (attempts made so far ≥ 1). */
  backoffMs(attempts: number): number {
    const capped = Math.min(this.deps.retryMaxS * 1000, 1000 * 2 ** Math.min(attempts - 1, 30));
    return Math.round(capped * (0.5 + 0.5 * (this.deps.random ?? Math.random)()));
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      let rows: OutboxRow[] = [];
      try {
        rows = await this.deps.outbox.due(this.now(), BATCH);
        await Promise.all(rows.map((row) => this.deliver(row)));
      } catch (err) {
        this.deps.log.error({ err }, 'alert delivery pass failed');
      }
      if (rows.length === BATCH || this.woken || this.stopped) continue;
      const next = await this.deps.outbox.nextDueAt().catch(() => null);
      const wait = next === null ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(0, next - this.now()));
      await new Promise<void>((resolve) => {
        if (this.woken) return resolve();
        const timer = setTimeout(resolve, wait);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = null;
    }
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const outcome = await this.send(row).catch((e: unknown): Outcome => ({
      ok: false,
      permanent: false,
      error: e instanceof Error ? e.message : String(e),
    }));
    const now = this.now();
    if (outcome.ok) {
      await this.deps.outbox.sent(row.seq, now);
      this.deps.metrics?.delivered.inc({ channel: row.channel });
      this.deps.log.info(
        { alertId: row.alertId, channel: row.channel, attempts: row.attempts + 1 },
        'alert delivered',
      );
      return;
    }
    const attempts = row.attempts + 1;
    if (outcome.permanent || attempts >= this.deps.maxAttempts) {
      await this.deps.outbox.dead(row.seq, now, outcome.error);
      this.deps.metrics?.dead.inc({ channel: row.channel });
      this.deps.log.warn({ alertId: row.alertId, channel: row.channel, error: outcome.error }, 'alert dead');
      return;
    }
    await this.deps.outbox.retry(row.seq, now + this.backoffMs(attempts), outcome.error);
    this.deps.metrics?.failed.inc({ channel: row.channel });
    this.deps.log.debug({ alertId: row.alertId, channel: row.channel, error: outcome.error }, 'alert retry');
  }

  private async send(row: OutboxRow): Promise<Outcome> {
    switch (row.channel) {
      case 'webhook': {
        const headers: Record<string, string> = {
          ...row.headers,
          [ALERT_ID_HEADER]: row.alertId,
          'user-agent': 'IntelliOptics-Edge-Alerts',
        };
        if (this.deps.webhookSecret) {
          headers[SIGNATURE_HEADER] = signature(
            this.deps.webhookSecret,
            row.body,
            Math.floor(this.now() / 1000),
          );
        }
        return httpOutcome(
          await this.deps.http.request(row.target, {
            method: 'POST',
            headers,
            body: row.body,
            timeoutMs: SEND_TIMEOUT_MS,
            maxResponseBytes: 64 * 1024,
          }),
        );
      }
      case 'mqtt':
        if (!this.deps.mqtt) return { ok: false, permanent: false, error: 'MQTT is not configured' };
        await this.deps.mqtt.publish(row.target, row.body);
        return { ok: true };
      case 'cloud':
        if (!this.deps.cloud)
          return { ok: false, permanent: false, error: 'no token to report to the cloud' };
        return httpOutcome(
          await this.deps.cloud.http.request(row.target, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-token': this.deps.cloud.token },
            body: row.body,
            timeoutMs: SEND_TIMEOUT_MS,
            maxResponseBytes: 64 * 1024,
          }),
        );
    }
  }
}
