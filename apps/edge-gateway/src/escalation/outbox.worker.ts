/**
 * Drains the escalation outbox to the cloud: `POST {CLOUD_URL}/device-api/v1/image-queries` with the same
 * image query id, `want_async=True`, and the edge's own token. In order per detector (only the oldest pending
 * item of a detector is ever in flight), detectors in parallel. Outages are retried with backoff for as long
 * as they last; an item the cloud refuses, conflicts on (409), or keeps failing on (capped retry class) is set
 * aside as a dead letter, so the detector's next item goes (retry-policy.ts). The cloud answers a resend of
 * our id 2xx, so nothing is sent twice and nothing is lost across crashes or outages. Every
 * `shedIntervalMs` the pending cap (bytes/age) is applied (outbox.shedder.ts).
 * Delivering is all it does: answers are pulled back by answer-refresher.ts.
 */
import type { CloudClient } from '../cloud-client/cloud.client';
import type { CloudStatus } from '../cloud-client/cloud-status';
import type { Logger } from '../logger';
import type { EdgeMetrics } from '../metrics/metrics';
import type { ImageRepository } from '../store/image.repository';
import type { OutboxItem, OutboxRepository } from '../store/outbox.repository';
import type { OutboxSettler } from './outbox.settler';
import type { RetryAction } from './retry-policy';

export interface OutboxWorkerDeps {
  outbox: Pick<OutboxRepository, 'heads' | 'markDead'>;
  images: Pick<ImageRepository, 'forImageQuery'>;
  settler: Pick<OutboxSettler, 'settle'>;
  cloud: Pick<CloudClient, 'submitImageQuery'>;
  cloudStatus: Pick<CloudStatus, 'ok' | 'failed'>;
  metrics: Pick<EdgeMetrics, 'outboxFailed'>;
  log: Logger;
  idlePollMs: number;
  sendTimeoutMs: number;
  /** Applies the pending cap; run at most every `shedIntervalMs`. */
  shed?: () => Promise<unknown>;
  shedIntervalMs?: number;
  now?: () => number;
}

export class OutboxWorker {
  private readonly inFlight = new Set<string>();
  private running = false;
  private wakeUp: (() => void) | null = null;
  private loopDone: Promise<void> | null = null;
  private lastShedAt = -Infinity;

  constructor(private readonly deps: OutboxWorkerDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
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

  /** One pass: send every detector's due head. Returns what became of each item sent. */
  async drainOnce(): Promise<{ results: RetryAction[]; nextDue: number }> {
    const heads = await this.deps.outbox.heads();
    const now = this.now();
    const due: OutboxItem[] = [];
    let nextDue = Infinity;
    for (const h of heads) {
      if (this.inFlight.has(h.iqId)) continue;
      if (h.nextAttemptAt <= now) due.push(h);
      else nextDue = Math.min(nextDue, h.nextAttemptAt);
    }
    const results = await Promise.all(due.map((item) => this.send(item)));
    return { results, nextDue };
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let nextDue = Infinity;
      let sent = 0;
      try {
        if (this.deps.shed && this.now() - this.lastShedAt >= (this.deps.shedIntervalMs ?? 60_000)) {
          this.lastShedAt = this.now();
          await this.deps.shed();
        }
        const pass = await this.drainOnce();
        nextDue = pass.nextDue;
        sent = pass.results.filter((r) => r !== 'retry').length;
        if (pass.results.includes('retry')) nextDue = Math.min(nextDue, this.now() + 250);
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

  private async send(item: OutboxItem): Promise<RetryAction> {
    this.inFlight.add(item.iqId);
    try {
      const image = await this.deps.images.forImageQuery(item.iqId);
      if (!image) {
        await this.deps.outbox.markDead(
          item.iqId,
          item.attempts + 1,
          'IMAGE_MISSING',
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
      const action = await this.deps.settler.settle(item.iqId, item.kind, r.outcome, r.detail, item.attempts);
      if (action === 'retry') this.deps.cloudStatus.failed();
      else this.deps.cloudStatus.ok();
      if (action === 'delivered') this.deps.log.debug({ iqId: item.iqId }, 'escalation delivered');
      return action;
    } finally {
      this.inFlight.delete(item.iqId);
    }
  }
}
