/**
 * Drains the escalation outbox to the cloud: `POST {CLOUD_URL}/device-api/v1/image-queries` with the same
 * image query id, `want_async=True`, and the edge's own token. In order per detector (only the oldest pending
 * item of a detector is ever in flight), detectors in parallel. Transient failures are retried with backoff
 * forever; permanent ones are recorded as failed with the reason (retry-policy.ts). A 409 for our id means an
 * earlier attempt got through, so nothing is sent twice and nothing is lost across crashes or outages.
 *
 * Also refreshes escalated image queries from the cloud so `GET /image-queries/{id}` on the edge shows the
 * cloud's (human) answer once there is one.
 */
import type { CloudClient } from '../cloud-client/cloud.client';
import type { CloudStatus } from '../cloud-client/cloud-status';
import type { Logger } from '../logger';
import type { EdgeMetrics } from '../metrics/metrics';
import type { OutboxItem, OutboxKind, StateStore } from '../store/state.store';
import { backoffSeconds, classifyOutcome, type SendOutcome } from './retry-policy';

const REFRESH_GIVE_UP_MS = 24 * 3600_000;

export class OutboxWorker {
  private readonly inFlight = new Set<string>();
  private running = false;
  private wakeUp: (() => void) | null = null;
  private loopDone: Promise<void> | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private refreshing = false;

  constructor(
    private readonly deps: {
      store: StateStore;
      cloud: CloudClient;
      cloudStatus: CloudStatus;
      metrics: EdgeMetrics;
      log: Logger;
      idlePollMs: number;
      backoffMaxS: number;
      sendTimeoutMs: number;
      refreshIntervalMs: number;
      now?: () => number;
      random?: () => number;
    },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
    this.refreshTimer = setInterval(
      () => void this.refreshOpen(),
      Math.max(200, this.deps.refreshIntervalMs),
    );
    this.refreshTimer.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.wake();
    await this.loopDone;
  }

  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  /** The request path sends this item itself (synchronous escalation); the worker leaves it alone. */
  claim(iqId: string): void {
    this.inFlight.add(iqId);
  }

  release(iqId: string): void {
    this.inFlight.delete(iqId);
    this.wake();
  }

  /** Record the outcome of one send attempt (by the worker or the request path). */
  async settle(
    iqId: string,
    kind: OutboxKind,
    outcome: SendOutcome,
    detail: string | null,
    attempts = 0,
  ): Promise<'delivered' | 'retry' | 'failed'> {
    const action = classifyOutcome(outcome);
    const now = this.now();
    switch (action) {
      case 'delivered':
        await this.deps.store.markDelivered(iqId, now);
        this.deps.metrics.outboxDelivered.inc({ kind });
        break;
      case 'retry': {
        const retryAfter = outcome.kind === 'http' ? outcome.retryAfterS : null;
        const wait = backoffSeconds(attempts + 1, this.deps.backoffMaxS, this.deps.random, retryAfter);
        await this.deps.store.markRetry(iqId, attempts + 1, now + wait * 1000, detail ?? describe(outcome));
        this.deps.metrics.outboxRetries.inc();
        break;
      }
      case 'failed':
        await this.deps.store.markFailed(iqId, attempts + 1, detail ?? describe(outcome), now);
        this.deps.metrics.outboxFailed.inc({ kind });
        this.deps.log.warn({ iqId, reason: detail }, 'escalation refused by the cloud; recorded as failed');
        break;
    }
    return action;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let nextDue = Infinity;
      let sent = 0;
      try {
        const heads = await this.deps.store.outboxHeads();
        const now = this.now();
        const due: OutboxItem[] = [];
        for (const h of heads) {
          if (this.inFlight.has(h.iqId)) continue;
          if (h.nextAttemptAt <= now) due.push(h);
          else nextDue = Math.min(nextDue, h.nextAttemptAt);
        }
        const results = await Promise.all(due.map((item) => this.send(item)));
        sent = results.filter((r) => r !== 'retry').length;
        if (results.includes('retry')) nextDue = Math.min(nextDue, this.now() + 250);
      } catch (e) {
        this.deps.log.error({ err: e }, 'outbox pass failed');
      }
      if (!this.running) break;
      if (sent > 0) continue;
      const wait = Math.max(10, Math.min(this.deps.idlePollMs, nextDue - this.now()));
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.wakeUp = null;
          resolve();
        }, wait);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  private async send(item: OutboxItem): Promise<'delivered' | 'retry' | 'failed'> {
    this.inFlight.add(item.iqId);
    try {
      const image = await this.deps.store.readImage(item.iqId);
      if (!image) {
        await this.deps.store.markFailed(
          item.iqId,
          item.attempts + 1,
          'the image file is missing',
          this.now(),
        );
        this.deps.metrics.outboxFailed.inc({ kind: item.kind });
        return 'failed';
      }
      const r = await this.deps.cloud.submitImageQuery({
        iqId: item.iqId,
        detectorId: item.detectorId,
        params: item.params,
        image: image.bytes,
        contentType: image.contentType,
        wantAsync: true,
        timeoutMs: this.deps.sendTimeoutMs,
      });
      const action = await this.settle(item.iqId, item.kind, r.outcome, r.detail, item.attempts);
      if (action === 'retry') this.deps.cloudStatus.failed();
      else this.deps.cloudStatus.ok();
      if (action === 'delivered') this.deps.log.debug({ iqId: item.iqId }, 'escalation delivered');
      return action;
    } finally {
      this.inFlight.delete(item.iqId);
    }
  }

  /** Pull the cloud's answer for escalated image queries that may still change. */
  async refreshOpen(): Promise<number> {
    if (this.refreshing) return 0;
    this.refreshing = true;
    let updated = 0;
    try {
      const open = await this.deps.store.openEscalations(50);
      const now = this.now();
      for (const iq of open) {
        if (!this.running && this.loopDone) break;
        if (now - iq.createdAt > REFRESH_GIVE_UP_MS) {
          await this.deps.store.updateImageQuery(iq.id, iq.json, true, now);
          continue;
        }
        if (await this.refreshOne(iq.id, iq.json)) updated++;
      }
    } catch (e) {
      this.deps.log.warn({ err: e }, 'refreshing escalated image queries failed');
    } finally {
      this.refreshing = false;
    }
    return updated;
  }

  /** Fetch one image query from the cloud and store its answer when it has one. Returns the stored JSON. */
  async refreshOne(id: string, currentJson: string): Promise<string | null> {
    const r = await this.deps.cloud.getImageQuery(id);
    const now = this.now();
    if (r.kind !== 'ok') {
      await this.deps.store.markRefreshed(id, now);
      return null;
    }
    const iq = r.value;
    if (iq.result === null) {
      await this.deps.store.markRefreshed(id, now);
      return null;
    }
    const json = JSON.stringify(iq);
    const final = iq.done_processing || iq.result.source === 'USER';
    if (json !== currentJson || final) await this.deps.store.updateImageQuery(id, json, final, now);
    return json;
  }
}

function describe(outcome: SendOutcome): string {
  switch (outcome.kind) {
    case 'http':
      return `HTTP ${outcome.status}`;
    case 'network':
      return `network: ${outcome.message}`;
    case 'timeout':
      return 'timeout';
  }
}
